"""Configuration pages: the platform admin creates and edits the directory and the users; nobody else may."""

import pytest

from lianxi.accounts.models import User
from lianxi.directory.models import Channel, Department, Enterprise

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["departments", "categories", "channels", "users"])
def test_non_admins_are_refused(as_user, clerk, dispatcher, handler_gxj, user_jia, supervisor, kind, gxj):
    for persona in (clerk, dispatcher, handler_gxj, user_jia, supervisor):
        client = as_user(persona)
        for url in (f"/config/{kind}/", f"/config/{kind}/new/"):
            response = client.get(url)
            assert response.status_code == 403, (persona, url)
            assert "您没有维护该配置的权限" in response.content.decode()
        assert client.post(f"/config/{kind}/new/", {"code": "x", "name": "x"}).status_code == 403


def test_unknown_kind_is_404(as_user, admin_user):
    assert as_user(admin_user).get("/config/planets/").status_code == 404


def test_admin_lists_departments(as_user, admin_user, gxj, rsj):
    body = as_user(admin_user).get("/config/departments/").content.decode()
    assert gxj.name in body and rsj.name in body and "新建部门" in body
    searched = as_user(admin_user).get("/config/departments/?q=人力").content.decode()
    assert rsj.name in searched and gxj.name not in searched


def test_admin_creates_and_edits_a_department(as_user, admin_user, gxj):
    client = as_user(admin_user)
    response = client.post("/config/departments/new/", {
        "code": "zwfw", "name": "市政务服务中心", "kind": "bureau", "remit": "企业之家窗口", "is_active": "on",
        "sort_order": "3"})
    assert response.status_code == 302 and response.url == "/config/departments/"
    created = Department.objects.get(code="zwfw")
    assert created.remit == "企业之家窗口" and created.is_active
    client.post(f"/config/departments/{created.pk}/", {
        "code": "zwfw", "name": "市政务服务中心", "kind": "bureau", "parent": gxj.pk, "remit": "改", "sort_order": "3"})
    created.refresh_from_db()
    assert created.parent == gxj and created.remit == "改" and not created.is_active


def test_department_cannot_be_its_own_ancestor(as_user, admin_user, gxj):
    child = Department.objects.create(code="gxj-1", name="工信局一科", parent=gxj)
    response = as_user(admin_user).post(f"/config/departments/{gxj.pk}/", {
        "code": "gxj", "name": gxj.name, "kind": "bureau", "parent": child.pk, "sort_order": "0"})
    assert response.status_code == 400 and "上级单位不能是本单位或其下级单位" in response.content.decode()
    gxj.refresh_from_db()
    assert gxj.parent is None


def test_duplicate_department_code_is_refused(as_user, admin_user, gxj):
    response = as_user(admin_user).post("/config/departments/new/", {
        "code": "gxj", "name": "另一个", "kind": "bureau", "sort_order": "0"})
    assert response.status_code == 400 and "代码" in response.content.decode()
    assert Department.objects.filter(code="gxj").count() == 1


def test_admin_edits_category_time_limits(as_user, admin_user, category, rsj):
    data = {"code": category.code, "name": category.name, "default_department": rsj.pk, "accept_days": 1,
            "urgent_days": 3, "general_days": 10, "complex_days": 20, "followup_days": 3, "rectify_days": 5,
            "is_active": "on", "sort_order": 0}
    assert as_user(admin_user).post(f"/config/categories/{category.pk}/", data).status_code == 302
    category.refresh_from_db()
    assert (category.general_days, category.default_department) == (10, rsj)
    response = as_user(admin_user).post(f"/config/categories/{category.pk}/", {**data, "urgent_days": 0})
    assert response.status_code == 400 and "时限至少为1个工作日" in response.content.decode()
    category.refresh_from_db()
    assert category.urgent_days == 3


def test_admin_adds_a_channel(as_user, admin_user):
    as_user(admin_user).post("/config/channels/new/", {"code": "wechat", "name": "微信公众号", "is_active": "on",
                                                       "sort_order": 20})
    assert Channel.objects.get(code="wechat").name == "微信公众号"


