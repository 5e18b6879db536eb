"""转办、督办、问责: supervision orders (督办单) and accountability records (问责).

Only lianxi.supervision.services and lianxi.appeals.actions write these; every write also writes an event on each
appeal concerned, so an appeal's history shows its 转办 → 督办 → 问责 trail.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Level(models.TextChoices):
    REMINDER = "reminder", "提醒"
    SUPERVISE = "supervise", "督办"
    LISTED = "listed", "挂牌督办"


class Trigger(models.TextChoices):
    """Why a supervision order was issued."""

    MANUAL = "manual", "督办员督办"
    WARNING = "warning", "临期预警"
    OVERDUE = "overdue", "超期"
    OVERDUE_DAYS = "overdue_days", "超期多日"


class SupervisionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "SupervisionQuerySet":
        from lianxi.accounts.access import supervision_scope

        return supervision_scope(self, user)


class Supervision(models.Model):
    """督办单: a formal push on one open appeal, addressed to a department, answered in writing by it."""

    number = models.CharField("文号", max_length=40, unique=True)
    appeal = models.ForeignKey("appeals.Appeal", verbose_name="诉求", on_delete=models.CASCADE,
                               related_name="supervisions")
    level = models.CharField("督办级别", max_length=12, choices=Level.choices)
    trigger = models.CharField("督办原因", max_length=16, choices=Trigger.choices, default=Trigger.MANUAL)
    # The running limit that triggered an automatic order; (deadline, level) is unique so that a repeated
    # supervision pass cannot issue the same order twice.
    deadline = models.ForeignKey("appeals.Deadline", verbose_name="时限", null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="supervisions")
    limit = models.CharField("时限类型", max_length=12, blank=True)
    department = models.ForeignKey("directory.Department", verbose_name="被督办单位", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="supervisions")
    text = models.TextField("督办事项")
    answer_due_at = models.DateTimeField("答复期限", null=True, blank=True)  # None: a reminder, no answer asked
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="签发人", null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    issued_by_name = models.CharField("签发人姓名", max_length=100, blank=True)  # "系统" when automatic
    issued_at = models.DateTimeField("签发时间")
    event = models.ForeignKey("appeals.AppealEvent", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")

    answer = models.TextField("答复", blank=True)
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="答复人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    answered_by_name = models.CharField("答复人姓名", max_length=100, blank=True)
    # Set when the supervision pass put an unanswered order on the accountability list (once only).
    escalated_at = models.DateTimeField("转问责时间", null=True, blank=True)

    objects = SupervisionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "督办单"
        ordering = ["-issued_at", "-id"]
        indexes = [
            models.Index(fields=["department", "-issued_at"], name="supervision_department"),
            # The supervision pass: orders whose answer is late and not yet escalated.
            models.Index(fields=["answer_due_at"], name="supervision_unanswered",
                         condition=Q(answered_at__isnull=True, escalated_at__isnull=True,
                                     answer_due_at__isnull=False)),
        ]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "level"], condition=Q(deadline__isnull=False),
                                    name="supervision_once_per_deadline_level"),
            models.CheckConstraint(name="supervision_level_valid", condition=Q(level__in=Level.values)),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def automatic(self) -> bool:
        return self.trigger != Trigger.MANUAL

    @property
    def needs_answer(self) -> bool:
        return self.answer_due_at is not None

    def answer_state(self, now) -> str:
        """answered / pending / late / none (a reminder asks for no answer)."""
        if not self.needs_answer:
            return "none"
        if self.answered_at:
            return "answered"
        return "late" if now > self.answer_due_at else "pending"


ANSWER_STATE_LABELS = {"none": "无需答复", "answered": "已答复", "pending": "待答复", "late": "逾期未答复"}


class AccountabilityTrigger(models.TextChoices):
    OVERDUE = "overdue", "超期未办结"
    DISSATISFIED = "dissatisfied", "企业多次不满意"
    FALSE_REPLY = "false_reply", "回访发现答复不实"
    UNANSWERED = "unanswered", "督办未答复"


class Measure(models.TextChoices):
    TALK = "talk", "约谈"
    CRITICISM = "criticism", "通报批评"
    RECTIFY = "rectify", "责令整改"
    DISCIPLINE = "discipline", "移交纪检监察"


class AccountabilityStatus(models.TextChoices):
    PROPOSED = "proposed", "待认定"  # put on the list by the supervision pass; a supervisor decides
    DECIDED = "decided", "已问责"
    DISMISSED = "dismissed", "不予问责"


class AccountabilityQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AccountabilityQuerySet":
        from lianxi.accounts.access import accountability_scope

        return accountability_scope(self, user)


class Accountability(models.Model):
    """问责: a finding against a department or a named person, with the appeals (and their events) as evidence."""

    number = models.CharField("编号", max_length=40, unique=True)
    department = models.ForeignKey("directory.Department", verbose_name="问责单位", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="accountabilities")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="问责对象", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="accountabilities")
    trigger = models.CharField("问责情形", max_length=16, choices=AccountabilityTrigger.choices)
    measure = models.CharField("问责方式", max_length=16, choices=Measure.choices, blank=True)
    status = models.CharField("状态", max_length=12, choices=AccountabilityStatus.choices,
                              default=AccountabilityStatus.DECIDED)
    text = models.TextField("问责事由")
    appeals = models.ManyToManyField("appeals.Appeal", verbose_name="关联诉求", related_name="accountabilities")
    supervision = models.ForeignKey(Supervision, verbose_name="关联督办单", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="accountabilities")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="记录人", null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_by_name = models.CharField("记录人姓名", max_length=100, blank=True)
    recorded_at = models.DateTimeField("记录时间")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="认定人", null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField("认定时间", null=True, blank=True)
    decision_note = models.TextField("认定意见", blank=True)

    objects = AccountabilityQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "问责记录"
        ordering = ["-recorded_at", "-id"]
        indexes = [models.Index(fields=["department", "-recorded_at"], name="accountability_department"),
                   models.Index(fields=["-recorded_at"], name="accountability_recent")]
        constraints = [
            models.CheckConstraint(name="accountability_has_subject",
                                   condition=Q(department__isnull=False) | Q(person__isnull=False)),
            models.CheckConstraint(name="accountability_decided_has_measure",
                                   condition=~Q(status=AccountabilityStatus.DECIDED) | ~Q(measure="")),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def subject(self) -> str:
        parts = [str(x) for x in (self.department, self.person) if x]
        return "／".join(parts)


class DocumentNumber(models.Model):
    """The last serial handed out per document series and year (清联督〔2026〕15号)."""

    series = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="document_number_series_year")]
