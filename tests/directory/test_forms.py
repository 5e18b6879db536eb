"""EnterpriseForm normalises what people type before validating it."""

from __future__ import annotations

import pytest

from lianxi.directory.forms import EnterpriseForm
from tests.conftest import USCC_JIA

from .conftest import make_uscc

pytestmark = pytest.mark.django_db


def test_uscc_and_phone_are_normalised_before_validation(town):
    spaced = "9152 0181 ma6d l8xx 4a"  # 22 characters as typed, 18 once normalised
    form = EnterpriseForm(data={"name": " 贵州甲材料有限公司 ", "uscc": spaced, "contact_phone": "(0851) 8251 1234",
                                "ownership": "private", "town": town.pk})
    assert form.is_valid(), form.errors
    enterprise = form.save()
    assert (enterprise.uscc, enterprise.contact_phone, enterprise.name) == (USCC_JIA, "085182511234", "贵州甲材料有限公司")


def test_a_wrong_check_digit_or_phone_is_a_field_error(db):
    bad = make_uscc(1)[:-1] + ("0" if make_uscc(1)[-1] != "0" else "1")
    form = EnterpriseForm(data={"name": "甲", "uscc": bad, "contact_phone": "12345", "ownership": "private"})
    assert not form.is_valid()
    assert "校验位" in form.errors["uscc"][0] and "电话号码格式不正确" in form.errors["contact_phone"][0]


def test_a_uscc_already_registered_is_refused_however_it_is_typed(jia):
    form = EnterpriseForm(data={"name": "另一家", "uscc": USCC_JIA.lower(), "ownership": "private"})
    assert not form.is_valid() and "uscc" in form.errors


def test_only_towns_and_parks_may_be_chosen_as_town(gxj):
    form = EnterpriseForm(data={"name": "甲", "uscc": make_uscc(1), "ownership": "private", "town": gxj.pk})
    assert not form.is_valid() and "town" in form.errors
