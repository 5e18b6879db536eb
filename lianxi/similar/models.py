"""The similar-appeal index: one signature per appeal, its LSH buckets, and the index's own state.

Kept by ``lianxi.similar.index`` (``index_pending`` every minute, ``similar_index --rebuild`` for everything);
nothing else writes here. The appeal rows stay the truth: the index only proposes candidates, which are scored
on the appeals' current text and filtered by the access rule when read.
"""

from __future__ import annotations

from django.db import models


class SimilarDoc(models.Model):
    """One indexed appeal: its MinHash signature (empty for a text with no shingles) and a checksum of the text
    it was computed from, so an edited title or content is noticed and re-indexed."""

    appeal = models.OneToOneField("appeals.Appeal", primary_key=True, on_delete=models.CASCADE,
                                  related_name="similar_doc")
    signature = models.BinaryField()
    checksum = models.BigIntegerField()

    class Meta:
        verbose_name = verbose_name_plural = "相似诉求索引"


class SimilarBand(models.Model):
    """One LSH bucket an appeal is in: (band key, appeal), BANDS rows per appeal. Narrow on purpose — at a
    million appeals this is 16 million rows. The primary key (key, appeal) is the only index, and it serves the
    search: the newest appeals of a bucket, read backwards from the index alone. Rows are removed by their full
    key (the old signature is in SimilarDoc), so no index on appeal is needed; no foreign-key constraint either:
    a deleted appeal's rows are harmless (its candidates are looked up in the appeal table) and a rebuild drops
    them."""

    pk = models.CompositePrimaryKey("key", "appeal")
    key = models.IntegerField()
    appeal = models.ForeignKey("appeals.Appeal", on_delete=models.DO_NOTHING, db_constraint=False, db_index=False,
                               related_name="+")

    class Meta:
        verbose_name = verbose_name_plural = "相似诉求分桶"


class SimilarState(models.Model):
    """The index's state (one row): the high-water marks ``index_pending`` continues from, and the stop
    shingles the last rebuild learnt (``version`` changes with them, so every process rereads them)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_appeal_id = models.BigIntegerField(default=0)  # appeals up to here are indexed (but LOOKBACK)
    last_event_id = models.BigIntegerField(default=0)  # edits up to here are re-indexed (but LOOKBACK)
    stop_shingles = models.JSONField(default=list)
    version = models.PositiveIntegerField(default=0)
    rebuilt_at = models.DateTimeField(null=True)
    indexed_at = models.DateTimeField(null=True)

    class Meta:
        verbose_name = verbose_name_plural = "相似诉求索引状态"
