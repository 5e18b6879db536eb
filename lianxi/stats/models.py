"""The facts the numbers are counted from: one narrow row per appeal, kept by a background step.

Counting a year of a million appeals from the appeal table itself means reading wide rows and millions of events;
``AppealFact`` holds, per appeal, only what the measures of DOMAIN.md ("The numbers leaders read") need: the cut
columns and one flag per measure. It is refreshed from the appeal row and its events (``lianxi.stats.facts``)
whenever an action touched the appeal: the action marks the appeal stale (``StaleAppeal``) in its own transaction,
and ``refresh_stats`` (a Celery beat task every minute, or the command's loop) recomputes the marked ones. What
depends on the clock ("open and past due now") is not stored as a flag but computed when counted, from
``open_due_at``.
"""

from __future__ import annotations

from django.db import models


class AppealFact(models.Model):
    appeal = models.OneToOneField("appeals.Appeal", primary_key=True, on_delete=models.CASCADE,
                                  related_name="fact", db_constraint=True)
    # The period is the registration date (Asia/Shanghai); the cuts are the appeal's own columns. Town, size and
    # ownership are the enterprise's and are joined when counted, so an edited enterprise never leaves stale cuts.
    registered_on = models.DateField("登记日期")
    enterprise = models.ForeignKey("directory.Enterprise", on_delete=models.DO_NOTHING, related_name="+",
                                   db_index=False)
    lead_department = models.ForeignKey("directory.Department", null=True, on_delete=models.DO_NOTHING,
                                        related_name="+", db_index=False)
    channel = models.ForeignKey("directory.Channel", on_delete=models.DO_NOTHING, related_name="+", db_index=False)
    category = models.ForeignKey("directory.Category", on_delete=models.DO_NOTHING, related_name="+",
                                 db_index=False)
    meeting = models.ForeignKey("meetings.Meeting", null=True, on_delete=models.DO_NOTHING, related_name="+",
                                db_index=False)
    state = models.CharField(max_length=16)

    # One flag per numerator and denominator (see lianxi.stats.measures for the definitions).
    received = models.BooleanField()  # not rejected, not merged
    completed = models.BooleanField()  # replied, followed up or closed now
    dispatched = models.BooleanField()  # dispatched at least once
    responded = models.BooleanField()  # the latest dispatch was accepted or returned within the 签收 limit
    returned = models.BooleanField()  # returned (退单) at least once
    replied = models.BooleanField()  # replied at least once
    on_time = models.BooleanField()  # the latest reply was on or before the due date in force
    rated = models.BooleanField()  # followed up with a rating
    satisfied = models.BooleanField()  # the latest rating is 3–5
    solved = models.BooleanField()  # the latest follow-up answered "solved"
    reopened = models.BooleanField()  # reopened (重办) at least once
    # The due date in force while the appeal is open with a running 办结/整改 limit (dispatched or handling):
    # "overdue now" is open_due_at < now, decided when counted.
    open_due_at = models.DateTimeField(null=True)
    reply_workdays = models.FloatField(null=True)  # working days from the latest dispatch to the first reply after it

    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name = verbose_name_plural = "诉求统计事实"
        indexes = [
            models.Index(fields=["registered_on"], name="fact_registered"),
            models.Index(fields=["lead_department", "registered_on"], name="fact_lead_registered"),
        ]


class StaleAppeal(models.Model):
    """An appeal whose facts must be recomputed; written by every action in its own transaction."""

    appeal_id = models.BigIntegerField(primary_key=True)


class Refresh(models.Model):
    """When the facts were last brought up to date (one row): the pages say "数据截至 …"."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    finished_at = models.DateTimeField(null=True)
    rows = models.PositiveIntegerField(default=0)
