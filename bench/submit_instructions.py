"""Instructions per submission under callgrind: `python -m bench.submit_instructions [N]`.

CPU time on a shared virtual machine moved by 10-40 % between runs of the same tree
(2026-11-30), too much to see a change of a few per cent. The number of instructions a
submission executes does not move: counted under valgrind's callgrind over N submissions
(default 20) after 30 warm-up ones, in the set-up of `bench.submit_cpu` (one SQLite file,
Flask's test client, the same body, token and a new Idempotency-Key per request), it
repeats within 0.05 %. It prints amtsweg's figure, the hand-written peer's and their
ratio. Needs valgrind (Debian: `apt-get install valgrind`); about a minute per app.

Instructions are not time (cache misses, system calls and the kernel's share are not in
them), so a change that only moves work into the kernel or the disk needs the HTTP
figures of `bench.submissions` too. Use the count to compare two trees of amtsweg, not
amtsweg with the peer: amtsweg's many pieces each run once per request, cold, so its
instructions cost more time than the peer's (2026-11-30: 1.18x the peer's instructions,
1.50x its CPU time; docs/performance.md, "third session"). `--app ours|peer` counts one app only;
`--child` is how the module runs itself under valgrind.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

WARMUP = 30


def _control(*args: str) -> None:
    """Switch callgrind's counting for this process (and wait until it has)."""
    subprocess.run(
        ["callgrind_control", *args, str(os.getpid())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )


def _child(which: str, requests: int) -> None:
    from bench.submit_cpu import _poster, submission_setting

    with submission_setting("amtsweg-submit-ir-") as (body, token):
        from bench.peer_app import create_peer_app
        from bench.submit_app import create_bench_app

        if which == "peer":
            post = _poster(create_peer_app(), "/peer/cases", body, token)
        else:
            post = _poster(create_bench_app(), "/api/v1/cases", body, token)
        for _ in range(WARMUP):
            post()
        _control("-i", "on")
        for _ in range(requests):
            post()
        _control("-i", "off")
        os._exit(0)  # no interpreter shutdown in the count or the wait


def count(which: str, requests: int) -> float:
    """Return the instructions per submission of `which` ("ours" or "peer")."""
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    with tempfile.TemporaryDirectory(prefix="amtsweg-callgrind-") as tmp:
        out = Path(tmp) / "callgrind.out"
        command = [
            "valgrind", "--tool=callgrind", "--instr-atstart=no",
            f"--callgrind-out-file={out}",
            sys.executable, "-m", "bench.submit_instructions", "--child", which, str(requests),
        ]  # fmt: skip
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        totals = re.search(r"^totals:\s+(\d+)", out.read_text(), re.MULTILINE)
        if totals is None:
            raise RuntimeError("callgrind wrote no totals")
        return int(totals.group(1)) / requests


def main(argv: list[str]) -> None:
    if argv and argv[0] == "--child":
        _child(argv[1], int(argv[2]))
        return
    apps = ["ours", "peer"]
    if "--app" in argv:
        at = argv.index("--app")
        apps = [argv[at + 1]]
        del argv[at : at + 2]
    requests = int(argv[0]) if argv else 20
    figures = {which: count(which, requests) for which in apps}
    for which, figure in figures.items():
        print(f"{which}: {figure:,.0f} instructions per submission (n={requests})")
    if len(figures) == 2:
        print(f"amtsweg against the peer: {figures['ours'] / figures['peer']:.3f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
