"""A serving process settles before its first request: the URLconf loaded, the collector frozen."""

import gc
import importlib
import sys

import pytest
from django.urls import clear_url_caches, get_resolver


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # leave the test process as it was


def test_the_wsgi_entry_point_loads_the_urlconf_and_freezes_the_collector(unfrozen):
    sys.modules.pop("config.wsgi", None)
    clear_url_caches()
    assert gc.get_freeze_count() == 0
    wsgi = importlib.import_module("config.wsgi")
    assert callable(wsgi.application)
    assert "url_patterns" in vars(get_resolver())  # the URLconf, and through it the views, before any request
    assert gc.get_freeze_count() > 10_000
