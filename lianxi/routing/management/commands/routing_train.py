"""python manage.py routing_train [--holdout 0.2] [--no-refit] [--if-due]

Retrains the department suggester (智能派单) from the history, prints its held-out figures, stores it as the next
version and makes it the active one (lianxi.routing.training says what is learned and how it is evaluated).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from lianxi.routing.training import NotEnoughHistory, TrainingBusy, maybe_retrain, train_from_history


def percent(value: float) -> str:
    return f"{value * 100:.1f}%"


class Command(BaseCommand):
    help = "用历史交办数据重新训练智能派单模型，输出留出集评估指标，并启用新版本"

    def add_arguments(self, parser):
        parser.add_argument("--holdout", type=float, default=None,
                            help="留出评估的比例（按登记时间取最新的一部分，默认 0.2）")
        parser.add_argument("--no-refit", action="store_true",
                            help="启用评估所用的模型本身（默认：评估后用全部样本重新训练再启用）")
        parser.add_argument("--if-due", action="store_true",
                            help="只在到期时训练（自上一版本以来新交办达到 RETRAIN_EVERY 件），供定时任务使用")

    def handle(self, *args, holdout=None, no_refit=False, if_due=False, **options):
        if holdout is not None and not 0 < holdout < 1:
            raise CommandError("--holdout 须在 0 和 1 之间")
        try:
            if if_due:
                row = maybe_retrain(force_check=True)
                if row is None:
                    self.stdout.write("未到重训条件，未训练")
                    return
            else:
                row = train_from_history(holdout=holdout, refit=not no_refit)
        except NotEnoughHistory as exc:
            raise CommandError(f"{exc}；在此之前按各部门职责（remit）推荐") from exc
        except TrainingBusy as exc:
            raise CommandError(str(exc)) from exc
        m = row.metrics
        self.stdout.write(f"历史样本：{row.n_examples} 件（{m['departments']} 个部门），退回样本：{m['negatives']} 件")
        if m.get("test_examples"):
            self.stdout.write(
                f"留出评估（按登记时间，最新 {m['holdout']:.0%} 共 {m['test_examples']} 件，训练从未见过）："
                f"top-1 {m['top1']:.3f}  top-3 {m['top3']:.3f}  macro-F1 {m['macro_f1']:.3f}  "
                f"有建议 {percent(m['coverage'])}（其中首选正确 {percent(m['top1_answered'])}）")
        else:
            self.stdout.write(m.get("note", "未做留出评估"))
        scope = "全部样本" if m.get("active_trained_on") == "all" else "训练集"
        self.stdout.write(self.style.SUCCESS(
            f"模型 v{row.version} 已启用（{scope}训练，用时 {row.seconds:.1f} 秒）"))
