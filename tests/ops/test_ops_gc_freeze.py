"""A gunicorn worker freezes what it has loaded, so full collections skip the app."""

from __future__ import annotations

import gc
import runpy
from collections.abc import Iterator

import pytest
from processes import ROOT


@pytest.fixture
def post_worker_init() -> Iterator[object]:
    settings = runpy.run_path(str(ROOT / "service" / "gunicorn_conf.py"))
    assert gc.get_freeze_count() == 0
    yield settings["post_worker_init"]
    gc.unfreeze()


def test_a_worker_freezes_the_loaded_objects_out_of_the_collectors_reach(
    post_worker_init: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("AMTSWEG_WEB_GC_FREEZE", raising=False)
    post_worker_init(object())  # type: ignore[operator]
    # The modules and the app are frozen: a full collection no longer walks them.
    assert gc.get_freeze_count() > 10_000
    assert len(gc.get_objects(generation=2)) < gc.get_freeze_count()


def test_the_freeze_can_be_turned_off(
    post_worker_init: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AMTSWEG_WEB_GC_FREEZE", "0")
    post_worker_init(object())  # type: ignore[operator]
    assert gc.get_freeze_count() == 0
