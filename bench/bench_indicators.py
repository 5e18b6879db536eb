"""Indicator import speed: N enterprises in a throwaway directory, a file of one quarter's figures for each, imported.

    .venv/bin/python bench/bench_indicators.py                      # SQLite, a temporary file; 73,900 rows
    .venv/bin/python bench/bench_indicators.py --postgres           # PostgreSQL lianxi_bench_indicators
    .venv/bin/python bench/bench_indicators.py --rows 20000 --format xlsx

It never writes to the configured database. With ``--postgres`` it (re)creates ``lianxi_bench_indicators`` (or the
bench database ``DATABASE_URL`` names) on this machine and drops it afterwards; otherwise it uses a SQLite file in a
temporary directory. It prints seconds and rows/s for the first import, a re-run of the same file (must change
nothing), an update run (every row's 纳税额 changed) and one read of the monitor (shares overall, by town, by
industry and the 8-quarter trend) once ``--history`` quarters of figures are stored (the earlier ones inserted in
bulk, untimed). Exits 1 if the counts are wrong or an import takes longer than 60 s.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import bench_url, drop_database, ensure_database, migrate, setup_django  # noqa: E402
from bench_import import write_xlsx  # noqa: E402

BENCH_DB = "postgres://postgres@127.0.0.1:5432/lianxi_bench_indicators"
LIMIT_SECONDS = 60.0
CENT = Decimal("0.01")
HEADER = ["统一社会信用代码", "企业名称", "年度", "季度", "纳税额（万元）", "从业人数", "营业收入（万元）", "产值（万元）"]
OWNERSHIPS = {"private": 86, "state": 4, "foreign": 2, "hmt": 2, "individual": 6}


def uscc(n: int) -> str:
    from stdnum.cn.uscc import calc_check_digit

    body = f"91520181MA{n:07d}"
    return body + calc_check_digit(body)


def build_directory(rows: int) -> None:
    """``rows`` enterprises over 17 towns/parks and the industry sections, inserted in bulk."""
    from django.utils import timezone

    from lianxi.core import bulk
    from lianxi.directory.models import Department, Enterprise

    Department.objects.bulk_create([Department(code=f"town{i}", name=f"第{i}镇", kind="town") for i in range(15)]
                                   + [Department(code=f"park{i}", name=f"第{i}园区", kind="park") for i in range(2)])
    towns = list(Department.objects.values_list("pk", flat=True))
    rng = random.Random(7)
    owners = list(OWNERSHIPS)
    now = timezone.now()
    bulk.insert_rows(Enterprise, [
        {"name": f"清镇{n:05d}号测试实业有限公司", "uscc": uscc(n), "industry": rng.choice("ABCDEFGHIKL"),
         "ownership": rng.choices(owners, weights=[OWNERSHIPS[o] for o in owners])[0], "town_id": rng.choice(towns),
         "size": rng.choice(["large", "medium", "small", "micro"])} for n in range(rows)],
        constants={"created_at": now, "updated_at": now})


def write_csv(path: Path, rows: int, *, year: int, quarter: int, tax_offset: float = 0.0) -> None:
    rng = random.Random(42)  # the same file every time
    with path.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        for n in range(rows):
            staff = rng.randint(1, 800)
            revenue = staff * rng.uniform(3, 30)
            writer.writerow([uscc(n), f"清镇{n:05d}号测试实业有限公司", year, quarter,
                             f"{revenue * 0.04 + tax_offset:.2f}", staff, f"{revenue:.2f}",
                             f"{revenue * 1.05:.2f}" if n % 3 else ""])


def timed_import(label: str, path: Path) -> tuple[float, object]:
    from lianxi.economy.importer import import_indicators

    started = time.perf_counter()
    report = import_indicators(path)
    seconds = time.perf_counter() - started
    counts = {"created": report.created, "updated": report.updated, "unchanged": report.unchanged,
              "rejected": len(report.rejected)}
    print(f"{label:<8} {report.rows} rows in {seconds:.1f} s ({report.rows / seconds:,.0f} rows/s): "
          + ", ".join(f"{k} {v}" for k, v in counts.items()), flush=True)
    return seconds, report


def add_history(latest, quarters: int) -> None:
    """The ``quarters`` before ``latest``: the imported quarter's rows, scaled, inserted in bulk (not timed)."""
    from django.utils import timezone

    from lianxi.core import bulk
    from lianxi.economy.models import EnterpriseIndicator

    rows = list(EnterpriseIndicator.objects.filter(year=latest.year, quarter=latest.quarter).values(
        "enterprise_id", "taxes_paid", "employees", "revenue", "output_value"))
    now = timezone.now()
    for back in range(1, quarters + 1):
        period, factor = latest.shifted(-back), Decimal(100 - back) / 100
        bulk.insert_rows(EnterpriseIndicator, [
            {**row, "year": period.year, "quarter": period.quarter,
             **{k: (row[k] * factor).quantize(CENT) for k in ("taxes_paid", "revenue") if row[k] is not None}}
            for row in rows], constants={"imported_at": now, "updated_at": now})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=73_900)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL bench database")
    parser.add_argument("--history", type=int, default=8,
                        help="quarters of figures in the database when the monitor is read (default 8)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="lianxi-bench-indicators-"))
    url = bench_url(BENCH_DB) if args.postgres else f"sqlite:///{workdir / 'bench.sqlite3'}"
    if args.postgres:
        ensure_database(url, fresh=True)
    try:
        setup_django(url)
        migrate()
        from django.db import connection

        from lianxi.economy.models import EnterpriseIndicator
        from lianxi.economy.periods import Period
        from lianxi.economy.selectors import monitor

        build_directory(args.rows)
        path = workdir / "indicators.csv"
        write_csv(path, args.rows, year=2026, quarter=3)
        if args.format == "xlsx":
            write_xlsx(path, workdir / "indicators.xlsx", "gbk")
            path = workdir / "indicators.xlsx"
        print(f"{connection.vendor} {connection.settings_dict['NAME']}; {path.name}: {args.rows} rows, "
              f"{path.stat().st_size / 1e6:.1f} MB", flush=True)

        ok = True
        first, report = timed_import("first", path)
        ok &= report.created == args.rows and not report.rejected and first < LIMIT_SECONDS
        again, report = timed_import("re-run", path)
        ok &= report.created == report.updated == 0 and report.unchanged == args.rows and again < LIMIT_SECONDS
        changed = workdir / "changed.csv"
        write_csv(changed, args.rows, year=2026, quarter=3, tax_offset=1)
        update, report = timed_import("update", changed)
        ok &= report.updated == args.rows and update < LIMIT_SECONDS
        ok &= EnterpriseIndicator.objects.count() == args.rows

        add_history(Period(2026, 3), args.history - 1)
        started = time.perf_counter()
        result = monitor(Period(2026, 3))
        print(f"monitor  {time.perf_counter() - started:.2f} s for the city, towns, industries and the 8-quarter "
              f"trend over {EnterpriseIndicator.objects.count():,} indicator rows ({result.headline})", flush=True)
        print("OK" if ok else f"FAILED (wrong counts, or slower than {LIMIT_SECONDS:.0f} s)")
        return 0 if ok else 1
    finally:
        if args.postgres:
            from django.db import connections

            connections.close_all()
            drop_database(url)
        for file in workdir.iterdir():
            file.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    sys.exit(main())
