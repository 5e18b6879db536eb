"""POST /api/v1/routing/suggest/: the contract, the "no suggestion" answer, bad input, who may ask."""

import io

import pytest
from django.core.management import call_command

from tests.conftest import make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/routing/suggest/"
EMISSIONS = {"title": "申请办理排污许可证", "content": "公司新建项目需要办理环评审批和排污许可，请问流程和时限。"}


@pytest.fixture
def trained(history):
    call_command("routing_train", stdout=io.StringIO())
    return history


def test_ranked_departments_with_scores(api, dispatcher, units, trained):
    response = api.as_(dispatcher).post(URL, EMISSIONS, format="json")
    assert response.status_code == 200
    found = response.json()
    assert found[0] == {"department": units["sthj"].pk, "name": "贵阳市生态环境局清镇分局",
                        "score": found[0]["score"]}
    assert 1 <= len(found) <= 5
    assert all(set(item) == {"department", "name", "score"} and 0 <= item["score"] <= 1 for item in found)
    assert [item["score"] for item in found] == sorted((item["score"] for item in found), reverse=True)


def test_the_title_alone_or_the_content_alone_is_enough(api, clerk, units, trained):
    by_title = api.as_(clerk).post(URL, {"title": "增值税留抵退税迟迟未到账"}, format="json").json()
    by_content = api.as_(clerk).post(URL, {"content": "公司急需招聘普工和技术工人，希望纳入招聘会"}).json()
    assert by_title[0]["department"] == units["swj"].pk
    assert by_content[0]["department"] == units["rsj"].pk


def test_cold_start_answers_from_the_remits(api, dispatcher, units):
    response = api.as_(dispatcher).post(URL, EMISSIONS, format="json")
    assert response.status_code == 200
    assert response.json()[0]["department"] == units["sthj"].pk


@pytest.mark.parametrize("body", [{"title": "asdfgh", "content": "qwerty"}, {"content": "今天天气很好"},
                                  {"title": "！！！"}, {"title": "啊啊啊", "content": "哈哈哈哈"}])
def test_nonsense_gets_no_suggestion(api, dispatcher, trained, body):
    response = api.as_(dispatcher).post(URL, body, format="json")
    assert response.status_code == 200 and response.json() == []


@pytest.mark.parametrize("body", [{}, {"title": "", "content": ""}, {"title": "   ", "content": "\n"},
                                  {"other": "排污许可"}])
def test_both_missing_is_a_400_naming_both_fields(api, dispatcher, units, body):
    response = api.as_(dispatcher).post(URL, body, format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["code"] == "invalid"
    assert errors["title"] == errors["content"] == ["标题和诉求内容至少填写一项"]


def test_too_long_a_title_is_a_400_on_the_title(api, dispatcher, units):
    response = api.as_(dispatcher).post(URL, {"title": "排" * 201, "content": "排污许可"}, format="json")
    assert response.status_code == 400 and set(response.json()) == {"code", "detail", "title"}


@pytest.mark.parametrize("persona", ["clerk", "dispatcher", "supervisor", "admin_user"])
def test_staff_who_register_or_dispatch_may_ask(api, request, units, persona):
    response = api.as_(request.getfixturevalue(persona)).post(URL, EMISSIONS, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("persona", ["user_jia", "handler_gxj", "head_gxj", "leader", "deputy"])
def test_others_may_not(api, request, units, persona):
    response = api.as_(request.getfixturevalue(persona)).post(URL, EMISSIONS, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "只有受理员、派单员、督办员和平台管理员可以使用派单建议"


def test_a_superuser_may_ask_and_anonymous_must_sign_in(api, units):
    root = make_user("root")
    root.is_superuser = True
    root.save()
    assert api.as_(root).post(URL, EMISSIONS, format="json").status_code == 200
    api.as_(None)
    assert api.post(URL, EMISSIONS, format="json").status_code == 401


def test_get_is_not_allowed(api, dispatcher, units):
    assert api.as_(dispatcher).get(URL).status_code == 405


def test_the_schema_describes_the_route(api, clerk):
    schema = api.as_(clerk).get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/routing/suggest/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][body]["properties"]) == {"title", "content"}
    items = operation["responses"]["200"]["content"]["application/json"]["schema"]["items"]["$ref"]
    assert set(schema["components"]["schemas"][items.rsplit("/", 1)[-1]]["properties"]) == {"department", "name",
                                                                                           "score"}
