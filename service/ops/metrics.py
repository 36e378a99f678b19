"""Prometheus metrics at /metrics, reachable only from METRICS_ALLOWED_NETWORKS.

Request counts and latencies are counted in each process (prometheus_client's
multiprocess mode when PROMETHEUS_MULTIPROC_DIR is set, as under gunicorn with several
workers). Figures that live in the database (outbox backlog, deliveries, documents,
cases per state) are read at scrape time, so every process reports the same truth.
"""

from __future__ import annotations

import ipaddress
import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select

from service.contexts import unproxied
from service.documents.models import Document
from service.extensions import db
from service.webhooks.models import Delivery

REQUESTS = Counter(
    "amtsweg_http_requests_total", "HTTP requests by endpoint, method and status.",
    ["endpoint", "method", "status"],
)  # fmt: skip
LATENCY = Histogram(
    "amtsweg_http_request_duration_seconds", "Time from request to response, by endpoint.",
    ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)  # fmt: skip

bp = Blueprint("ops", __name__)


class DatabaseCollector(Collector):
    """Read the outbox, deliveries, documents and cases at scrape time."""

    def collect(self) -> Iterator[Metric]:
        from service.cases.models import Case
        from service.jobs.models import OutboxItem
        from service.jobs.services import backlog

        count, age = backlog()
        yield GaugeMetricFamily("amtsweg_outbox_backlog", "Outbox items not done yet.", value=count)
        yield GaugeMetricFamily(
            "amtsweg_outbox_oldest_age_seconds",
            "Age of the oldest unfinished outbox item.",
            value=age,
        )
        items = GaugeMetricFamily(
            "amtsweg_outbox_items",
            "Outbox items by kind and status (done, dead, ...).",
            labels=["kind", "status"],
        )
        rows = db.session.execute(
            select(OutboxItem.kind, OutboxItem.status, func.count()).group_by(
                OutboxItem.kind, OutboxItem.status
            )
        )
        for kind, status, n in rows:
            items.add_metric([kind, status], n)
        yield items
        deliveries = GaugeMetricFamily(
            "amtsweg_webhook_deliveries", "Webhook deliveries by result.", labels=["result"]
        )
        for status, n in db.session.execute(
            select(Delivery.status, func.count()).group_by(Delivery.status)
        ):
            deliveries.add_metric([str(status)], n)
        yield deliveries
        documents = GaugeMetricFamily(
            "amtsweg_documents", "Documents by status.", labels=["status"]
        )
        for status, n in db.session.execute(
            select(Document.status, func.count()).group_by(Document.status)
        ):
            documents.add_metric([str(status)], n)
        yield documents
        cases = GaugeMetricFamily(
            "amtsweg_cases", "Cases by service and state.", labels=["service", "state"]
        )
        for key, state, n in db.session.execute(
            select(Case.service_key, Case.state, func.count()).group_by(
                Case.service_key, Case.state
            )
        ):
            cases.add_metric([key, state], n)
        yield cases


def allowed_networks(setting: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Parse METRICS_ALLOWED_NETWORKS ("127.0.0.0/8,10.0.0.0/8")."""
    return [
        ipaddress.ip_network(part.strip(), strict=False)
        for part in setting.split(",")
        if part.strip()
    ]


def _allowed(address: str | None) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(
        ip in net for net in allowed_networks(current_app.config["METRICS_ALLOWED_NETWORKS"])
    )


def _process_registry() -> CollectorRegistry:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not directory:
        return REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)
    return registry


@bp.get("/metrics")
def metrics() -> Response:
    """Expose the metrics in Prometheus' text format (404 outside the allowed networks)."""
    if not _allowed(request.remote_addr):
        abort(404)
    database = CollectorRegistry()
    database.register(DatabaseCollector())
    body = generate_latest(_process_registry()) + generate_latest(database)
    response = Response(body, mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


#: The methods counted by name; any other a client invents is counted as "other", so the
#: series (and the middleware's children) stay bounded.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class MetricsMiddleware:
    """Count every response and its latency by endpoint (after commit, whole request)."""

    def __init__(self, wsgi_app: Callable[..., Iterable[bytes]]) -> None:
        self.wsgi_app = wsgi_app
        # The labelled children by their labels: `labels()` checks the labels and takes a
        # lock on every call. prometheus_client keeps each child as long, so this holds
        # nothing it does not.
        self._counters: dict[tuple[str, str, str], Any] = {}
        self._histograms: dict[str, Any] = {}

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        status: list[str] = []

        def recording_start_response(code: str, headers: Any, exc_info: Any = None) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, exc_info)

        try:
            return self.wsgi_app(environ, recording_start_response)
        finally:
            endpoint = environ.get("amtsweg.endpoint") or "unmatched"
            if endpoint != "ops.metrics":
                method = environ.get("REQUEST_METHOD", "")
                self._count(endpoint, method if method in _METHODS else "other", status)
                self._time(endpoint, time.perf_counter() - started)

    def _count(self, endpoint: str, method: str, status: list[str]) -> None:
        labels = (endpoint, method, status[0] if status else "500")
        counter = self._counters.get(labels)
        if counter is None:
            counter = self._counters[labels] = REQUESTS.labels(*labels)
        counter.inc()

    def _time(self, endpoint: str, seconds: float) -> None:
        histogram = self._histograms.get(endpoint)
        if histogram is None:
            histogram = self._histograms[endpoint] = LATENCY.labels(endpoint)
        histogram.observe(seconds)


def init_metrics(app: Flask) -> None:
    """Add /metrics and count requests."""
    app.register_blueprint(bp)

    @app.before_request
    def _remember_endpoint() -> None:
        # Label by endpoint, never by raw path: bounded and free of personal data.
        req = unproxied(request)
        req.environ["amtsweg.endpoint"] = req.endpoint or "unmatched"

    app.wsgi_app = MetricsMiddleware(app.wsgi_app)  # type: ignore[method-assign]
