"""Back-office inbox on 1,000,000 cases in PostgreSQL: p50/p99 of the page query.

python -m bench inbox             # loads once, reuses the data on later runs
python -m bench.inbox --reload    # drop and load again

The database comes from AMTSWEG_BENCH_DATABASE_URL (default: a scratch database
`amtsweg_bench_inbox` on the local server, created if missing; its own, because other
benchmarks drop and refill their tables). Cases are generated inside
PostgreSQL with generate_series, so loading takes a minute or two, not an hour. Each
scenario runs the inbox through `service.backoffice.services.inbox_page` (SQLAlchemy,
ORM objects, row view models) and then replays the exact SQL it sent with psycopg
directly, so the difference is what our Python layer costs.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from bench.common import Figure, print_table

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1/amtsweg_bench_inbox"
CASES = 1_000_000
#: Share of cases still open (the rest decided over three years).
OPEN_SHARE = 0.05
ROUNDS = 200
TARGET_MS = 50.0


def _psycopg_url(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def ensure_database(url: str) -> None:
    """Create the benchmark database when it does not exist yet."""
    import psycopg

    plain = _psycopg_url(url)
    base, _, name = plain.rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


LOAD_SQL = """
INSERT INTO users (id, issuer, subject, name, email, locale, roles, created_at)
SELECT g, 'https://bench.invalid', 'resident-' || g, '', NULL, 'de', '[]'::jsonb, now()
FROM generate_series(1, %(cases)s) AS g;

INSERT INTO users (id, issuer, subject, name, email, locale, roles, created_at)
SELECT %(cases)s + g, 'https://bench.invalid', 'staff-' || g, 'Staff ' || g, NULL, 'de',
       CASE WHEN g %% 3 = 0 THEN '["permit_officer"]'
            WHEN g %% 3 = 1 THEN '["registration_officer"]'
            ELSE '["case_worker"]' END::jsonb, now()
FROM generate_series(1, 30) AS g;
SELECT setval(pg_get_serial_sequence('users', 'id'), %(cases)s + 30);

WITH names AS (
  SELECT g,
    (ARRAY['Anna','Ayşe','Ben','Clara','David','Elif','Emma','Felix','Fatma','Hanna',
           'Ida','Jonas','Karl','Lea','Leon','Lina','Luca','Marie','Mia','Noah',
           'Olga','Paul','Sofia','Tim','Yusuf'])[1 + (hashint4(g) & 2147483647) %% 25] AS first,
    (ARRAY['Berg','Brand','Dahl','Eck','Feld','Haus','Hof','Kamp','Kirch','Lang','Mühl',
           'Neu','Ost','Rein','Schmitz','Stein','Wald','Weiß','Wolf','Zimmer'])
           [1 + (hashint4(g * 7) & 2147483647) %% 20]
    || (ARRAY['ann','el','er','ert','hagen','horst','ing','kötter','mann','meier','ow',
              'rath','sch','ski','stedt','wig','yilmaz','ner','loh','bach'])
           [1 + (hashint4(g * 13) & 2147483647) %% 20]
    || (ARRAY['','','','s','er','-Lüdenscheidt','-Özdemir','i','o','e'])
           [1 + (hashint4(g * 17) & 2147483647) %% 10] AS family,
    timestamptz '2023-11-26 08:00+00'
      + (g::float / %(cases)s) * interval '3 years' AS submitted
  FROM generate_series(1, %(cases)s) AS g
), shaped AS (
  SELECT g, first, family, submitted,
    CASE WHEN g %% 5 < 3 THEN 'residence_registration' ELSE 'parking_permit' END AS service,
    -- The newest cases are the open ones, as in a real office.
    g > %(cases)s * (1 - %(open_share)s) AS open,
    (hashint4(g * 31) & 2147483647) %% 100 AS dice
  FROM names
)
INSERT INTO cases (id, reference, service_key, workflow_version, form_version, state, data,
  flags, applicant_id, applicant_name, assignee_id, submitted_at, updated_at, closed_at,
  due_at, clock_paused_at, resident_replied, legal_hold, lang, audit_head, version)
