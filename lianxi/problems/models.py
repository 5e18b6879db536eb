"""Storage of common problems (共性问题) and their members; only ``lianxi.problems.services`` writes them.
The design is in the package docstring (``lianxi/problems/__init__.py``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from lianxi.appeals.models import Outcome


class Stage(models.TextChoices):
    """What the problem-level actions have done; the members' own states are the loop's truth."""

    COLLECTING = "collecting", "待交办"
    DISPATCHED = "dispatched", "已交办"
    HANDLING = "handling", "办理中"
    REPLIED = "replied", "已答复"


OPEN_STAGES = frozenset({Stage.COLLECTING, Stage.DISPATCHED, Stage.HANDLING})

STAGE_COLOURS = {Stage.COLLECTING: "grey", Stage.DISPATCHED: "blue", Stage.HANDLING: "indigo",
                 Stage.REPLIED: "teal"}


class CommonProblemQuerySet(models.QuerySet):
    def visible_to(self, user) -> "CommonProblemQuerySet":
        from .access import problem_scope

        return problem_scope(self, user)

    def open(self) -> "CommonProblemQuerySet":
        return self.filter(state__in=OPEN_STAGES)


class CommonProblem(models.Model):
    title = models.CharField("标题", max_length=200)
    description = models.TextField("问题描述", blank=True)
    state = models.CharField("状态", max_length=12, choices=Stage.choices, default=Stage.COLLECTING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="创建人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # 交办: what every member was dispatched with.
    lead_department = models.ForeignKey("directory.Department", verbose_name="主办单位", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="led_common_problems")
    co_departments = models.ManyToManyField("directory.Department", verbose_name="协办单位", blank=True,
                                            related_name="co_handled_common_problems")
    instructions = models.TextField("交办意见", blank=True)
    due_at = models.DateTimeField("办结时限", null=True, blank=True)
    dispatched_at = models.DateTimeField("交办时间", null=True, blank=True)
    dispatched_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="交办人", null=True, blank=True,
                                      on_delete=models.SET_NULL, related_name="+")
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)

    # 办结答复: the one reply every member received.
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    outcome = models.CharField("办理结果", max_length=16, choices=Outcome.choices, blank=True)
    result = models.TextField("办理情况", blank=True)
    reply = models.TextField("答复企业", blank=True)

    objects = CommonProblemQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "共性问题"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list page: newest first, and the open ones the appeal page offers for grouping.
            models.Index(fields=["-created_at", "-id"], name="problem_recent"),
            models.Index(fields=["state", "-created_at"], name="problem_state_recent"),
        ]
        constraints = [
            models.CheckConstraint(name="problem_state_valid", condition=Q(state__in=Stage.values)),
            # Past 待交办 a problem has the lead department its members were dispatched to.
            models.CheckConstraint(name="problem_dispatched_has_lead",
                                   condition=Q(state=Stage.COLLECTING) | Q(lead_department__isnull=False)),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STAGES


class ProblemMember(models.Model):
    """An appeal grouped into a problem. Removing it keeps the row (removed_at) as the problem's history."""

    problem = models.ForeignKey(CommonProblem, on_delete=models.CASCADE, related_name="members")
    appeal = models.ForeignKey("appeals.Appeal", on_delete=models.CASCADE, related_name="problem_memberships")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="归入人", null=True,
                                 on_delete=models.SET_NULL, related_name="+")
    added_at = models.DateTimeField("归入时间")
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="移出人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    removed_at = models.DateTimeField("移出时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "共性问题成员"
        ordering = ["added_at", "id"]
        indexes = [
            # A problem's active members in the order grouped (its page, every problem action).
            models.Index(fields=["problem", "added_at"], name="problem_member_active",
                         condition=Q(removed_at__isnull=True)),
        ]
        constraints = [
            # An appeal is an active member of at most one problem; two dispatchers grouping the same appeal
            # at once: the second insert fails here.
            models.UniqueConstraint(fields=["appeal"], condition=Q(removed_at__isnull=True),
                                    name="problem_member_one_active"),
        ]

    def __str__(self) -> str:
        return f"{self.problem_id} · {self.appeal_id}"
