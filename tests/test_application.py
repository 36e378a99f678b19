"""`App.ensure_sync`: the same answer as Flask's for every kind of callable, cheaper."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from service.application import App


def plain() -> str:
    return "sync"


async def coroutine() -> str:
    return "async"


class Holder:
    def method(self) -> str:
        return "sync"

    async def async_method(self) -> str:
        return "async"

    def __call__(self) -> str:
        return "sync"


def marked() -> Any:
    return coroutine()


if hasattr(inspect, "markcoroutinefunction"):  # Python 3.12 and later
    inspect.markcoroutinefunction(marked)

CALLABLES: dict[str, Callable[..., Any]] = {
    "function": plain,
    "coroutine function": coroutine,
    "bound method": Holder().method,
    "async bound method": Holder().async_method,
    "partial": functools.partial(plain),
    "partial of a coroutine function": functools.partial(coroutine),
    "callable object": Holder(),
    "builtin": len,
    "lambda": lambda: "sync",
    "marked coroutine function": marked,
}


def _answer(app: Flask, func: Callable[..., Any]) -> str:
    try:
        return "as it is" if app.ensure_sync(func) is func else "wrapped"
    except RuntimeError as exc:  # Flask without its async extra refuses coroutines
        return f"refused: {exc}"


@pytest.mark.parametrize("kind", list(CALLABLES))
def test_ensure_sync_answers_as_flask_does(kind: str) -> None:
    func = CALLABLES[kind]

    assert _answer(App(__name__), func) == _answer(Flask(__name__), func)


def test_a_plain_function_and_method_are_returned_without_asking_inspect(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_inspect(_func: Any) -> bool:
        raise AssertionError("asked inspect")

    monkeypatch.setattr("flask.app.iscoroutinefunction", no_inspect)
    app = App(__name__)
    method = Holder().method

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(method) is method


def test_a_coroutine_function_is_not_returned_as_it_is() -> None:
    assert _answer(App(__name__), coroutine) != "as it is"
    assert _answer(App(__name__), Holder().async_method) != "as it is"
