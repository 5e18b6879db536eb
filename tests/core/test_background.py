"""`manage.py background`: every configured step runs, and one that fails does not stop the others."""

import io

import pytest
from django.core.management import CommandError, call_command

from lianxi.core.management.commands import background
from lianxi.core.management.commands.background import run_steps

CALLS = []


def step_ok():
    CALLS.append("ok")
    return 3


def step_broken():
    CALLS.append("broken")
    raise RuntimeError("boom")


def test_a_failing_step_does_not_stop_the_others(settings):
    CALLS.clear()
    settings.LIANXI_BACKGROUND_STEPS = ["tests.core.test_background.step_broken", "tests.core.test_background.step_ok"]
    assert run_steps() == {"tests.core.test_background.step_broken": "failed",
                           "tests.core.test_background.step_ok": 3}
    assert CALLS == ["broken", "ok"]


@pytest.mark.django_db
def test_the_configured_steps_run_once(settings):
    out = io.StringIO()
    call_command("background", "--once", stdout=out)
    for path in settings.LIANXI_BACKGROUND_STEPS:
        assert path in out.getvalue()
    assert "failed" not in out.getvalue()


def test_once_exits_with_an_error_when_a_step_failed(settings):
    CALLS.clear()
    settings.LIANXI_BACKGROUND_STEPS = ["tests.core.test_background.step_broken", "tests.core.test_background.step_ok"]
    out = io.StringIO()
    with pytest.raises(CommandError, match="step_broken"):
        call_command("background", "--once", stdout=out)
    assert CALLS == ["broken", "ok"] and "tests.core.test_background.step_ok: 3" in out.getvalue()


def test_the_loop_drops_a_broken_connection_before_each_pass(settings, monkeypatch):
    """After a database restart the old connection is unusable: each pass starts with close_old_connections."""
    CALLS.clear()
    settings.LIANXI_BACKGROUND_STEPS = ["tests.core.test_background.step_ok"]
    monkeypatch.setattr(background, "close_old_connections", lambda: CALLS.append("close"))

    def stop(seconds):
        raise KeyboardInterrupt

    monkeypatch.setattr(background.time, "sleep", stop)
    call_command("background", stdout=io.StringIO())
    assert CALLS == ["close", "ok"]
