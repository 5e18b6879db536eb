"""Text as the search reads it: the same appeal typed differently has the same shingles; signatures agree as the
texts do."""

import numpy as np
import pytest

from lianxi.similar import minhash
from lianxi.similar.text import cosine, shingles

from .conftest import DRAINAGE, TECH_SUBSIDY, TECH_SUBSIDY_TRADITIONAL, UNRELATED

pytestmark = pytest.mark.django_db  # the towns masked come from the directory


def test_traditional_and_full_width_read_as_simplified_and_half_width():
    assert shingles("申請兌現補貼", "設備投資３００萬元") == shingles("申请兑现补贴", "设备投资300万元")
    # Numbers and places are masks, not text: two amounts or two cities do not make two problems different.
    assert shingles("", "投资300万元") == shingles("", "投资500万元")


def test_boilerplate_and_function_characters_are_not_shingles(town):
    grams = shingles("希望协调解决", f"企业反映{town.name}的问题")
    assert not grams & {"企业", "反映", "希望", "协调", "解决", "问题", "的问", "卫城"}
    assert shingles("污水管网堵塞", "")  # what the problem is, is kept
    assert "管网" in shingles("污水管网堵塞", "", stop=["污水"]) and "污水" not in shingles("污水管网", "", stop=["污水"])


def test_cosine_separates_a_rewording_from_an_unrelated_text():
    original = shingles(*TECH_SUBSIDY)
    assert cosine(original, original) == pytest.approx(1.0)
    assert cosine(original, shingles(*TECH_SUBSIDY_TRADITIONAL)) > 0.6
    assert cosine(original, shingles(*UNRELATED)) < 0.1
    assert cosine(original, frozenset()) == 0.0


def test_signatures_are_deterministic_and_estimate_similarity():
    a, b, c = (shingles(*t) for t in (DRAINAGE[0], DRAINAGE[1], UNRELATED))
    sig = minhash.signature(a)
    assert sig == minhash.signature(set(a)) and len(sig) == minhash.size() * 2
    assert minhash.signatures([a, frozenset(), b]) == [sig, b"", minhash.signature(b)]
    rows = minhash.matrix([sig, minhash.signature(b), minhash.signature(c)])
    same, close, far = minhash.agreement(rows[[0, 0, 0]], rows)
    assert same == 1.0 and close > 0.3 and far < 0.15
    keys = minhash.band_keys(rows)
    assert keys.shape == (3, 16) and keys.dtype == np.int32
    assert minhash.keys_of(sig) == keys[0].tolist() and minhash.keys_of(b"") == []
