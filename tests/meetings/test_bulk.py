"""The bulk-entry table: a meeting's whole list registered at one sitting, or nothing and every bad row marked."""

from __future__ import annotations

import pytest

from lianxi.appeals.models import Appeal, AppealEvent
from lianxi.core.errors import InvalidInput, NotPermitted
from lianxi.meetings import services
from lianxi.meetings.models import ProposedLead

pytestmark = pytest.mark.django_db


def rows(jia, yi, category, gxj):
    return [
        {"enterprise": jia.name, "title": "用电增容审批慢", "content": "新厂房需增容至800千伏安", "category": category.pk,
         "lead_department": gxj.pk},
        {"enterprise": yi.uscc.lower(), "title": "招工难", "content": "", "category": category.code},
        {"enterprise": f"{yi.name} {yi.uscc}", "title": "物流成本高", "content": "希望开通货运专线",
         "category": category.name, "lead_department": "rsj"},
    ]


def test_a_clerk_registers_the_whole_list(symposium, clerk, jia, yi, category, gxj, rsj, now):
    result = services.bulk_register(symposium, rows(jia, yi, category, gxj), acting_user=clerk, now=now)
    appeals = list(Appeal.objects.filter(meeting=symposium).order_by("created_at", "id"))
    assert [a.pk for a in appeals] == [a.pk for a in result.appeals] and result.dispatched == 0
    assert [(a.enterprise_id, a.title, a.channel.code, a.state, a.created_by_id) for a in appeals] == [
        (jia.pk, "用电增容审批慢", "symposium", "registered", clerk.pk),
        (yi.pk, "招工难", "symposium", "registered", clerk.pk),
        (yi.pk, "物流成本高", "symposium", "registered", clerk.pk)]
    assert appeals[1].content == "招工难"  # blank content: the title says it
    # The proposed lead departments are recorded for the dispatcher and the responsibility table.
    assert {p.appeal_id: p.department_id for p in ProposedLead.objects.all()} == {
        appeals[0].pk: gxj.pk, appeals[2].pk: rsj.pk}
    assert AppealEvent.objects.filter(appeal__in=appeals, action="register", data__meeting=symposium.pk).count() == 3
    # Enterprises that raised something attended.
    assert set(symposium.enterprises.all()) == {jia, yi}


def test_one_bad_row_stores_nothing_and_names_every_bad_row(symposium, clerk, jia, yi, category, gxj, rsj):
    data = rows(jia, yi, category, gxj)
    data[1]["enterprise"] = "乙食品"  # part of a name: not guessed at
    data[2]["title"] = ""
    data.append({"enterprise": "9152018100000000XX", "title": "x", "category": category.pk})
    with pytest.raises(InvalidInput) as refused:
        services.bulk_register(symposium, data, acting_user=clerk)
    errors = refused.value.fields["rows"]
    assert errors[0] == {}
    assert set(errors[1]) == {"enterprise"} and yi.name in errors[1]["enterprise"][0]  # the candidate is named
    assert set(errors[2]) == {"title"}
    assert set(errors[3]) == {"enterprise"}
    assert "3行" in refused.value.message or "3 行" in refused.value.message
    assert Appeal.objects.count() == AppealEvent.objects.count() == ProposedLead.objects.count() == 0
    assert list(symposium.enterprises.all()) == [jia]  # unchanged


def test_a_dispatcher_may_dispatch_as_the_meeting_decided(symposium, dispatcher, clerk, jia, yi, category, gxj, rsj):
    result = services.bulk_register(symposium, rows(jia, yi, category, gxj), acting_user=dispatcher, dispatch=True)
    assert result.dispatched == 2
    states = {a.title: (a.state, a.lead_department_id) for a in Appeal.objects.filter(meeting=symposium)}
    assert states == {"用电增容审批慢": ("dispatched", gxj.pk), "招工难": ("registered", None),
                      "物流成本高": ("dispatched", rsj.pk)}
    with pytest.raises(NotPermitted):
        services.bulk_register(symposium, rows(jia, yi, category, gxj), acting_user=clerk, dispatch=True)
    assert Appeal.objects.count() == 3


def test_who_may_enter_a_list(symposium, handler_gxj, user_jia, jia, yi, category, gxj, rsj):
    for persona in (handler_gxj, user_jia):
        with pytest.raises(NotPermitted):
            services.bulk_register(symposium, rows(jia, yi, category, gxj), acting_user=persona)
    assert Appeal.objects.count() == 0


def test_the_page_table(client, clerk, symposium, jia, yi, category, gxj):
    client.force_login(clerk)
    page = client.get(f"/meetings/{symposium.pk}/bulk/")
    assert page.status_code == 200 and page.content.decode().count('name="enterprise"') == 10
    more = client.get("/meetings/bulk-rows/?start=11").content.decode()
    assert more.count('name="title"') == 10 and "第11行" in more and "start=21" in more
    options = client.get("/meetings/enterprise-options/?enterprise=甲材料").content.decode()
    assert f'value="{jia.name} {jia.uscc}"' in options and yi.name not in options

    def post(table):
        data = {name: [row.get(name, "") for row in table]
                for name in ("enterprise", "title", "content", "category", "lead_department", "urgency")}
        return client.post(f"/meetings/{symposium.pk}/bulk/", data)

    blank = {"enterprise": "", "title": "", "content": "", "category": "", "lead_department": ""}
    bad = post([{"enterprise": "不存在的公司", "title": "融资难", "category": category.pk}, blank,
                {"enterprise": jia.uscc, "title": "用地", "category": category.pk}])
    body = bad.content.decode()
    assert bad.status_code == 400 and "找不到名称为“不存在的公司”的企业" in body and "全部诉求均未登记" in body
    assert 'value="融资难"' in body  # what was typed is kept
    assert Appeal.objects.count() == 0
    good = post([{"enterprise": f"{jia.name} {jia.uscc}", "title": "融资难", "category": category.pk,
                  "lead_department": gxj.pk}, blank, {"enterprise": yi.name, "title": "用地", "category": category.pk}])
    assert good.status_code == 302 and good.url == f"/meetings/{symposium.pk}/"
    assert sorted(Appeal.objects.filter(meeting=symposium).values_list("title", flat=True)) == ["用地", "融资难"]


def test_the_api(api, clerk, symposium, jia, yi, category, gxj, rsj):
    api.as_(clerk)
    bad = api.post(f"/api/v1/meetings/{symposium.pk}/bulk-register/",
                   {"rows": [{"enterprise": jia.uscc, "title": "", "category": category.pk}]}, format="json")
    assert bad.status_code == 400 and bad.json()["rows"] == [{"title": ["该字段是必填项。"]}]
    done = api.post(f"/api/v1/meetings/{symposium.pk}/bulk-register/", {"rows": rows(jia, yi, category, gxj)},
                    format="json")
    assert done.status_code == 201
    body = done.json()
    assert [a["title"] for a in body["appeals"]] == ["用电增容审批慢", "招工难", "物流成本高"]
    assert all(a["meeting"] == symposium.pk for a in body["appeals"])
    assert Appeal.objects.filter(meeting=symposium).count() == 3
