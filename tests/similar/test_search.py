"""Similar appeals at registration (the page's 查重 panel and the API's 201 answer) and on every appeal.

The story: 甲 raised its 技改补贴 problem; 乙 raised the park's sewer. Who sees what through "similar" follows the
access rule: an enterprise never learns of another enterprise's appeal."""

import re

import pytest
from rest_framework.test import APIClient

from lianxi.appeals import actions
from lianxi.similar import minhash
from lianxi.similar.api import SimilarAppealSerializer, serialize
from lianxi.similar.index import index_pending
from lianxi.similar.search import lsh_candidates, similar_to_text
from lianxi.similar.text import shingles

from .conftest import DRAINAGE, TECH_SUBSIDY, TECH_SUBSIDY_TRADITIONAL, UNRELATED

pytestmark = pytest.mark.django_db


def post_appeal(api, user, enterprise, category, text, **headers):
    title, content = text
    return api.as_(user).post("/api/v1/appeals/", {"enterprise": enterprise.pk, "title": title, "content": content,
                                                   "category": category.pk}, format="json", **headers)


def check(api, user, text, enterprise=None):
    body = {"title": text[0], "content": text[1]}
    if enterprise is not None:
        body["enterprise"] = enterprise.pk
    return api.as_(user).post("/api/v1/appeals/similar/", body, format="json")


def listed(html: str) -> list[int]:
    """The appeal ids of a similar-list partial or page, in order."""
    return [int(pk) for pk in re.findall(r'data-similar="(\d+)"', html)]


def test_the_same_text_registered_twice_finds_the_first_as_top_similar(api, clerk, jia, category):
    first = post_appeal(api, clerk, jia, category, TECH_SUBSIDY)
    assert first.status_code == 201 and first.data["similar"] == []
    second = post_appeal(api, clerk, jia, category, TECH_SUBSIDY)
    assert second.status_code == 201
    top = second.data["similar"][0]
    assert top["id"] == first.data["id"] and top["number"] == first.data["number"] and top["score"] == 1.0
    assert top["relation"] == "duplicate" and top["relation_label"] == "重复（同一企业，可合并）"
    assert top["enterprise"] == {"id": jia.pk, "name": jia.name} and top["merged_into"] is None
    # The appeal itself is never its own similar appeal, and the answer is the same after indexing.
    index_pending()
    again = api.as_(clerk).get(f"/api/v1/appeals/{second.data['id']}/similar/").data
    assert [item["id"] for item in again] == [first.data["id"]]


