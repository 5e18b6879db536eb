"""The router's trained models, versioned, one of them active; and the claim that keeps retraining single."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class RoutingModel(models.Model):
    """One training run of ``routing_train`` (or the background retrain): its figures and its model.

    The model itself is ``lianxi.routing.learner.LearnedModel.to_bytes()`` (numpy arrays, no pickle). Older
    versions keep their figures; only the newest ``KEEP_VERSIONS`` keep their model."""

    class Trigger(models.TextChoices):
        COMMAND = "command", "手动训练"
        BACKGROUND = "background", "自动重训"

    version = models.PositiveIntegerField("版本", unique=True)
    trained_at = models.DateTimeField("训练时间")
    trigger = models.CharField("触发方式", max_length=16, choices=Trigger.choices, default=Trigger.COMMAND)
    n_examples = models.PositiveIntegerField("样本数")  # dispatches not returned: (text, final lead department)
    n_negatives = models.PositiveIntegerField("退回样本数", default=0)  # returned dispatches
    n_departments = models.PositiveSmallIntegerField("部门数", default=0)
    # The newest dispatch event the history held: "N new dispatches since" counts the events after it.
    last_dispatch_event = models.BigIntegerField("最后交办事件", default=0)
    metrics = models.JSONField("评估指标", default=dict, blank=True)
    seconds = models.FloatField("训练用时（秒）", default=0)
    blob = models.BinaryField("模型", blank=True, default=b"")
    is_active = models.BooleanField("启用", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "派单模型"
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(fields=["is_active"], condition=Q(is_active=True), name="routing_one_active"),
        ]

    def __str__(self) -> str:
        return f"v{self.version} ({self.n_examples} 样本)"

    @classmethod
    def load_active(cls):
        """(LearnedModel, version) of the active row, or None."""
        from .learner import LearnedModel

        row = cls.objects.filter(is_active=True).only("version", "blob").first()
        if row is None or not row.blob:
            return None
        return LearnedModel.from_bytes(row.blob), row.version


class RetrainClaim(models.Model):
    """One row (pk=1): who is retraining since when. Claimed with a conditional UPDATE, so two processes that
    both find a retrain due (a Celery worker and the refresh loop) do not both train."""

    started_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "重训占用"
