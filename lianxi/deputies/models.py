"""人大代表/政协委员's opinions: 审议意见 from an inspection, 建议 (NPC) and 提案 (CPPCC). Each becomes one or
more rectification appeals (整改任务) that run the ordinary loop; when all are answered, the deputy gets the
formal answer letter (答复函)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OpinionQuerySet(models.QuerySet):
    def visible_to(self, user) -> "OpinionQuerySet":
        from .access import opinion_scope

        return opinion_scope(self, user)


class Opinion(models.Model):
    class Kind(models.TextChoices):
        INSPECTION = "inspection", "审议意见"
        SUGGESTION = "suggestion", "建议"
        PROPOSAL = "proposal", "提案"

    class Body(models.TextChoices):
        NPC = "npc", "人大"
        CPPCC = "cppcc", "政协"

    # The channel a body's rectification appeals carry (DOMAIN.md "Channels").
    BODY_CHANNELS = {Body.NPC: "npc_inspection", Body.CPPCC: "cppcc_consultation"}

    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    body = models.CharField("所属", max_length=8, choices=Body.choices)
    deputy = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="代表/委员", on_delete=models.PROTECT,
                               related_name="opinions")
    title = models.CharField("标题", max_length=200)
    content = models.TextField("内容")
    meeting = models.ForeignKey("meetings.Meeting", verbose_name="视察/协商活动", null=True, blank=True,
                                on_delete=models.PROTECT, related_name="opinions")
    appeals = models.ManyToManyField("appeals.Appeal", verbose_name="整改任务", blank=True,
                                     related_name="opinions")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField("提出时间")

    objects = OpinionQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "代表建议"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["deputy", "-created_at"], name="opinion_deputy_recent")]
        constraints = [
            # 提案 is the CPPCC's word; NPC deputies make 建议 and 审议意见.
            models.CheckConstraint(name="opinion_proposal_is_cppcc",
                                   condition=~models.Q(kind="proposal") | models.Q(body="cppcc")),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def channel_code(self) -> str:
        return self.BODY_CHANNELS[self.body]