SELECT g,
  CASE WHEN service = 'parking_permit' THEN 'BP' ELSE 'WA' END || '-'
    || extract(year FROM submitted)::int || '-' || lpad(g::text, 7, '0'),
  service, 1, 1,
  CASE WHEN NOT open
         THEN (ARRAY['approved','approved','approved','rejected','withdrawn'])[1 + dice %% 5]
       WHEN dice < 50 THEN 'submitted'
       WHEN dice < 85 THEN 'in_review'
       ELSE 'waiting_for_resident' END,
  jsonb_build_object('first_name', first, 'family_name', family, 'town', 'Düsseldorf'),
  CASE WHEN dice %% 17 = 0 THEN '[{"key": "late_registration", "de": "Spät", "en": "Late"}]'
       ELSE '[]' END::jsonb,
  g, first || ' ' || family,
  CASE WHEN open AND dice %% 3 = 0 THEN %(cases)s + 1 + dice %% 30 END,
  submitted, submitted,
  CASE WHEN NOT open THEN submitted + (1 + dice %% 20) * interval '1 day' END,
  CASE WHEN open THEN submitted + interval '14 days' END,
  CASE WHEN open AND dice >= 85 THEN submitted + interval '3 days' END,
  open AND dice %% 11 = 0, false, 'de', '', 1
