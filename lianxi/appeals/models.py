"""Appeals (诉求), their events (the history and the evidence), attachments and the registration keys.

Only lianxi.appeals.actions writes ``Appeal.state`` and the loop's timestamps; everything here is storage.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from .workflow import OPEN_STATES, State


class Kind(models.TextChoices):
    """诉求类型, the 12345 request types."""

    CONSULT = "consult", "咨询"
    HELP = "help", "求助"
    COMPLAINT = "complaint", "投诉"
    REPORT = "report", "举报"
    SUGGESTION = "suggestion", "意见建议"


class Urgency(models.TextChoices):
    URGENT = "urgent", "紧急"
    GENERAL = "general", "一般"
    COMPLEX = "complex", "复杂（跨部门）"


class Outcome(models.TextChoices):
    SOLVED = "solved", "已解决"
    PARTLY_SOLVED = "partly_solved", "部分解决"
    EXPLAINED = "explained", "已解释说明"


class Rating(models.IntegerChoices):
    """政务服务“好差评”."""

    VERY_SATISFIED = 5, "非常满意"
    SATISFIED = 4, "满意"
    BASICALLY_SATISFIED = 3, "基本满意"
    DISSATISFIED = 2, "不满意"
    VERY_DISSATISFIED = 1, "非常不满意"


class AppealQuerySet(models.QuerySet):
    def visible_to(self, user) -> "AppealQuerySet":
        from lianxi.accounts.access import appeal_scope

        return appeal_scope(self, user)

    def open(self) -> "AppealQuerySet":
        return self.filter(state__in=OPEN_STATES)


class Appeal(models.Model):
    number = models.CharField("诉求编号", max_length=20, unique=True)
    state = models.CharField("状态", max_length=16, choices=State.choices, default=State.REGISTERED)
    enterprise = models.ForeignKey("directory.Enterprise", verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="appeals")
    title = models.CharField("标题", max_length=200)
    content = models.TextField("诉求内容")
    channel = models.ForeignKey("directory.Channel", verbose_name="渠道", on_delete=models.PROTECT,
                                related_name="appeals")
    category = models.ForeignKey("directory.Category", verbose_name="类别", on_delete=models.PROTECT,
                                 related_name="appeals")
    kind = models.CharField("诉求类型", max_length=12, choices=Kind.choices, default=Kind.HELP)
    urgency = models.CharField("紧急程度", max_length=8, choices=Urgency.choices, default=Urgency.GENERAL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.SET_NULL, related_name="registered_appeals")
    created_at = models.DateTimeField("登记时间")
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    # 交办
    lead_department = models.ForeignKey("directory.Department", verbose_name="主办单位", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="led_appeals")
    co_departments = models.ManyToManyField("directory.Department", verbose_name="协办单位", blank=True,
                                            related_name="co_handled_appeals")
    instructions = models.TextField("交办意见", blank=True)
    dispatched_at = models.DateTimeField("交办时间", null=True, blank=True)
    accept_due_at = models.DateTimeField("签收时限", null=True, blank=True)
    due_at = models.DateTimeField("办结时限（现行）", null=True, blank=True)
    original_due_at = models.DateTimeField("办结时限（原定）", null=True, blank=True)
    accepted_at = models.DateTimeField("签收时间", null=True, blank=True)
    return_count = models.PositiveSmallIntegerField("退单次数", default=0)
    # Set when a supervisor fixed the lead department after a second return; the department may not return again.
    arbitrated_at = models.DateTimeField("仲裁时间", null=True, blank=True)

    # 延期申请 (pending until a supervisor decides)
    extension_due_at = models.DateTimeField("申请延至", null=True, blank=True)
    extension_reason = models.TextField("延期理由", blank=True)

    # 办结答复
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    outcome = models.CharField("办理结果", max_length=16, choices=Outcome.choices, blank=True)
    result = models.TextField("办理情况", blank=True)
    reply = models.TextField("答复企业", blank=True)

    # 回访
    followed_up_at = models.DateTimeField("回访时间", null=True, blank=True)
    rating = models.PositiveSmallIntegerField("满意度", choices=Rating.choices, null=True, blank=True)
    solved = models.BooleanField("是否解决", null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)

    closed_at = models.DateTimeField("销号时间", null=True, blank=True)

    # 挂账 / 不予受理 / 合并
    suspend_reason = models.TextField("挂账原因", blank=True)
    review_date = models.DateField("复查日期", null=True, blank=True)
    reject_reason = models.TextField("不予受理理由", blank=True)
    merged_into = models.ForeignKey("self", verbose_name="并入", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="merged_appeals")
    # The 联席会议 it was raised in (lianxi.meetings); indexed by the partial index "appeal_meeting" below.
    meeting = models.ForeignKey("meetings.Meeting", verbose_name="会议", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="appeals", db_index=False)

    objects = AppealQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "诉求"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The list page's default order, and every "registered in a period" count.
            models.Index(fields=["-created_at", "-id"], name="appeal_recent"),
            # 我的待办 and the state filter: open appeals by state, newest first.
            models.Index(fields=["state", "-created_at"], name="appeal_state_recent"),
            # A handler's list: their department's appeals, newest first.
            models.Index(fields=["lead_department", "-created_at"], name="appeal_lead_recent"),
            models.Index(fields=["enterprise", "-created_at"], name="appeal_enterprise_recent"),
            models.Index(fields=["channel", "-created_at"], name="appeal_channel_recent"),
            models.Index(fields=["category", "-created_at"], name="appeal_category_recent"),
            # "due soon / overdue" filters scan open appeals by deadline.
            models.Index(fields=["due_at"], name="appeal_due", condition=Q(due_at__isnull=False)),
            # A meeting's appeals in the order raised (its page and its documents). Partial: most appeals come
            # from no meeting, and a full index would cost every registration an entry for NULL.
            models.Index(fields=["meeting", "created_at"], name="appeal_meeting",
                         condition=Q(meeting__isnull=False)),
        ]
        constraints = [
            models.CheckConstraint(name="appeal_rating_1_to_5",
                                   condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5)),
            models.CheckConstraint(name="appeal_state_valid", condition=Q(state__in=State.values)),
            models.CheckConstraint(name="appeal_merged_has_target",
                                   condition=~Q(state=State.MERGED) | Q(merged_into__isnull=False)),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def awaiting_arbitration(self) -> bool:
        """Returned a second time: a supervisor, not the dispatcher, now fixes the lead department."""
        return self.state == State.REGISTERED and self.return_count >= 2 and self.arbitrated_at is None

    @property
    def extension_pending(self) -> bool:
        return self.extension_due_at is not None


class Limit(models.TextChoices):
    """The time limits that run on an appeal (DOMAIN.md "Time limits")."""

    ACCEPT = "accept", "签收"
    REPLY = "reply", "办结"
    FOLLOWUP = "followup", "回访"
    RECTIFY = "rectify", "差评整改"


class Alert(models.IntegerChoices):
    """How far a running limit has escalated; only ``lianxi.supervision.escalation`` raises it."""

    NONE = 0, "正常"
    WARNING = 1, "临期提醒"
    OVERDUE = 2, "超期督办"
    LISTED = 3, "挂牌督办"


class Deadline(models.Model):
    """One time limit running (or run) on an appeal: started when its step began, ended when the step was done
    or stopped. The loop's actions open and close these rows (lianxi.appeals.deadlines); the supervision pass
    reads the running ones whose next escalation moment has come, so its work is proportional to what changed."""

    appeal = models.ForeignKey("Appeal", on_delete=models.CASCADE, related_name="deadlines")
    limit = models.CharField("时限", max_length=12, choices=Limit.choices)
    started_at = models.DateTimeField("起算时间")
    warn_at = models.DateTimeField("预警时间")  # 80 % of the limit's working time used
    due_at = models.DateTimeField("到期时间（现行）")
    original_due_at = models.DateTimeField("到期时间（原定）")
    listed_at = models.DateTimeField("挂牌督办时间")  # N working days past due
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    met = models.BooleanField("按时完成", null=True, blank=True)  # None while running or when stopped
    alert = models.PositiveSmallIntegerField("督办级别", choices=Alert.choices, default=Alert.NONE)
    next_alert_at = models.DateTimeField("下次督办检查", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理时限"
        ordering = ["started_at", "id"]
        indexes = [
            # The supervision pass: running limits whose next escalation moment has come.
            models.Index(fields=["next_alert_at"], name="deadline_next_alert",
                         condition=Q(ended_at__isnull=True, next_alert_at__isnull=False)),
            # Pages: an appeal's running limits; the list filters' "overdue / warning now".
            models.Index(fields=["appeal"], name="deadline_running", condition=Q(ended_at__isnull=True)),
            models.Index(fields=["due_at"], name="deadline_running_due", condition=Q(ended_at__isnull=True)),
        ]
        constraints = [
            # At most one running limit of each kind per appeal.
            models.UniqueConstraint(fields=["appeal", "limit"], condition=Q(ended_at__isnull=True),
                                    name="deadline_one_running_per_limit"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.get_limit_display()} {self.due_at:%Y-%m-%d}"


class AppealEvent(models.Model):
    """One row per action: who, when, from which state to which, and the action's data. Never updated."""

    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="events")
    action = models.CharField("动作", max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    # Snapshots, so the history reads the same after the user is renamed, moved or deleted.
    actor_name = models.CharField("操作人姓名", max_length=100, blank=True)
    actor_roles = models.CharField("操作人角色", max_length=200, blank=True)
    actor_department = models.CharField("操作人单位", max_length=200, blank=True)
    from_state = models.CharField("原状态", max_length=16, blank=True)
    to_state = models.CharField("新状态", max_length=16)
    at = models.DateTimeField("时间")
    data = models.JSONField("内容", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "办理记录"
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appeal", "at", "id"], name="event_appeal_timeline")]

    def __str__(self) -> str:
        return f"{self.appeal_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    return f"appeals/{instance.appeal.created_at:%Y/%m}/{instance.appeal.number}/{filename}"


class Attachment(models.Model):
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(AppealEvent, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="attachments")
    file = models.FileField("文件", upload_to=attachment_path, max_length=300)
    name = models.CharField("文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    content_type = models.CharField("类型", max_length=100, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "附件"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return self.name


class AppealNumberSequence(models.Model):
    """The last number handed out per day, so numbers read LX20261127-0042 and sort by time."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)


class IdempotencyKey(models.Model):
    """A registration request's ``Idempotency-Key``: the same key from the same user within 24 h replays the
    first answer. The unique constraint is what makes two racing requests create one appeal."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    appeal = models.ForeignKey(Appeal, null=True, on_delete=models.CASCADE, related_name="+")
    response = models.JSONField(null=True)  # the first answer's body, replayed verbatim

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_user_key")]
