"""Submissions per second and p50/p99 latency over HTTP, next to the bare stack limit.

For SQLite and PostgreSQL: amtsweg under gunicorn (service/gunicorn_conf.py) taking
residence registrations through the integrator API (POST /api/v1/cases with a signed
access token and a new Idempotency-Key per request, bench/submit_app.py), and in the
same run a bare Flask app under the same gunicorn that receives the same requests, parses
the same JSON and inserts it as one row (bench/bare_app.py), and between the two the
hand-written peer a team would write without amtsweg: Flask, a marshmallow schema of the
same form, one ORM insert of the case and one of an audit row, no outbox
(bench/peer_app.py). The load comes
from wrk with 16 keep-alive connections when it is installed (Debian: `apt-get install
wrk`), else from 16 Python threads with keep-alive http.client connections.
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.common import Figure, print_table
from bench.samples import residence_registration
from bench.submit_app import bench_credentials, bench_environment, submission_body

ROOT = Path(__file__).resolve().parent.parent
CONNECTIONS = 16
#: gunicorn sync workers for both sides. The database runs on the same cores and the
#: work is CPU-bound, so cores + 1 (gunicorn's 2 x cores + 1 is for processes that wait
#: on a database elsewhere): on the 2-core machine 3 workers gave both sides more
#: throughput and a lower p99 than 5 (docs/performance.md). AMTSWEG_WEB_WORKERS overrides.
WORKERS = int(os.environ.get("AMTSWEG_WEB_WORKERS") or (os.cpu_count() or 1) + 1)
DURATION = float(os.environ.get("BENCH_SECONDS", "10"))
WARMUP = float(os.environ.get("BENCH_WARMUP", "5"))
PG_URL = os.environ.get(
    "AMTSWEG_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1/amtsweg_bench"
)


@dataclass(frozen=True)
class Load:
    """What one load run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    tool: str
    #: Requests answered in the run (wrk's count, or the threads' own).
    requests: int = 0
    #: CPU (user + system) the web processes spent per request, in ms; None where
    #: /proc cannot say (not Linux).
    cpu_ms: float | None = None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited; see its log")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def _gunicorn(app_spec: str, env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    gunicorn = str(Path(sys.executable).with_name("gunicorn"))
    command = [
        gunicorn,
        "-c",
        str(ROOT / "service" / "gunicorn_conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        app_spec,
    ]
    with log.open("ab") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _wrk(url: str, body: bytes, headers: dict[str, str], seconds: float, workdir: Path) -> Load:
    body_file = workdir / "body.json"
    body_file.write_bytes(body)
    script = workdir / "post.lua"
    fixed = "".join(f'wrk.headers["{k}"] = "{v}"\n' for k, v in headers.items())
    # Every request gets its own Idempotency-Key: run, thread and a counter.
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        + fixed
        + f'local f = io.open("{body_file}", "rb")\nwrk.body = f:read("*a")\nf:close()\n'
        + "local threads = 0\n"
        'function setup(thread)\n  threads = threads + 1\n  thread:set("tid", threads)\nend\n'
        "local n = 0\n"
        "function request()\n  n = n + 1\n  local h = {}\n"
        "  for k, v in pairs(wrk.headers) do h[k] = v end\n"
        f'  h["Idempotency-Key"] = "{uuid.uuid4().hex}-" .. tostring(tid) .. "-" .. n\n'
        "  return wrk.format(nil, nil, h, nil)\nend\n"
    )
    command = [
        "wrk",
        "-t2",
        f"-c{CONNECTIONS}",
        f"-d{int(seconds)}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    out = subprocess.run(
        [*command, "-s", str(script), url], capture_output=True, text=True, check=True
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = {
        m.group(1): _ms(m.group(2), m.group(3))
        for m in re.finditer(r"\s(50|99)%\s+([\d.]+)(us|ms|s|m)\b", out)
    }
    errors = 0
    if m := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(m.group(1))
    if m := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out):
        errors += sum(int(g) for g in m.groups())
    done = re.search(r"(\d+) requests in", out)
    return Load(rps, pct["50"], pct["99"], errors, "wrk", int(done.group(1)) if done else 0)


