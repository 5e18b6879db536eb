"""python manage.py similar_index [--rebuild]

Brings the similar-appeal index (lianxi.similar) up to date: by default one pass of ``index_pending`` (new and
edited appeals; ``manage.py background`` runs the same pass every minute); ``--rebuild`` learns the stop shingles
again and recomputes every appeal's signature, with a progress bar.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from tqdm import tqdm

from lianxi.appeals.models import Appeal
from lianxi.similar import index


class Command(BaseCommand):
    help = "更新相似诉求索引（默认一遍；--rebuild 全量重建）"

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="全量重建索引（重新学习停用二元组）")

    def handle(self, *args, rebuild=False, **options):
        if rebuild:
            started = time.perf_counter()
            with tqdm(total=Appeal.objects.count(), unit="件", disable=options["verbosity"] < 1) as bar:
                done = index.rebuild(progress=bar.update)
            self.stdout.write(f"已重建 {done} 件诉求的相似索引，用时 {time.perf_counter() - started:.1f} 秒")
            return
        self.stdout.write(f"已索引 {index.index_pending()} 件诉求")