def test_an_idempotent_replay_carries_the_first_answer_similar_list(api, clerk, jia, category):
    first = post_appeal(api, clerk, jia, category, TECH_SUBSIDY)
    answer = post_appeal(api, clerk, jia, category, TECH_SUBSIDY, HTTP_IDEMPOTENCY_KEY="k-1")
    replay = post_appeal(api, clerk, jia, category, TECH_SUBSIDY, HTTP_IDEMPOTENCY_KEY="k-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == answer.json() and replay.json()["similar"][0]["id"] == first.data["id"]


def test_the_registration_page_shows_the_first_as_top_similar_while_typing(as_user, clerk, jia, register):
    first = register(jia, TECH_SUBSIDY)
    register(jia, UNRELATED)
    page = as_user(clerk).get("/appeals/new/").content.decode()
    assert 'hx-post="/similar/check/"' in page and 'id="similar-check"' in page
    panel = as_user(clerk).post("/similar/check/", {"title": TECH_SUBSIDY[0], "content": TECH_SUBSIDY[1],
                                                    "enterprise": jia.pk}, HTTP_HX_REQUEST="true")
    html = panel.content.decode()
    assert panel.status_code == 200 and listed(html) == [first.pk]
    assert first.number in html and "重复（同一企业，可合并）" in html and "100%" in html
    # Nothing typed yet: an empty panel, not an error.
    assert as_user(clerk).post("/similar/check/", {"title": " ", "content": ""}).content.decode().strip() == ""


def test_a_reworded_traditional_full_width_text_still_finds_it(api, dispatcher, jia, yi, register):
    original = register(jia, TECH_SUBSIDY)
    register(yi, UNRELATED)
    # Not indexed yet: found among the appeals registered since the last pass.
    found = check(api, dispatcher, TECH_SUBSIDY_TRADITIONAL, yi).data
    assert [item["id"] for item in found] == [original.pk] and found[0]["relation"] == "common"
    assert 0.6 < found[0]["score"] < 1
    # Indexed: found through the LSH buckets (乙 is asking, so 甲's appeal is no "own latest appeal").
    assert index_pending() == 2
    assert original.pk in lsh_candidates(minhash.signature(shingles(*TECH_SUBSIDY_TRADITIONAL)))
    assert [item["id"] for item in check(api, dispatcher, TECH_SUBSIDY_TRADITIONAL, yi).data] == [original.pk]


def test_unrelated_text_finds_nothing_above_the_threshold(api, dispatcher, jia, register):
    register(jia, TECH_SUBSIDY)
    register(jia, DRAINAGE[0])
    index_pending()
    assert check(api, dispatcher, UNRELATED, jia).data == []
    assert similar_to_text(dispatcher, "", "。，！") == []


def test_duplicate_of_the_same_enterprise_and_common_problem_of_others(api, dispatcher, jia, yi, register):
    own = register(jia, DRAINAGE[0])
    other = register(yi, DRAINAGE[1])
    index_pending()
    found = {item["id"]: item for item in check(api, dispatcher, DRAINAGE[3], jia).data}
    assert found[own.pk]["relation"] == "duplicate" and found[own.pk]["relation_label"] == "重复（同一企业，可合并）"
    assert found[other.pk]["relation"] == "common" and found[other.pk]["relation_label"] == "共性（其他企业）"
    # Seen from 乙's appeal, it is the other way round.
    from_yi = {item["id"]: item["relation"] for item in api.as_(dispatcher).get(
        f"/api/v1/appeals/{other.pk}/similar/").data}
    assert from_yi == {own.pk: "common"}


def test_rejected_appeals_are_left_out_and_merged_ones_point_to_their_target(api, dispatcher, jia, register):
    target = register(jia, DRAINAGE[0])
    merged = register(jia, DRAINAGE[1])
    rejected = register(jia, DRAINAGE[2])
    actions.merge(merged, acting_user=dispatcher, into=target)
    actions.reject(rejected, acting_user=dispatcher, reason="重复反映")
    index_pending()
    found = {item["id"]: item for item in check(api, dispatcher, DRAINAGE[3], jia).data}
    assert set(found) == {target.pk, merged.pk}
    assert found[merged.pk]["state"] == "merged"
    assert found[merged.pk]["merged_into"] == {"id": target.pk, "number": target.number, "title": target.title}
    assert found[target.pk]["merged_into"] is None


def test_an_enterprise_never_sees_another_enterprises_appeal_through_similar(
        api, as_user, user_jia, jia, yi, category, register):
    theirs = register(yi, DRAINAGE[0])
    ours = register(jia, DRAINAGE[1])
    index_pending()
    # The API check and the registration answer: only 甲's own appeal, though 乙's is as similar.
    assert [item["id"] for item in check(api, user_jia, DRAINAGE[0]).data] == [ours.pk]
    assert [item["id"] for item in check(api, user_jia, DRAINAGE[0], yi).data] == [ours.pk]  # enterprise ignored
    registered = post_appeal(api, user_jia, jia, category, DRAINAGE[0])
    assert [item["id"] for item in registered.data["similar"]] == [ours.pk]
    assert all(item["relation"] == "duplicate" for item in registered.data["similar"])
    # On an appeal: 甲's own lists only 甲's; 乙's is not there to ask about (404, API and page).
    assert theirs.pk not in [i["id"] for i in api.as_(user_jia).get(f"/api/v1/appeals/{ours.pk}/similar/").data]
    assert api.as_(user_jia).get(f"/api/v1/appeals/{theirs.pk}/similar/").status_code == 404
    client = as_user(user_jia)
    assert client.get(f"/appeals/{theirs.pk}/similar/").status_code == 404
    page = client.get(f"/appeals/{ours.pk}/similar/").content.decode()
    assert theirs.number not in page and theirs.pk not in listed(page)
    panel = client.post("/similar/check/", {"title": DRAINAGE[0][0], "content": DRAINAGE[0][1], "enterprise": yi.pk})
    html = panel.content.decode()
    assert theirs.number not in html and listed(html) == [registered.data["id"], ours.pk]  # the exact copy first


def test_a_handler_sees_only_the_similar_appeals_of_their_department(
        api, dispatcher, handler_gxj, gxj, rsj, jia, yi, register):
    led = actions.dispatch(register(jia, DRAINAGE[0]), acting_user=dispatcher, lead_department=gxj)
    elsewhere = actions.dispatch(register(yi, DRAINAGE[1]), acting_user=dispatcher, lead_department=rsj)
    index_pending()
    found = [item["id"] for item in check(api, handler_gxj, DRAINAGE[3]).data]
    assert found == [led.pk] and elsewhere.pk not in found
    assert api.as_(handler_gxj).get(f"/api/v1/appeals/{elsewhere.pk}/similar/").status_code == 404


def test_a_check_needs_some_text_and_an_enterprise_the_user_sees(api, clerk, user_yi, jia, yi):
    empty = api.as_(clerk).post("/api/v1/appeals/similar/", {"title": " ", "content": ""}, format="json")
    assert empty.status_code == 400 and "title" in empty.data
    unknown = check(api, clerk, TECH_SUBSIDY, type(jia)(pk=999999))
    assert unknown.status_code == 400 and "enterprise" in unknown.data
    assert APIClient().post("/api/v1/appeals/similar/", {"title": "x"}, format="json").status_code == 401
    assert api.as_(user_yi).get("/api/v1/appeals/similar/").status_code == 405


def test_a_check_reads_at_most_an_appeals_title_and_the_routers_length_of_content(api, as_user, clerk, jia,
                                                                                 register):
    register(jia, DRAINAGE[0])
    too_long = check(api, clerk, (DRAINAGE[0][0], DRAINAGE[0][1] * 400), jia)  # over 20,000 characters
    assert too_long.status_code == 400 and "content" in too_long.data and "title" not in too_long.data
    long_title = check(api, clerk, (DRAINAGE[0][0] * 20, DRAINAGE[0][1]), jia)  # over 200 characters
    assert long_title.status_code == 400 and "title" in long_title.data and "content" not in long_title.data
    # The page's panel searches nothing.
    panel = as_user(clerk).post("/similar/check/", {"title": DRAINAGE[0][0], "content": DRAINAGE[0][1] * 400})
    assert panel.status_code == 200 and panel.content.decode().strip() == ""


def test_the_hand_built_answer_is_what_the_documented_serializer_renders(dispatcher, jia, yi, register):
    target = register(jia, DRAINAGE[0])
    actions.merge(register(jia, DRAINAGE[1]), acting_user=dispatcher, into=target)
    register(yi, DRAINAGE[2])
    index_pending()
    results = similar_to_text(dispatcher, *DRAINAGE[3], enterprise_id=jia.pk)
    assert {r.relation for r in results} == {"duplicate", "common"} and any(r.merged_into for r in results)
    assert serialize(results) == SimilarAppealSerializer(results, many=True).data
