"""Reads of opinions: the deputy's list, the progress of each opinion's tasks, and whether it is answered."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from lianxi.appeals.models import Appeal
from lianxi.appeals.selectors import LIST_RELATED
from lianxi.appeals.workflow import State
from lianxi.core.errors import NotFound

from .models import Opinion

# A task is answered when its department has replied (and after), or when it was refused with a reason. A task
# merged into another is answered by that one.
ANSWERED_STATES = frozenset({State.REPLIED, State.FOLLOWED_UP, State.CLOSED, State.REJECTED})


def opinions_for(user) -> QuerySet:
    return Opinion.objects.visible_to(user).select_related("deputy", "meeting")


def opinion_detail(user, pk) -> Opinion:
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("意见建议不存在或您无权查看")
    opinion = opinions_for(user).filter(pk=pk).first()
    if opinion is None:
        raise NotFound("意见建议不存在或您无权查看")
    return opinion


def tasks_for(opinion: Opinion, user) -> QuerySet:
    """The opinion's rectification tasks this user may see, in the order registered."""
    return (Appeal.objects.visible_to(user).filter(opinions=opinion)
            .select_related(*LIST_RELATED, "merged_into").order_by("created_at", "id"))


def is_answered(appeal: Appeal) -> bool:
    if appeal.state == State.MERGED and appeal.merged_into_id:
        return appeal.merged_into.state in ANSWERED_STATES
    return appeal.state in ANSWERED_STATES


@dataclass
class Progress:
    total: int
    answered: int

    @property
    def ready(self) -> bool:
        """The answer letter is due: there are tasks and every one is answered."""
        return self.total > 0 and self.answered == self.total

    @property
    def label(self) -> str:
        if not self.total:
            return "待分解为整改任务"
        return "已全部答复" if self.ready else f"办理中（已答复 {self.answered}/{self.total}）"


def progress(opinion: Opinion) -> Progress:
    """Counted over all the opinion's tasks, whoever is looking: it decides whether the answer letter is due."""
    tasks = list(opinion.appeals.select_related("merged_into"))
    return Progress(len(tasks), sum(1 for t in tasks if is_answered(t)))


def with_progress(opinions) -> list[Opinion]:
    """A page of opinions, each with ``progress``, in two queries."""
    opinions = list(opinions)
    answered = Q(state__in=ANSWERED_STATES) | Q(state=State.MERGED, merged_into__state__in=ANSWERED_STATES)
    counts = {row["opinions"]: row for row in
              Appeal.objects.filter(opinions__in=[o.pk for o in opinions]).order_by().values("opinions")
              .annotate(total=Count("id"), answered=Count("id", filter=answered))}
    for opinion in opinions:
        row = counts.get(opinion.pk, {})
        opinion.progress = Progress(row.get("total", 0), row.get("answered", 0))
    return opinions
