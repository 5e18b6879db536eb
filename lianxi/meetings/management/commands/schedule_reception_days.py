"""python manage.py schedule_reception_days --from 2027-01-01 --to 2027-12-31 [--duty gxj,rsj]

Schedules 周二民企接待日 on every working Tuesday of the range (Tuesdays inside official holidays are skipped);
days already scheduled stay as they are, so it can run again safely, e.g. each November once the State Council
has published the next year's holidays."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from lianxi.core.errors import InvalidInput
from lianxi.core.workdays import calendar_covers
from lianxi.directory.models import Department
from lianxi.meetings.services import schedule_reception_days


class Command(BaseCommand):
    help = "安排周二民企接待日（跳过法定节假日），可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="start", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--to", dest="end", required=True, type=dt.date.fromisoformat)
        parser.add_argument("--duty", default="", help="值班部门代码，逗号分隔")

    def handle(self, *args, start, end, duty, **options):
        codes = [c.strip() for c in duty.split(",") if c.strip()]
        departments = list(Department.objects.filter(code__in=codes))
        missing = set(codes) - {d.code for d in departments}
        if missing:
            raise CommandError(f"没有这些部门：{', '.join(sorted(missing))}")
        try:
            created = schedule_reception_days(start, end, acting_user=None, duty_departments=departments)
        except InvalidInput as exc:
            raise CommandError("; ".join(m for ms in exc.fields.values() for m in ms))
        self.stdout.write(f"已安排 {len(created)} 个接待日（{start} 至 {end}）")
        if not calendar_covers(end):
            self.stderr.write(f"注意：节假日数据未覆盖 {end.year} 年，该年按周一至周五推算，节假日公布后请核对。")
