"""Keeping the index true: new appeals within a pass, edits re-indexed, idempotent passes, a full rebuild."""

import pytest
from django.core.management import call_command

from lianxi.appeals import actions
from lianxi.similar import minhash
from lianxi.similar.index import index_pending, learn_stop_shingles, rebuild, state
from lianxi.similar.models import SimilarBand, SimilarDoc
from lianxi.similar.search import lsh_candidates
from lianxi.similar.text import shingles

from .conftest import DRAINAGE, TECH_SUBSIDY, UNRELATED

pytestmark = pytest.mark.django_db


def buckets(appeal) -> set[int]:
    return set(SimilarBand.objects.filter(appeal=appeal).values_list("key", flat=True))


def test_a_pass_indexes_new_appeals_once(jia, register):
    first, second = register(jia, TECH_SUBSIDY), register(jia, DRAINAGE[0])
    assert index_pending() == 2
    doc = SimilarDoc.objects.get(appeal=first)
    assert bytes(doc.signature) == minhash.signature(shingles(*TECH_SUBSIDY))
    assert buckets(first) == set(minhash.keys_of(bytes(doc.signature))) and len(buckets(first)) == 16
    assert state().last_appeal_id == second.pk
    assert index_pending() == 0  # nothing new: nothing written
    assert SimilarBand.objects.count() == 32
    third = register(jia, UNRELATED)
    assert index_pending() == 1 and state().last_appeal_id == third.pk


def test_an_appeal_committed_below_the_mark_is_still_indexed(jia, register):
    late, early = register(jia, TECH_SUBSIDY), register(jia, DRAINAGE[0])
    index_pending()
    SimilarDoc.objects.filter(appeal=late).delete()  # as if its transaction had committed after the pass
    SimilarBand.objects.filter(appeal=late).delete()
    assert index_pending() == 1 and SimilarDoc.objects.filter(appeal=late).exists()
    assert state().last_appeal_id == early.pk


def test_an_edited_text_is_indexed_again(clerk, jia, register):
    appeal = register(jia, TECH_SUBSIDY)
    index_pending()
    before = buckets(appeal)
    actions.edit(appeal, acting_user=clerk, title=DRAINAGE[0][0], content=DRAINAGE[0][1])
    actions.edit(appeal, acting_user=clerk, urgency="urgent")  # not the text: no re-indexing needed for it
    assert index_pending() == 1
    assert buckets(appeal) == set(minhash.keys_of(minhash.signature(shingles(*DRAINAGE[0])))) != before
    assert SimilarBand.objects.count() == 16  # the old buckets are gone
    assert appeal.pk in lsh_candidates(minhash.signature(shingles(*DRAINAGE[1])))
    assert appeal.pk not in lsh_candidates(minhash.signature(shingles(*TECH_SUBSIDY)))
    assert index_pending() == 0


def test_rebuild_indexes_everything_again_and_learns_stop_shingles(jia, yi, register, settings):
    appeals = [register(jia, TECH_SUBSIDY), register(yi, DRAINAGE[0]), register(yi, UNRELATED)]
    index_pending()
    SimilarBand.objects.filter(appeal=appeals[0]).delete()  # damage
    version = state().version
    call_command("similar_index", "--rebuild", verbosity=0)
    assert SimilarDoc.objects.count() == 3 and SimilarBand.objects.count() == 48
    assert state().version == version + 1 and state().last_appeal_id == appeals[-1].pk
    assert state().stop_shingles == []  # three appeals say nothing about what every appeal says
    # From 200 appeals up, what most of them say becomes a stop shingle, and signatures are computed without it.
    settings.LIANXI_SIMILAR = {"STOP_DF": 0.5}
    for i in range(200):
        register(jia, (f"第{i}号诉求", "园区污水管网堵塞" if i % 2 else "用电报装迟迟未批复"))
    assert learn_stop_shingles() == ["号诉"]
    assert rebuild() == 203 and state().stop_shingles == ["号诉"]
    last = SimilarDoc.objects.latest("appeal_id")
    assert bytes(last.signature) == minhash.signature(shingles("第199号诉求", "园区污水管网堵塞", stop={"号诉"}))
    call_command("similar_index", verbosity=0)  # one incremental pass: nothing left to do
    assert SimilarDoc.objects.count() == 203 and SimilarBand.objects.count() == 203 * 16