def test_admin_creates_a_handler_and_edits_roles(as_user, admin_user, gxj, client):
    admin = as_user(admin_user)
    response = admin.post("/config/users/new/", {
        "username": "gxj_li", "name": "李工", "phone": "13900000000", "password": "long-enough-pw",
        "roles": ["handler"], "department": gxj.pk, "is_active": "on"})
    assert response.status_code == 302
    user = User.objects.get(username="gxj_li")
    assert user.role_codes == {"handler"} and user.department == gxj and user.check_password("long-enough-pw")
    listing = admin.get("/config/users/").content.decode()
    assert "李工" in listing and "部门承办人" in listing
    admin.post(f"/config/users/{user.pk}/", {"username": "gxj_li", "name": "李工", "roles": ["handler", "clerk"],
                                             "department": gxj.pk, "is_active": "on"})
    user = User.objects.get(pk=user.pk)
    assert user.role_codes == {"handler", "clerk"} and user.check_password("long-enough-pw")  # blank keeps it


def test_user_form_validates(as_user, admin_user, gxj, jia):
    admin = as_user(admin_user)
    both = admin.post("/config/users/new/", {"username": "x1", "password": "long-enough-pw", "roles": ["clerk"],
                                             "department": gxj.pk, "enterprise": jia.uscc})
    assert both.status_code == 400 and "不能同时属于两者" in both.content.decode()
    short = admin.post("/config/users/new/", {"username": "x2", "password": "short", "roles": ["clerk"]})
    assert short.status_code == 400
    no_enterprise = admin.post("/config/users/new/", {"username": "x3", "password": "long-enough-pw",
                                                      "roles": ["enterprise"]})
    assert "企业用户必须指定所属企业" in no_enterprise.content.decode()
    assert not User.objects.filter(username__in=["x1", "x2", "x3"]).exists()
    # An enterprise user is tied to their enterprise by its USCC, typed as people type it.
    ok = admin.post("/config/users/new/", {"username": "jia2", "password": "long-enough-pw",
                                           "roles": ["enterprise"], "enterprise": jia.uscc.lower()})
    assert ok.status_code == 302 and User.objects.get(username="jia2").enterprise == jia
    edit = admin.get(f"/config/users/{User.objects.get(username='jia2').pk}/").content.decode()
    assert f'value="{jia.uscc}"' in edit


def test_clerk_edits_an_enterprise_with_a_normalised_uscc(as_user, clerk, jia):
    client = as_user(clerk)
    page = client.get(f"/enterprises/{jia.pk}/").content.decode()
    assert f"/config/enterprises/{jia.pk}/" in page
    response = client.post(f"/config/enterprises/{jia.pk}/", {
        "name": jia.name, "uscc": "9152 0181 ma6d l8xx 4a", "legal_representative": "张甲改",
        "contact_phone": "0851-82511111", "ownership": "private"})
    assert response.status_code == 302 and response.url == f"/enterprises/{jia.pk}/"
    jia.refresh_from_db()
    assert jia.uscc == "91520181MA6DL8XX4A" and jia.legal_representative == "张甲改"


def test_enterprise_create_validates_uscc(as_user, clerk, jia):
    client = as_user(clerk)
    bad = client.post("/config/enterprises/new/", {"name": "某公司", "uscc": "91520181MA6DL8XX40",
                                                   "ownership": "private"})
    assert bad.status_code == 400 and "统一社会信用代码无效" in bad.content.decode()
    taken = client.post("/config/enterprises/new/", {"name": "某公司", "uscc": jia.uscc.lower(),
                                                     "ownership": "private"})
    assert taken.status_code == 400 and Enterprise.objects.count() == 1


def test_handlers_and_enterprises_may_not_edit_enterprises(as_user, handler_gxj, user_jia, jia):
    for persona in (handler_gxj, user_jia):
        client = as_user(persona)
        assert client.get(f"/config/enterprises/{jia.pk}/").status_code == 403
        assert client.post(f"/config/enterprises/{jia.pk}/", {"name": "改名", "uscc": jia.uscc}).status_code == 403
    jia.refresh_from_db()
    assert jia.name == "贵州甲材料有限公司"