FROM shaped;
SELECT setval(pg_get_serial_sequence('cases', 'id'), %(cases)s);
"""


def load(app: Any, reload: bool) -> float:
    """Create the tables and load the cases unless they are there; return seconds taken."""
    from sqlalchemy import text

    from service.extensions import db

    with app.app_context():
        if not reload:
            try:
                count = db.session.scalar(text("SELECT count(*) FROM cases"))
            except Exception:
                db.session.rollback()
                count = 0
            db.session.rollback()  # release the table before dropping it
            if count and count >= CASES:
                return 0.0
        started = time.monotonic()
        db.drop_all()
        db.create_all()
        db.session.commit()
        raw = db.engine.raw_connection()
        try:
            with raw.cursor() as cursor:
                for statement in LOAD_SQL.split(";\n"):
                    if statement.strip():
                        cursor.execute(statement, {"cases": CASES, "open_share": OPEN_SHARE})
            raw.commit()
        finally:
            raw.close()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cases"))
            conn.execute(text("VACUUM ANALYZE users"))
        return time.monotonic() - started


def percentiles(samples: list[float]) -> tuple[float, float]:
    """Return (p50, p99) in milliseconds."""
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) * 1000, p99 * 1000


def measure(func: Callable[[], object], rounds: int = ROUNDS) -> list[float]:
    """Return the seconds of each of `rounds` calls, after a few warm-up calls."""
    for _ in range(5):
        func()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def capture_sql(app: Any, func: Callable[[], object]) -> list[tuple[str, Any]]:
    """Run `func` once and return the SQL statements (with parameters) it sent."""
    from sqlalchemy import event

    from service.extensions import db

    statements: list[tuple[str, Any]] = []

    def record(
        conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool
    ) -> None:
        statements.append((statement, parameters))

    engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        func()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def run(reload: bool = False) -> list[Figure]:
    """Load (if needed), measure every scenario and return the figures."""
    import psycopg

    from service import create_app

    url = os.environ.get("AMTSWEG_BENCH_DATABASE_URL", DEFAULT_URL)
    ensure_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "JOBS_MODE": "manual", "TESTING": True})
    seconds = load(app, reload)
    print(
        f"inbox: {CASES:,} cases " + (f"loaded in {seconds:.0f} s" if seconds else "already loaded")
    )

    from sqlalchemy import select, text

    from service.auth.models import User
    from service.backoffice.constants import AssigneeFilter, Sort, StatusFilter
    from service.backoffice.services import InboxQuery, encode_cursor, inbox_counts, inbox_page
    from service.cases.models import Case
    from service.extensions import db

    figures: list[Figure] = []
    with app.app_context():
        worker = db.session.scalar(select(User).where(User.subject == "staff-2"))  # case_worker
        assert worker is not None and "case_worker" in worker.roles
        open_count = db.session.scalar(
            select(text("count(*)")).select_from(Case).where(Case.closed_at.is_(None))
        )
        deep_open = db.session.execute(
            select(Case.due_at, Case.id)
            .where(Case.closed_at.is_(None), Case.due_at.is_not(None))
            .order_by(Case.due_at, Case.id)
            .offset(int(open_count * 0.9))
            .limit(1)
        ).one()
        deep_all = db.session.execute(
            select(Case.submitted_at, Case.id)
            .order_by(Case.submitted_at.desc(), Case.id.desc())
            .offset(CASES - 1000)
            .limit(1)
        ).one()
        family = db.session.scalar(select(Case.applicant_name).where(Case.id == 123_457)).split()[
            -1
        ]
        scenarios = {
            "first page (open, by due date)": InboxQuery(),
            f"deep page (open, {int(open_count * 0.9):,} rows in)": InboxQuery(
                after=encode_cursor(Sort.DUE, deep_open.due_at, deep_open.id)
            ),
            f"deep page (all cases, page {(CASES - 1000) // 25:,})": InboxQuery(
                status=StatusFilter.ALL,
                sort=Sort.SUBMITTED_DESC,
                after=encode_cursor(Sort.SUBMITTED_DESC, deep_all.submitted_at, deep_all.id),
            ),
            f"search name '{family.lower()}' (all cases)": InboxQuery(
                status=StatusFilter.ALL, search=family.lower(), sort=Sort.SUBMITTED_DESC
            ),
            "search reference (all cases)": InboxQuery(
                status=StatusFilter.ALL, search=db.session.get(Case, 654_321).reference
            ),
            "filter: unassigned, in review": InboxQuery(
                state="in_review", assignee=AssigneeFilter.UNASSIGNED
            ),
        }
        raw = psycopg.connect(_psycopg_url(url))
        for name, query in scenarios.items():

            def page(query: InboxQuery = query) -> object:
                result = inbox_page(query, worker)
                db.session.rollback()  # a fresh transaction per request, as in the app
                return result

            rows = len(inbox_page(query, worker).rows)
            statements = capture_sql(app, page)
            ours = percentiles(measure(page))

            def bare(statements: list[tuple[str, Any]] = statements) -> None:
                with raw.cursor() as cursor:
                    for sql, params in statements:
                        cursor.execute(sql, params)
                        cursor.fetchall()
                raw.rollback()

            sql_only = percentiles(measure(bare))
            met = ours[1] < TARGET_MS
            print(
                f"  {name}: {ours[0]:.1f} / {ours[1]:.1f} ms "
                f"(bare SQL {sql_only[0]:.1f} / {sql_only[1]:.1f} ms)",
                flush=True,
            )
            figures.append(
                Figure(
                    f"inbox {name} ({rows} rows) p50/p99",
                    f"{ours[0]:.1f} / {ours[1]:.1f} ms",
                    f"bare SQL {sql_only[0]:.1f} / {sql_only[1]:.1f} ms",
                    f"p99 < {TARGET_MS:.0f} ms",
                    met,
                )
            )
        for name, query in (
            ("counts (open cases)", InboxQuery()),
            ("counts (all cases)", InboxQuery(status=StatusFilter.ALL)),
        ):

            def counts(query: InboxQuery = query) -> object:
                result = inbox_counts(query, worker)
                db.session.rollback()
                return result

            p50, p99 = percentiles(measure(counts, rounds=30))
            print(f"  {name}: {p50:.1f} / {p99:.1f} ms", flush=True)
            figures.append(
                Figure(f"inbox {name} p50/p99", f"{p50:.1f} / {p99:.1f} ms", "", "", None)
            )
        raw.close()
    return figures


def main() -> list[Figure]:
    """Run the inbox benchmark and print its table."""
    figures = run(reload="--reload" in sys.argv)
    print_table("Back office inbox (1,000,000 cases, PostgreSQL)", figures)
    return figures


if __name__ == "__main__":
    main()
