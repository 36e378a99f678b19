"""Drop three indexes no query needs (ix_cases_applicant_id, ix_audit_events_case_id, ix_outbox_case_id)

Revision ID: 4f6a9c2d8e15
Revises: 3e7b1d9c4a52
Create Date: 2026-11-30 05:25:00

Every submission writes its case, first audit event and outbox rows into each index of
those tables; these three cost a b-tree write each (on SQLite a page in the WAL at every
commit) and answer nothing another index does not. What reads each table, by column
(`grep` over service/ and bench/; there is no raw SQL):

- `ix_cases_applicant_id (applicant_id)`: the cases of an applicant are read by
  `cases.store.find_by_idempotency_key` (`applicant_id = ? AND idempotency_key = ?`),
  `portal.my_cases.cases_of` (`applicant_id = ? ORDER BY submitted_at DESC, id DESC`) and
  `privacy.services.export_for` (`applicant_id = ? ORDER BY id`); the foreign key to
  `users` is checked by applicant when a user row goes. All of these are answered by the
  unique `uq_cases_applicant_id (applicant_id, idempotency_key)`, whose leading column is
  the same. The one difference: SQLite's single-column index keeps the rowid in order,
  so the data export now sorts one resident's cases in memory instead of reading them in
  order (a handful of rows, once per export).
- `ix_audit_events_case_id (case_id)`: every read of a case's events filters on
  `case_id = ?` or `case_id IN (...)` and orders by `seq` or asks for one `seq`
  (`cases.events`, `cases.services.history`, `cases.decisions`, `cases.verification`,
  `audit.services`, `audit.rechain`, `backoffice.timeline`, `backoffice.file_inputs`,
  `documents.services`, `portal.my_cases`, `privacy.services`): the unique
  `uq_audit_events_case_id (case_id, seq)` answers each of them, in the order asked. The
  reads over all events (`audit.verify`, the rechain's distinct case ids) scan anyway.
- `ix_outbox_case_id (case_id)`: no query reads the outbox by case. Items are found by
  key (`uq_outbox_key`), due items by `ix_outbox_due (status, available_at)`, claimed
  ones by id, the metrics count by kind and status. The column's foreign key would use
  it only when a case row is deleted, and cases are never deleted (retention anonymises
  them in place); a feature deleting cases would want it back.

The other indexes a submission writes are each used: `cases` by reference (unique),
inbox and API listings (`ix_cases_inbox`, `ix_cases_submitted`, `ix_cases_updated_at`
for the changes feed, `ix_cases_service_key`, `ix_cases_assignee_id` and the back
office's partial indexes over open cases), the outbox by `ix_outbox_due` and its key.
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "4f6a9c2d8e15"
down_revision = "3e7b1d9c4a52"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_applicant_id")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_case_id")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_case_id")


def downgrade():
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_case_id", ["case_id"], unique=False)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_case_id", ["case_id"], unique=False)
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_applicant_id", ["applicant_id"], unique=False)
