"""The router reads Chinese text one canonical way: half-width, simplified, place names and numbers masked."""

import pytest

from lianxi.directory.models import Department
from lianxi.routing.text import NUMBER, PLACE, Places, appeal_text, ngram_hashes, normalize, short_name
from lianxi.similar.text import forget_places, normalized

PLACES = Places.build([(1, "卫城镇"), (2, "麦格苗族布依族乡"), (3, "清镇经济开发区"), (4, "青龙山街道")])


def test_traditional_and_full_width_read_as_simplified_half_width():
    simplified = normalize("我们公司2026年申请软件补贴50万元，请协助。", PLACES)
    variant = normalize("我們公司２０２６年申請軟體補貼５０萬元，請協助。", PLACES)
    assert variant == simplified
    assert simplified.text == f"我们公司{NUMBER}年申请软件补贴{NUMBER}万元 请协助"


def test_place_names_are_masked_and_remembered():
    found = normalize("我公司位于衛城鎮，厂区在清镇经济开发区，隶属贵阳市清镇市。", PLACES)
    assert "卫城" not in found.text and "清镇" not in found.text and "贵阳" not in found.text
    assert found.text.count(PLACE) == 4
    # The park is one name, not 清镇 + 经济开发区; the city names name no unit.
    assert "经济开发区" not in found.text
    assert found.places == {1, 3}


def test_short_names_of_towns_are_places_too():
    assert short_name("麦格苗族布依族乡") == "麦格"
    assert short_name("青龙山街道") == "青龙山"
    assert short_name("卫城镇") == "卫城"
    found = normalize("麦格的合作社和青龙山片区", PLACES)
    assert found.places == {2, 4}
    assert found.text.count(PLACE) == 2


def test_numbers_become_one_token_whatever_their_form():
    assert normalize("投资1,200.5万元").text == normalize("投资３万元").text == f"投资{NUMBER}万元"
    assert normalize("2026-03-11到期").text == f"{NUMBER}到期"


def test_punctuation_separates_and_ngrams_do_not_cross_it():
    text = appeal_text("申请补贴", "急！！请协助", PLACES).text
    assert text == "申请补贴 申请补贴 急 请协助"
    rows, buckets = ngram_hashes(["急 请"])
    assert len(buckets) == 2  # 急 and 请: no bigram across the space
    rows, buckets = ngram_hashes(["急请"])
    assert len(buckets) == 3


def test_empty_and_symbol_only_text_normalise_to_nothing():
    assert normalize("").text == ""
    assert normalize("！？……——  ").text == ""
    rows, buckets = ngram_hashes([""])
    assert len(rows) == 0


@pytest.mark.django_db
def test_a_new_town_is_masked_at_once_by_the_similar_appeal_texts_too():
    """Both readers of the towns' names refresh together when a department changes."""
    forget_places()
    assert "站街" in normalized("站街镇的污水管网")  # the names are read, and kept for PLACES_SECONDS
    Department.objects.create(code="zjz", name="站街镇", kind="town")
    assert "站街" not in normalized("站街镇的污水管网")
    forget_places()
