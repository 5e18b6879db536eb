"""Import speed: a generated directory of 73,900 valid enterprises, imported into a throwaway database.

    .venv/bin/python bench/bench_import.py                                   # SQLite, a temporary file
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/lianxi .venv/bin/python bench/bench_import.py

It never writes to the configured database. On PostgreSQL it creates ``lianxi_bench_import`` on the same server
(dropping a leftover of an earlier run first) and drops it afterwards; on SQLite it uses a file in a temporary
directory. It prints rows, seconds and rows/s for the first import, a re-run of the same file (must change
nothing) and, with ``--update-run``, a file in which every row has a new phone number. Exits 1 if the counts are
wrong or the first run or re-run takes longer than the limit (60 s).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DB = "lianxi_bench_import"
LIMIT_SECONDS = 60.0

TOWNS = ["红枫湖镇", "站街镇", "卫城镇", "新店镇", "暗流镇", "犁倭镇", "百花湖镇", "流长乡", "王庄布依族苗族乡",
         "麦格苗族布依族乡", "红塔山街道", "巢凤街道", "青龙山街道", "新岭街道", "时光街道"]
PARKS = ["清镇经济开发区", "贵州清镇职教城"]
TAGS = ["专精特新", "高新技术企业", "规上企业", "科技型中小企业", "外贸企业", "重点项目", "招商引资", "老字号",
        "农业龙头企业", "民族企业", "返乡创业", "小升规", "绿色工厂", "上市后备", "创新型中小企业"]
SIZES = ["大型", "中型", "小型", "微型", "小", "微"]
OWNERSHIPS = ["民营", "国有", "外资", "港澳台", "个体"]
HEADER = ["企业名称", "统一社会信用代码", "法定代表人", "联系人", "联系电话", "行业门类", "企业规模", "经济类型",
          "所在乡镇/园区", "地址", "标签"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"


def uscc(n: int) -> str:
    from stdnum.cn.uscc import calc_check_digit

    body = f"91520181MA{n:07d}"
    return body + calc_check_digit(body)


def write_csv(path: Path, rows: int, encoding: str, phone_offset: int = 0) -> None:
    rng = random.Random(42)  # the same file every time
    industries = "ABCDEFGHIJKLMNOPQRS"
    with path.open("w", encoding=encoding, newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for n in range(rows):
            tags = "、".join(rng.sample(TAGS, rng.randint(0, 3)))
            writer.writerow([
                f"清镇{n:05d}号测试实业有限公司", uscc(n), rng.choice(SURNAMES) + "某", rng.choice(SURNAMES) + "联",
                f"1{rng.randint(3, 9)}{(n + phone_offset) % 10**9:09d}", rng.choice(industries), rng.choice(SIZES),
                rng.choice(OWNERSHIPS), rng.choice(TOWNS + PARKS), f"清镇市某某路{n}号", tags])


def write_xlsx(csv_path: Path, xlsx_path: Path, encoding: str) -> None:
    from openpyxl import Workbook

    # A normal workbook, not write_only: that mode writes inline strings and no <dimension>, which Excel never
    # does and which openpyxl reads several times slower than Excel's shared strings.
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "企业名录"
    with csv_path.open(encoding=encoding, newline="") as f:
        for row in csv.reader(f):
            sheet.append(row)
    workbook.save(xlsx_path)


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/" + name))


def create_postgres_database(url: str) -> str:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return _with_database(url, BENCH_DB)


def drop_postgres_database(url: str) -> None:
    import psycopg

    with psycopg.connect(_with_database(url, "postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def run(label: str, path: Path, progress: bool) -> tuple[float, object]:
    from tqdm import tqdm

    from lianxi.directory.importer import import_enterprises

    started = time.perf_counter()
    report = import_enterprises(path, progress=tqdm if progress else None)
    seconds = time.perf_counter() - started
    print(f"{label:<8} rows={report.rows:>6}  seconds={seconds:6.1f}  rows/s={report.rows / seconds:8.0f}  "
          f"created={report.created} updated={report.updated} unchanged={report.unchanged} "
          f"rejected={len(report.rejected)}", flush=True)
    return seconds, report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=73_900)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--encoding", default="gbk", help="CSV encoding (default gbk, as Excel writes it)")
    parser.add_argument("--update-run", action="store_true", help="also time a file where every row changes")
    parser.add_argument("--progress", action="store_true", help="show the importer's progress bars")
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "sqlite://")
    workdir = Path(tempfile.mkdtemp(prefix="lianxi-bench-"))
    postgres = url.startswith(("postgres://", "postgresql://"))
    if postgres:
        os.environ["DATABASE_URL"] = create_postgres_database(url)
        where = f"PostgreSQL database {BENCH_DB} (created for this run)"
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
        where = f"SQLite {workdir / 'bench.sqlite3'}"
    try:
        sys.path.insert(0, str(ROOT))
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        from lianxi.directory.models import Department, Enterprise

        call_command("migrate", verbosity=0)
        assert not Enterprise.objects.exists(), "the bench database must start empty"
        Department.objects.bulk_create(
            [Department(code=f"town{i}", name=n, kind="town") for i, n in enumerate(TOWNS)]
            + [Department(code=f"park{i}", name=n, kind="park") for i, n in enumerate(PARKS)])

        path = workdir / "enterprises.csv"
        write_csv(path, args.rows, args.encoding)
        if args.format == "xlsx":
            write_xlsx(path, workdir / "enterprises.xlsx", args.encoding)
            path = workdir / "enterprises.xlsx"
        kind = args.encoding if args.format == "csv" else "xlsx"
        print(f"{where} [{connection.display_name}]; {path.name}: {args.rows} rows, "
              f"{path.stat().st_size / 1e6:.1f} MB, {kind}", flush=True)

        ok = True
        first, report = run("first", path, args.progress)
        ok &= report.created == args.rows and not report.rejected and first < LIMIT_SECONDS
        again, report = run("re-run", path, args.progress)
        ok &= report.created == report.updated == 0 and report.unchanged == args.rows and again < LIMIT_SECONDS
        if args.update_run:
            changed = workdir / "changed.csv"
            write_csv(changed, args.rows, args.encoding, phone_offset=1)
            _, report = run("update", changed, args.progress)
            ok &= report.updated == args.rows
        ok &= Enterprise.objects.count() == args.rows
        print("OK" if ok else f"FAILED (wrong counts, or slower than {LIMIT_SECONDS:.0f} s)")
        return 0 if ok else 1
    finally:
        if postgres:
            from django.db import connections

            connections.close_all()
            drop_postgres_database(url)
        for file in workdir.iterdir():
            file.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    sys.exit(main())
