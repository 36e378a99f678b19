"""amtsweg's Flask class: Flask's own, with its check for coroutine functions made cheap.

Flask passes every hook, view and teardown function of every request through
`ensure_sync` (18 times for one API submission), which asks
`inspect.iscoroutinefunction`: it unwraps methods and partials and tests the function's
type before it reads its code's flags, about 1 % of a submission's CPU all told
(measured under callgrind). For a plain function, or a
method of one, the answer is its code's `CO_COROUTINE` flag, read here directly; any
other callable, and any function marked with `inspect.markcoroutinefunction`, goes to
Flask's own check, so the result is the same for everything.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import CO_COROUTINE
from types import FunctionType, MethodType
from typing import Any

from flask import Flask

#: Where `inspect.markcoroutinefunction` (Python 3.12) marks a function.
_COROUTINE_MARKER = "_is_coroutine_marker"


class App(Flask):
    """The Flask application class of amtsweg."""

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        """Return `func` if it is a plain synchronous function or method, else Flask's answer."""
        target = func.__func__ if type(func) is MethodType else func
        if (
            type(target) is FunctionType
            and not target.__code__.co_flags & CO_COROUTINE
            and _COROUTINE_MARKER not in target.__dict__
        ):
            return func
        return super().ensure_sync(func)
