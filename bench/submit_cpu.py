"""CPU time per submission, in one process: amtsweg's POST /api/v1/cases against the peer.

`python -m bench submit_cpu` (or `python -m bench.submit_cpu [rounds] [requests]
[--profile]`, the last printing where amtsweg's time goes under cProfile): both
apps on one SQLite file, each called through Flask's test client with the same body,
bearer token and a new Idempotency-Key per request, alternating in rounds; the figure is
the best round's CPU time (time.process_time) per submission. CPU time is what a worker
core spends on a request, and a loaded machine inflates it much less than wall time, so
this is the A/B to run on a shared machine; the HTTP figures come from `bench
submissions`. The audit append is not part of either figure (it runs in the outbox).
"""

from __future__ import annotations

import contextlib
import cProfile
import json
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

from bench.common import Figure, print_table
from bench.samples import residence_registration
from bench.submit_app import bench_credentials, bench_environment, submission_body

ROUNDS = 5
REQUESTS = 200


def _environment(workdir: Path) -> None:
    jwks, token = bench_credentials()
    os.environ.update(bench_environment(jwks))
    os.environ.update({
        "AMTSWEG_DATABASE_URL": f"sqlite:///{workdir / 'bench.db'}",
        "AMTSWEG_INSTANCE_PATH": str(workdir / "instance"),
        "AMTSWEG_JOBS_MODE": "manual",
        "AMTSWEG_BENCH_TOKEN": token,
    })  # fmt: skip
    os.environ.pop("AMTSWEG_BROKER_URL", None)
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    (workdir / "instance").mkdir(exist_ok=True)


@contextlib.contextmanager
def submission_setting(prefix: str) -> Iterator[tuple[bytes, str]]:
    """Set up both apps' databases in a new folder; yield the request body and the token.

    The one set-up of the in-process submission tools (`submit_cpu`, `submit_parts`,
    `submit_instructions`): the environment of `_environment`, amtsweg's and the peer's
    tables, and the log lines written to /dev/null, not shown.
    """
    with (
        tempfile.TemporaryDirectory(prefix=prefix) as tmp,
        open(os.devnull, "w") as sink,
        contextlib.redirect_stderr(sink),  # the JSON log lines: written, not shown
    ):
        _environment(Path(tmp))
        from bench.peer_app import prepare_peer_database
        from bench.submit_app import prepare_database

        prepare_database()
        prepare_peer_database()
        body = json.dumps(submission_body(residence_registration())).encode()
        yield body, os.environ["AMTSWEG_BENCH_TOKEN"]


def _poster(app: object, path: str, body: bytes, token: str) -> Callable[[], None]:
    client = app.test_client()  # type: ignore[attr-defined]
    run = uuid.uuid4().hex
    counter = iter(range(10**9))

    def post() -> None:
        headers = {
            "Authorization": f"Bearer {token}",
            "Idempotency-Key": f"{run}-{next(counter)}",
        }
        response = client.post(path, data=body, headers=headers, content_type="application/json")
        if response.status_code != 201:
            raise RuntimeError(f"{path} answered {response.status_code}: {response.get_data()!r}")

    return post


def _cpu_per_call(post: Callable[[], None], requests: int) -> float:
    start = time.process_time()
    for _ in range(requests):
        post()
    return (time.process_time() - start) / requests


def measure(
    rounds: int = ROUNDS, requests: int = REQUESTS, profile: bool = False
) -> tuple[float, float]:
    """Return the best CPU seconds per submission for (amtsweg, peer).

    With `profile`, amtsweg's submissions run once more under cProfile afterwards and the
    functions with the most cumulative and own time are printed.
    """
    with submission_setting("amtsweg-submit-cpu-") as (body, token):
        from bench.peer_app import create_peer_app
        from bench.submit_app import create_bench_app

        ours = _poster(create_bench_app(), "/api/v1/cases", body, token)
        peer = _poster(create_peer_app(), "/peer/cases", body, token)
        for post in (ours, peer):  # warm-up: compiled forms, statements, caches
            for _ in range(30):
                post()
        best_ours = best_peer = float("inf")
        for _ in range(rounds):
            best_ours = min(best_ours, _cpu_per_call(ours, requests))
            best_peer = min(best_peer, _cpu_per_call(peer, requests))
        if profile:
            profiler = cProfile.Profile()
            profiler.runcall(_cpu_per_call, ours, requests)
            stats = pstats.Stats(profiler, stream=sys.stdout)
            stats.sort_stats("cumulative").print_stats(60)
            stats.sort_stats("tottime").print_stats(40)
        return best_ours, best_peer


def main(argv: list[str] | None = None) -> list[Figure]:
    """Measure and print both figures and their ratio."""
    argv = list(argv or [])
    profile = "--profile" in argv
    args = [int(a) for a in argv if a != "--profile"]
    rounds, requests = (args + [ROUNDS, REQUESTS][len(args) :])[:2]
    ours, peer = measure(rounds, requests, profile)
    figures = [
        Figure(
            f"CPU per submission, in-process SQLite (best of {rounds} x {requests})",
            f"{ours * 1000:.2f} ms",
            f"peer {peer * 1000:.2f} ms ({ours / peer:.2f}x)",
            "<= peer",
            ours <= peer,
        )
    ]
    print_table("Submissions, CPU per request in one process", figures)
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
