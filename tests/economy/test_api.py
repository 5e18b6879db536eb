"""/api/v1/economy/shares/ and /api/v1/economy/indicators/: the monitor's numbers for programs."""

from __future__ import annotations

import pytest

from lianxi.economy.models import EnterpriseIndicator

pytestmark = pytest.mark.django_db

SHARES = "/api/v1/economy/shares/"
INDICATORS = "/api/v1/economy/indicators/"


def test_the_shares_of_the_latest_quarter_by_default(api, leader, figures_2026):
    body = api.as_(leader).get(SHARES).json()

    assert (body["year"], body["quarter"], body["label"]) == (2026, 3, "2026年第3季度")
    assert body["headline"] == "2026年第3季度，全市非公经济贡献了80.0%的税收、60.0%的就业岗位和80.0%的市场主体数量"
    assert body["overall"]["taxes_paid"] == {"total": 100.0, "private": 70.0, "non_public": 80.0,
                                             "private_share": 0.7, "non_public_share": 0.8}
    assert body["overall"]["market_entities"] == {"total": 5, "private": 3, "non_public": 4,
                                                  "private_share": 0.6, "non_public_share": 0.8}
    assert body["overall"]["employees"]["non_public_share"] == 0.6
    assert body["by"] is None and body["groups"] == []
    assert [p["key"] for p in body["trend"]][-2:] == ["2026Q2", "2026Q3"] and len(body["trend"]) == 8
    assert body["trend"][0]["taxes_paid"]["non_public_share"] is None


def test_a_quarter_cut_by_town_or_by_industry(api, dispatcher, figures_2026):
    client = api.as_(dispatcher)
    towns = client.get(SHARES, {"year": 2026, "quarter": 3, "by": "town"}).json()
    assert towns["by"] == "town"
    assert [(g["name"], g["taxes_paid"]["non_public_share"]) for g in towns["groups"]] == [
        ("卫城镇", 1.0), ("清镇经济开发区", pytest.approx(1 / 3)), ("未填乡镇/园区", None)]
    assert towns["groups"][1]["key"] == str(figures_2026["bing"].town_id)

    industries = client.get(SHARES, {"year": 2026, "quarter": 2, "by": "industry"}).json()
    assert industries["label"] == "2026年第2季度"
    assert [g["key"] for g in industries["groups"]] == ["C", "F", None]
    assert industries["groups"][0]["taxes_paid"]["non_public_share"] == 0.5
    assert industries["groups"][1]["taxes_paid"]["total"] is None  # 个体乙 reported nothing in 2026Q2


@pytest.mark.parametrize("query, field", [
    ({"by": "department"}, "by"),
    ({"year": 2026}, "quarter"),
    ({"quarter": 3}, "year"),
    ({"year": 2026, "quarter": 5}, "quarter"),
    ({"year": "去年", "quarter": 1}, "year"),
    ({"year": 1990, "quarter": 1}, "year"),
])
def test_bad_parameters_are_400_with_the_field_named(api, leader, figures_2026, query, field):
    response = api.as_(leader).get(SHARES, query)
    assert response.status_code == 400 and field in response.json()


def test_without_figures_the_directory_still_counts(api, admin_user, firms):
    body = api.as_(admin_user).get(SHARES).json()
    assert body["year"] is None and body["headline"] is None and body["trend"] == []
    assert body["overall"]["market_entities"]["non_public_share"] == 0.8
    assert body["overall"]["taxes_paid"]["non_public_share"] is None


def test_the_indicator_list_is_paginated_and_filtered(api, supervisor, figures_2026):
    client = api.as_(supervisor)
    everything = client.get(INDICATORS).json()
    assert everything["count"] == 7 and {"next", "previous", "results"} <= set(everything)
    first = everything["results"][0]
    assert (first["year"], first["quarter"], first["enterprise_name"]) == (2026, 3, "私营甲")
    assert (first["taxes_paid"], first["employees"], first["revenue"], first["output_value"]) == (60.0, 50, 600.0,
                                                                                                   700.0)

    jia = figures_2026["jia"]
    assert client.get(INDICATORS, {"enterprise": jia.pk}).json()["count"] == 2
    assert client.get(INDICATORS, {"year": 2026, "quarter": 2}).json()["count"] == 2
    assert client.get(INDICATORS, {"search": jia.uscc}).json()["count"] == 2
    assert client.get(INDICATORS, {"search": "丙"}).json()["count"] == 2
    detail = client.get(f"{INDICATORS}{first['id']}/").json()
    assert detail["enterprise_uscc"] == jia.uscc

    assert client.get(INDICATORS, {"enterprise": 999999}).status_code == 400
    assert client.post(INDICATORS, {"enterprise": jia.pk, "year": 2026, "quarter": 4}).status_code == 405
    assert EnterpriseIndicator.objects.count() == 7


def test_only_readers_get_in(api, readers, outsiders, superuser, figures_2026):
    indicator = EnterpriseIndicator.objects.first()
    for user in [*readers, superuser]:
        assert api.as_(user).get(SHARES).status_code == 200, user
        assert api.as_(user).get(INDICATORS).status_code == 200, user
    for user in outsiders:  # an enterprise user, a handler … learn nothing, not even whether data exists
        for url in (SHARES, INDICATORS, f"{INDICATORS}{indicator.pk}/", f"{INDICATORS}999999/"):
            response = api.as_(user).get(url)
            assert response.status_code == 403 and "results" not in response.json(), (user, url)
    api.force_authenticate(user=None)
    assert api.get(SHARES).status_code == 401 and api.get(INDICATORS).status_code == 401