def _threads(url: str, body: bytes, headers: dict[str, str], seconds: float) -> Load:
    host, _, rest = url.removeprefix("http://").partition("/")
    hostname, port = host.split(":")
    path = "/" + rest
    latencies: list[list[float]] = [[] for _ in range(CONNECTIONS)]
    errors = [0] * CONNECTIONS
    stop_at = time.monotonic() + seconds

    def run(i: int) -> None:
        conn = http.client.HTTPConnection(hostname, int(port), timeout=30)
        fixed = {"Content-Type": "application/json", **headers}
        run_id = uuid.uuid4().hex
        n = 0
        while time.monotonic() < stop_at:
            n += 1
            start = time.perf_counter()
            key = {"Idempotency-Key": f"{run_id}-{i}-{n}"}
            conn.request("POST", path, body=body, headers={**fixed, **key})
            response = conn.getresponse()
            response.read()
            latencies[i].append(time.perf_counter() - start)
            if response.status >= 300:
                errors[i] += 1
        conn.close()

    started = time.monotonic()
    workers = [threading.Thread(target=run, args=(i,)) for i in range(CONNECTIONS)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    elapsed = time.monotonic() - started
    every = sorted(x for lat in latencies for x in lat)
    p99 = every[min(len(every) - 1, int(len(every) * 0.99))]
    return Load(
        len(every) / elapsed,
        statistics.median(every) * 1000,
        p99 * 1000,
        sum(errors),
        "threads",
        len(every),
    )


def load(url: str, body: bytes, headers: dict[str, str], seconds: float, workdir: Path) -> Load:
    """POST `body` with `headers` and a new Idempotency-Key each time, from 16 connections."""
    if shutil.which("wrk"):
        return _wrk(url, body, headers, seconds, workdir)
    return _threads(url, body, headers, seconds)


def process_cpu(pid: int) -> float | None:
    """Return the CPU seconds (user + system) of `pid` and its children so far, from /proc.

    Throughput alone hides where a difference comes from: on two cores the web workers,
    the database and the load generator share the CPU. The workers' own CPU per request
    is the figure that explains it (2026-11-30: amtsweg's grew from 2.3 ms with one
    worker to 3.0-3.4 ms with three, the peer's from 1.4 to 1.7-2.0 ms).
    None where /proc is missing (not Linux).
    """
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        total = 0
        for each in [pid, *map(int, children)]:
            # Fields after the command name: utime and stime are the 12th and 13th.
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None
    return total / os.sysconf("SC_CLK_TCK")


def _measured(
    proc: subprocess.Popen[bytes], url: str, body: bytes, headers: dict[str, str], workdir: Path
) -> Load:
    """Load `url` for DURATION and add the web processes' CPU per request to the figures."""
    before = process_cpu(proc.pid)
    result = load(url, body, headers, DURATION, workdir)
    after = process_cpu(proc.pid)
    if before is None or after is None or not result.requests:
        return result
    return dataclasses.replace(result, cpu_ms=(after - before) * 1000 / result.requests)


def _reset_postgres(url: str) -> bool:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    name = plain.rsplit("/", 1)[1]
    admin = plain.rsplit("/", 1)[0] + "/postgres"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return False
    return True


def run_pair(label: str, database_url: str, workdir: Path) -> list[tuple[str, Load]]:
    """Measure amtsweg, the hand-written peer and the bare app on one database."""
    env = dict(os.environ)
    env.update({
        "PYTHONPATH": str(ROOT),
        "AMTSWEG_DATABASE_URL": database_url,
        "AMTSWEG_INSTANCE_PATH": str(workdir / "instance"),
        "AMTSWEG_JOBS_MODE": "manual",
        "AMTSWEG_WEB_WORKERS": str(WORKERS),
        "AMTSWEG_WEB_MAX_REQUESTS": "0",
    })  # fmt: skip
    jwks, token = bench_credentials()
    env.update(bench_environment(jwks))
    env.pop("AMTSWEG_BROKER_URL", None)
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from bench.submit_app import prepare_database; prepare_database(); "
            "from bench.bare_app import prepare_bare_database; prepare_bare_database(); "
            "from bench.peer_app import prepare_peer_database; prepare_peer_database()",
        ],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    # Both sides get the same request: the API body, a bearer token, an Idempotency-Key.
    body = json.dumps(submission_body(residence_registration())).encode()
    headers = {"Authorization": f"Bearer {token}"}
    results = []
    for name, spec, path in (
        ("amtsweg", "bench.submit_app:create_bench_app()", "/api/v1/cases"),
        ("peer", "bench.peer_app:create_peer_app()", "/peer/cases"),
        ("bare", "bench.bare_app:create_bare_app()", "/bare"),
    ):
        port = _free_port()
        proc = _gunicorn(spec, env, port, workdir / f"{label}-{name}.log")
        try:
            if name != "amtsweg":
                _wait_for_any(port, proc)
            else:
                _wait_for(port, proc)
            url = f"http://127.0.0.1:{port}{path}"
            load(url, body, headers, WARMUP, workdir)
            results.append((name, _measured(proc, url, body, headers, workdir)))
        finally:
            _stop(proc)
    return results


