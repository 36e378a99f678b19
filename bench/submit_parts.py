"""Where amtsweg's CPU per submission goes, part by part: `python -m bench.submit_parts`.

The in-process set-up of `bench.submit_cpu` (one SQLite file, Flask's test client, the
same body and token, a new Idempotency-Key per request), with chosen functions wrapped
in a CPU timer (`time.thread_time`, about 0.3 µs per wrap). Prints, for the best of
three rounds, the CPU per submission of each part (parts nest: the view holds the case
write, which holds its statements), each before-/after-request hook, and each prepared
statement by its first words; the hand-written peer's total beside it. pyinstrument and
cProfile attribute time unevenly on this hot path (json.dumps looked costly there but
takes 5-7 µs); these timers are what the streams of 2026-11-30 compared before and after.

Arguments: `[requests per round]` (default 500). Wall-clock noise on a shared machine
moves every figure by 10-40 % between runs: compare two trees alternately, not one run
against a figure written down.
"""

from __future__ import annotations

import functools
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from bench.submit_cpu import _poster, submission_setting

ROUNDS = 3
_clock = time.thread_time


class Timers:
    """CPU seconds spent in each wrapped part, summed over calls."""

    def __init__(self) -> None:
        self.spent: defaultdict[str, float] = defaultdict(float)

    def timed(self, label: str, func: Callable[..., Any]) -> Callable[..., Any]:
        """Return `func` adding its CPU time to `label`."""
        spent = self.spent

        @functools.wraps(func)
        def timed(*args: Any, **kwargs: Any) -> Any:
            start = _clock()
            try:
                return func(*args, **kwargs)
            finally:
                spent[label] += _clock() - start

        return timed

    def wrap(self, owner: Any, name: str, label: str) -> None:
        """Replace `owner.name` by its timed version."""
        setattr(owner, name, self.timed(label, getattr(owner, name)))


def _instrument(timers: Timers, app: Any) -> None:
    import flask.app

    import service.cases.services as cases
    import service.cases.store as store
    from service import prepared
    from service.api import views

    for name in ("wsgi_app", "preprocess_request", "process_response", "dispatch_request"):
        timers.wrap(flask.app.Flask, name, f"flask.{name}")
    timers.wrap(views.CaseCollection, "post", "view")
    for name in ("validate_submission", "submit_case", "_view"):
        timers.wrap(views, name, f"view.{name}")
    for name in (
        "find_or_create_applicant",
        "claim_idempotency_key",
        "store_idempotent_response",
        "request_hash",
    ):
        timers.wrap(views.services, name, f"view.{name}")
    timers.wrap(views.trust, "bind_case_files", "view.bind_case_files")
    for name in ("insert_new_case", "new_case_identity"):
        timers.wrap(store, name, f"submit_case.{name}")
    for name in ("first_event", "effects_of"):
        timers.wrap(cases, name, f"submit_case.{name}")
    for hooks, kind in ((app.before_request_funcs, "before"), (app.after_request_funcs, "after")):
        for key, funcs in hooks.items():
            hooks[key] = [timers.timed(f"{kind}.{f.__qualname__}", f) for f in funcs]

    def statement(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def timed(self: prepared.Prepared, values: Any) -> Any:
            start = _clock()
            try:
                return method(self, values)
            finally:
                sql = self.compiled(prepared.core().dialect).sql
                label = "sql." + " ".join(sql.split()[:3])[:40]
                timers.spent[label] += _clock() - start

        return timed

    prepared.Prepared.execute = statement(prepared.Prepared.execute)  # type: ignore[method-assign]
    prepared.Prepared.executemany = statement(prepared.Prepared.executemany)  # type: ignore[method-assign]


def _best(post: Callable[[], None], requests: int, timers: Timers | None) -> dict[str, float]:
    best: dict[str, float] = {}
    for _ in range(ROUNDS):
        if timers is not None:
            timers.spent.clear()
        start = _clock()
        for _ in range(requests):
            post()
        total = (_clock() - start) / requests
        if not best or total < best["TOTAL"]:
            best = {k: v / requests for k, v in (timers.spent if timers else {}).items()}
            best["TOTAL"] = total
    return best


def measure(requests: int = 500) -> tuple[dict[str, float], float]:
    """Return amtsweg's CPU seconds per submission by part, and the peer's total."""
    with submission_setting("amtsweg-submit-parts-") as (body, token):
        from bench.peer_app import create_peer_app
        from bench.submit_app import create_bench_app

        app = create_bench_app()
        timers = Timers()
        with app.app_context():
            _instrument(timers, app)
        ours = _poster(app, "/api/v1/cases", body, token)
        peer = _poster(create_peer_app(), "/peer/cases", body, token)
        for post in (ours, peer):
            for _ in range(50):
                post()
        parts = _best(ours, requests, timers)
        peer_total = _best(peer, requests, None)["TOTAL"]
        return parts, peer_total


def main(argv: list[str]) -> None:
    parts, peer = measure(int(argv[0]) if argv else 500)
    print(f"{'CPU/submission':>14}  part (best of {ROUNDS} rounds)")
    for label, spent in sorted(parts.items(), key=lambda item: -item[1]):
        print(f"{spent * 1e6:11.1f} µs  {label}")
    print(f"{peer * 1e6:11.1f} µs  PEER TOTAL ({parts['TOTAL'] / peer:.2f}x)")


if __name__ == "__main__":
    main(sys.argv[1:])
