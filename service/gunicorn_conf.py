"""gunicorn settings for the web processes.

    gunicorn -c service/gunicorn_conf.py 'service:create_app()'

Every value can be set from the environment, so one file serves a laptop and a cluster.
The app is stateless (sessions are signed cookies, files in storage, work in the outbox),
so adding processes or machines is only a matter of these numbers.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
from typing import Any

#: Where to listen; behind a reverse proxy, usually a local port or a unix socket.
bind = os.environ.get("AMTSWEG_BIND", "127.0.0.1:8000")
#: Sync workers: one request at a time each, so CPU-bound form validation scales by process.
workers = int(os.environ.get("AMTSWEG_WEB_WORKERS", str(multiprocessing.cpu_count() * 2 + 1)))
threads = int(os.environ.get("AMTSWEG_WEB_THREADS", "1"))
worker_class = "gthread" if threads > 1 else "sync"
#: Keep-alive connections from the proxy or load balancer.
keepalive = int(os.environ.get("AMTSWEG_WEB_KEEPALIVE", "5"))
timeout = int(os.environ.get("AMTSWEG_WEB_TIMEOUT", "30"))
#: Finish running requests on SIGTERM (deploys) before stopping.
graceful_timeout = int(os.environ.get("AMTSWEG_WEB_GRACEFUL_TIMEOUT", "30"))
#: Recycle workers now and then so that slow leaks never build up.
max_requests = int(os.environ.get("AMTSWEG_WEB_MAX_REQUESTS", "10000"))
max_requests_jitter = max_requests // 10
#: Each worker creates its own app: database pools and the outbox runner are per process.
preload_app = False
#: The app writes one JSON line per request with its request id; gunicorn's own access log
#: would repeat it with the raw URL (and its query string), so it stays off.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("AMTSWEG_LOG_LEVEL", "info").lower()
#: Trust X-Forwarded-* only from the local proxy by default.
forwarded_allow_ips = os.environ.get("AMTSWEG_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "amtsweg-web"


def on_starting(server: Any) -> None:
    """Start with an empty metrics folder: files of an earlier run would be counted again."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.unlink(os.path.join(directory, name))


def post_worker_init(worker: Any) -> None:
    """Freeze the objects the worker has loaded (modules, the app) out of the collector's reach.

    A worker holds about 240,000 objects once the app is loaded, nearly all of them alive
    for the worker's whole life. Requests leave reference cycles (SQLAlchemy's session and
    connection, werkzeug's request) that only the collector frees, and every so often it
    runs a full collection over every object: measured on 2026-11-30 at about 130-150 ms
    of CPU once every 500-1,000 submissions, a pause of that length for the request it
    lands in. `gc.freeze()` (the standard library's advice for pre-forking servers) moves
    what exists now into a permanent generation that collections skip; what requests
    create later is collected as before. AMTSWEG_WEB_GC_FREEZE=0 turns it off.
    """
    if os.environ.get("AMTSWEG_WEB_GC_FREEZE", "1") != "0":
        gc.collect()
        gc.freeze()


def child_exit(server: Any, worker: Any) -> None:
    """Tell prometheus_client that a worker is gone (multiprocess mode)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