def _wait_for_any(port: int, proc: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("gunicorn exited; see its log")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer in time")


def measure() -> list[Figure]:
    """Run every pair and return the figures."""
    figures = []
    with tempfile.TemporaryDirectory(prefix="amtsweg-bench-") as tmp:
        workdir = Path(os.environ.get("BENCH_WORKDIR") or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        databases = [("SQLite", f"sqlite:///{workdir / 'bench.db'}")]
        if _reset_postgres(PG_URL):
            databases.append(("PostgreSQL", PG_URL))
        else:
            print(f"PostgreSQL not reachable at {PG_URL}: skipped", file=sys.stderr)
        for label, url in databases:
            (workdir / "instance").mkdir(exist_ok=True)
            pair = dict(run_pair(label, url, workdir))
            ours, peer, bare = pair["amtsweg"], pair["peer"], pair["bare"]
            share = ours.rps / bare.rps if bare.rps else 0.0
            against_peer = ours.rps / peer.rps if peer.rps else 0.0
            errors = f", {ours.errors} errors" if ours.errors else ""
            figures.append(Figure(
                f"submissions/s, {label} ({ours.tool}, {CONNECTIONS} conn., {WORKERS} workers)",
                f"{ours.rps:,.0f}/s{errors}",
                f"bare {bare.rps:,.0f}/s ({share:.0%})",
                ">= 50% of bare",
                share >= 0.5 and not ours.errors,
            ))  # fmt: skip
            figures.append(Figure(
                f"against the hand-written peer, {label} (bench/peer_app.py)",
                f"{ours.rps:,.0f}/s",
                f"peer {peer.rps:,.0f}/s ({against_peer:.0%}), p99 {peer.p99_ms:.1f} ms",
                ">= 100% of peer",
                against_peer >= 1.0 and not ours.errors,
            ))  # fmt: skip
            if ours.cpu_ms is not None and peer.cpu_ms is not None and bare.cpu_ms is not None:
                figures.append(Figure(
                    f"web workers' CPU per submission, {label} (user + system)",
                    f"{ours.cpu_ms:.2f} ms",
                    f"peer {peer.cpu_ms:.2f} ms ({ours.cpu_ms / peer.cpu_ms:.2f}x), "
                    f"bare {bare.cpu_ms:.2f} ms",
                    "<= peer",
                    ours.cpu_ms <= peer.cpu_ms,
                ))  # fmt: skip
            figures.append(Figure(
                f"latency p50 / p99, {label}",
                f"{ours.p50_ms:.1f} / {ours.p99_ms:.1f} ms",
                f"bare {bare.p50_ms:.1f} / {bare.p99_ms:.1f} ms",
                "p99 < 100 ms",
                ours.p99_ms < 100,
            ))  # fmt: skip
    return figures


def main() -> list[Figure]:
    """Measure and print the submission figures."""
    figures = measure()
    print_table("Submissions over HTTP", figures)
    return figures


if __name__ == "__main__":
    main()
