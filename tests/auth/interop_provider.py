"""The independent OpenID provider (npm `oidc-provider`) as a process, for any test."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

INTEROP = Path(__file__).parent / "interop"
CLIENT_ID = "amtsweg-interop"
CLIENT_SECRET = "interop-secret-for-tests"


def need_node() -> str:
    """Return the node binary; skip (or fail in CI) when node or the provider is missing."""
    node = shutil.which("node")
    if node and (INTEROP / "node_modules" / "oidc-provider").is_dir():
        return node
    message = "needs node and `npm ci --prefix tests/auth/interop` (the independent provider)"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def oidc_provider(base: str, accounts: dict[str, Any], folder: Path, **extra: Any) -> Iterator[str]:
    """Run oidc-provider for amtsweg served at `base`; yield its issuer, stop it after."""
    node = need_node()
    config = folder / "provider.json"
    config.write_text(
        json.dumps(
            {
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": f"{base}/auth/callback",
                "post_logout_redirect_uri": f"{base}/",
                "accounts": accounts,
                **extra,
            }
        )
    )
    log = folder / "provider.log"
    with (
        log.open("w") as stderr,
        subprocess.Popen(
            [node, str(INTEROP / "provider.js"), str(config)],
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as proc,
    ):
        try:
            assert proc.stdout is not None
            ready, _, _ = select.select([proc.stdout], [], [], 30)
            line = proc.stdout.readline() if ready else ""
            if not line:
                pytest.fail(f"oidc-provider did not start:\n{log.read_text()}")
            yield str(json.loads(line)["issuer"])
        finally:
            proc.terminate()
            proc.wait(timeout=10)
