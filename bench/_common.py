"""Shared plumbing of the bench scripts: which database, creating it, booting Django against it.

Every bench script takes ``DATABASE_URL`` and defaults to a dedicated bench database. As a guard against
pointing a bench at real data, the URL must be PostgreSQL on a loopback address and the database name must
contain "bench" (never the demo database, never a test_* database).
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PAGES_DB = "postgres://postgres@127.0.0.1:5432/lianxi_bench"
REGISTER_DB = "postgres://postgres@127.0.0.1:5432/lianxi_bench_register"
LOOPBACK = {"127.0.0.1", "localhost", "::1", ""}


def bench_url(default: str) -> str:
    """``DATABASE_URL`` if set, else ``default``; refuses anything that is not a loopback *bench* database."""
    url = os.environ.get("DATABASE_URL") or default
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        sys.exit(f"bench: DATABASE_URL must be PostgreSQL, got {parts.scheme!r}")
    if (parts.hostname or "") not in LOOPBACK and not (parts.hostname or "").startswith("127."):
        sys.exit(f"bench: only a database on this machine (loopback) is allowed, got host {parts.hostname!r}")
    if "bench" not in name or name.startswith("test_") or "demo" in name:
        sys.exit(f"bench: refusing database {name!r}: its name must contain 'bench' (a dedicated bench database)")
    return url


def db_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _maintenance_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.replace("pgsql", "postgresql"), parts.netloc, "/postgres", "", ""))


def ensure_database(url: str, *, fresh: bool = False) -> bool:
    """Create the database if missing (dropping it first when ``fresh``). Returns True if it was created."""
    import psycopg
    from psycopg import sql

    name = db_name(url)
    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        if fresh:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    return False


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(_maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db_name(url))))


def setup_django(url: str, **env: str) -> None:
    """Boot Django in this process against ``url`` (settings read DATABASE_URL at import)."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.update(env)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # whitenoise: no collected static in a checkout
    import django

    django.setup()


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


def summary_ms(seconds: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {"p50": statistics.median(ms), "p95": percentile(ms, 95), "p99": percentile(ms, 99), "max": max(ms)}
