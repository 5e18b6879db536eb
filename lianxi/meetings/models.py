"""联席会议 and the channels that are meetings of people: the meetings themselves and their types, the weekly
reception day's schedule, and leaders' pairing with enterprises (结对子) with its visits.

Appeals raised in a meeting point at it (``Appeal.meeting``); appeals raised on a visit are linked from the
visit. Only lianxi.meetings.services writes these rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class MeetingType(models.Model):
    """座谈会, 周二民企接待日, 政银企联席会…: data an admin can extend. Each type feeds one channel, which the
    appeals raised in its meetings carry."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=60, unique=True)
    channel = models.ForeignKey("directory.Channel", verbose_name="渠道", on_delete=models.PROTECT,
                                related_name="meeting_types")
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "会议类型"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class MeetingQuerySet(models.QuerySet):
    def visible_to(self, user) -> "MeetingQuerySet":
        from .access import meeting_scope

        return meeting_scope(self, user)


class Meeting(models.Model):
    type = models.ForeignKey(MeetingType, verbose_name="会议类型", on_delete=models.PROTECT,
                             related_name="meetings")
    title = models.CharField("会议名称", max_length=200)
    date = models.DateField("会议日期")
    place = models.CharField("会议地点", max_length=200, blank=True)
    host = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="主持领导", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="hosted_meetings")
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name="出席领导及代表委员", blank=True,
                                       related_name="attended_meetings")
    departments = models.ManyToManyField("directory.Department", verbose_name="参会部门", blank=True,
                                         related_name="meetings")
    enterprises = models.ManyToManyField("directory.Enterprise", verbose_name="参会企业", blank=True,
                                         related_name="meetings")
    minutes = models.TextField("会议纪要", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("登记时间")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "会议"
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["-date", "-id"], name="meeting_recent"),
                   models.Index(fields=["type", "-date"], name="meeting_type_recent")]

    def __str__(self) -> str:
        return f"{self.title}（{self.date:%Y-%m-%d}）"

    @property
    def date_cn(self) -> str:
        return f"{self.date.year}年{self.date.month}月{self.date.day}日"


class ProposedLead(models.Model):
    """The lead department proposed for an appeal when it was raised (a meeting decides who answers for each
    problem); the dispatcher still dispatches. Shown in the responsibility table until the appeal is dispatched."""

    appeal = models.OneToOneField("appeals.Appeal", verbose_name="诉求", primary_key=True,
                                  on_delete=models.CASCADE, related_name="proposed_lead")
    department = models.ForeignKey("directory.Department", verbose_name="拟主办单位", on_delete=models.PROTECT,
                                   related_name="+")
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    proposed_at = models.DateTimeField("提出时间")

    class Meta:
        verbose_name = verbose_name_plural = "拟主办单位"


class ReceptionSession(models.Model):
    """One Tuesday of 周二民企接待日: scheduled ahead (working Tuesdays only), held when its meeting exists."""

    class Status(models.TextChoices):
        PLANNED = "planned", "待开展"
        HELD = "held", "已开展"
        CANCELLED = "cancelled", "取消"

    date = models.DateField("接待日期", unique=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.PLANNED)
    duty_departments = models.ManyToManyField("directory.Department", verbose_name="值班部门", blank=True,
                                              related_name="reception_duties")
    meeting = models.OneToOneField(Meeting, verbose_name="接待会议", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="reception_session")
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "民企接待日"
        ordering = ["date"]
        constraints = [
            # Held means there is a meeting holding its appeals, and only then.
            models.CheckConstraint(name="reception_held_has_meeting",
                                   condition=Q(status="held", meeting__isnull=False)
                                   | (~Q(status="held") & Q(meeting__isnull=True))),
        ]

    def __str__(self) -> str:
        return f"周二民企接待日 {self.date:%Y-%m-%d}"


class PairingQuerySet(models.QuerySet):
    def visible_to(self, user) -> "PairingQuerySet":
        from .access import pairing_scope

        return pairing_scope(self, user)

    def active(self) -> "PairingQuerySet":
        return self.filter(ended_on__isnull=True)


class Pairing(models.Model):
    """结对子: a city leader answers for an enterprise's problems, visits it and raises what they hear."""

    leader = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="结对领导", on_delete=models.PROTECT,
                               related_name="pairings")
    enterprise = models.ForeignKey("directory.Enterprise", verbose_name="结对企业", on_delete=models.PROTECT,
                                   related_name="pairings")
    started_on = models.DateField("结对日期")
    ended_on = models.DateField("解除日期", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间")

    objects = PairingQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "领导结对"
        ordering = ["leader_id", "enterprise__name", "id"]
        constraints = [
            # One running pairing per leader and enterprise; an ended one may be renewed later.
            models.UniqueConstraint(fields=["leader", "enterprise"], condition=Q(ended_on__isnull=True),
                                    name="pairing_one_active"),
            models.CheckConstraint(name="pairing_ends_after_start",
                                   condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on"))),
        ]

    def __str__(self) -> str:
        return f"{self.leader} — {self.enterprise}"

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user) -> "VisitQuerySet":
        from .access import visit_scope

        return visit_scope(self, user)


class Visit(models.Model):
    """A leader's visit to a paired enterprise: who went, what was discussed, and the appeals raised there."""

    pairing = models.ForeignKey(Pairing, verbose_name="结对", on_delete=models.PROTECT, related_name="visits")
    date = models.DateField("走访日期")
    people = models.CharField("参加人员", max_length=300)
    discussed = models.TextField("座谈内容")
    appeals = models.ManyToManyField("appeals.Appeal", verbose_name="走访中提出的诉求", blank=True,
                                     related_name="visits")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField("登记时间")

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "结对走访"
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return f"{self.pairing} {self.date:%Y-%m-%d}"
