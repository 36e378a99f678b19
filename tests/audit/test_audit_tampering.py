"""Every way an insider could rewrite history, each caught by `audit verify` with a witness.

Each test seals a checkpoint, keeps it as a witness would (a file), tampers with the
database directly (as someone with its password would), and runs the command.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from audit_support import seal
from sqlalchemy import delete, select, update

from service.audit.models import LogLeaf
from service.cases.models import AuditEvent, Case
from service.extensions import db


def verify(app: Any, *checkpoints: Path) -> tuple[int, str]:
    args = ["audit", "verify"]
    for path in checkpoints:
        args += ["--checkpoint", str(path)]
    result = app.test_cli_runner().invoke(args=args)
    return result.exit_code, result.output


def kept_by_witness(tmp_path: Path, name: str = "witness.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(seal()), encoding="utf-8")
    return path


def test_an_untouched_log_verifies_against_the_witness(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    rejected_case()
    witness = kept_by_witness(tmp_path)
    code, output = verify(app, witness)
    assert code == 0, output
    assert "intact" in output


def test_a_changed_decision_role_is_named_by_case_and_event(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    """The role a transition was fired in is printed on notices: rewriting it is caught."""
    case = rejected_case()
    event = db.session.scalars(
        select(AuditEvent).where(
            AuditEvent.case_id == case.id, AuditEvent.transition == "request_information"
        )
    ).one()
    assert event.actor_role is not None
    witness = kept_by_witness(tmp_path)
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == event.id).values(actor_role="admin")
    )
    db.session.commit()
    code, output = verify(app, witness)
    assert code == 1
    assert f"{case.reference}: event {event.seq} was changed after it was written" in output


def test_a_changed_field_is_named_by_case_and_event(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    case = rejected_case()
    witness = kept_by_witness(tmp_path)
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.case_id == case.id, AuditEvent.seq == 3)
        .values(to_state="approved")
    )
    db.session.commit()
    code, output = verify(app, witness)
    assert code == 1
    assert f"{case.reference}: event 3 was changed after it was written" in output


def test_the_newest_event_deleted_and_the_head_rolled_back_is_named(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    case = rejected_case()
    witness = kept_by_witness(tmp_path)
    previous = db.session.scalar(
        select(AuditEvent.hash).where(AuditEvent.case_id == case.id, AuditEvent.seq == 2)
    )
    db.session.execute(delete(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.seq == 3))
    db.session.execute(
        update(Case).where(Case.id == case.id).values(audit_head=previous, state="in_review")
    )
    db.session.commit()
    # The case's own chain now looks whole: only the log remembers the event.
    code, output = verify(app, witness)
    assert code == 1
    assert f"({case.reference} event 3): the event is missing from the audit trail" in output


def test_a_whole_case_deleted_is_named(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    kept = rejected_case()
    gone = rejected_case("Max Muster")
    witness = kept_by_witness(tmp_path)
    # Everything that points at the case goes with it (PostgreSQL enforces the keys).
    for table in reversed(db.metadata.sorted_tables):
        for column in table.columns:
            if any(fk.column.table.name == "cases" for fk in column.foreign_keys):
                db.session.execute(delete(table).where(column == gone.id))
    db.session.execute(delete(Case).where(Case.id == gone.id))
    db.session.commit()
    code, output = verify(app, witness)
    assert code == 1
    for seq in (1, 2, 3):
        assert f"({gone.reference} event {seq}): the case is missing from the database" in output
    assert kept.reference not in output


def test_a_hash_recomputed_without_the_key_is_named(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    case = rejected_case()
    witness = kept_by_witness(tmp_path)
    # Change the approver and recompute the hash the way the old, unkeyed chain did,
    # then repair the next link and the head: all consistent, but not under the key.
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.seq == 3)
    )
    assert event is not None
    body = {**event.content(), "actor_id": "mallory"}
    forged = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    db.session.execute(
        update(AuditEvent).where(AuditEvent.id == event.id).values(actor_id="mallory", hash=forged)
    )
    db.session.execute(update(Case).where(Case.id == case.id).values(audit_head=forged))
    db.session.commit()
    code, output = verify(app, witness)
    assert code == 1
    assert f"{case.reference}: event 3 was changed after it was written" in output


def test_a_rewrite_with_the_stolen_key_is_caught_by_the_witness_checkpoint(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    case = rejected_case()
    witness = kept_by_witness(tmp_path)
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.case_id == case.id, AuditEvent.seq == 3)
    )
    assert event is not None
    db.session.expunge(event)
    event.actor_id = "mallory"
    rehashed = event.compute_hash()  # the insider holds the key too
    db.session.execute(
        update(AuditEvent)
        .where(AuditEvent.id == event.id)
        .values(actor_id="mallory", hash=rehashed)
    )
    db.session.execute(update(Case).where(Case.id == case.id).values(audit_head=rehashed))
    db.session.commit()
    code, output = verify(app, witness)
    assert code == 1
    assert f"log leaf 2 ({case.reference} event 3): does not match" in output
    assert "witness's checkpoint" in output and "no longer have its root hash" in output


def test_reordered_leaves_are_named(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    first = rejected_case()
    second = rejected_case("Max Muster")
    witness = kept_by_witness(tmp_path)
    # Swap the positions of leaves 1 (first case, event 2) and 4 (second case, event 2).
    db.session.execute(update(LogLeaf).where(LogLeaf.leaf_index == 1).values(leaf_index=-1))
    db.session.execute(update(LogLeaf).where(LogLeaf.leaf_index == 4).values(leaf_index=1))
    db.session.execute(update(LogLeaf).where(LogLeaf.leaf_index == -1).values(leaf_index=4))
    db.session.commit()
    code, output = verify(app, witness)
    assert code == 1
    assert f"log leaf 1 ({second.reference} event 2): does not match" in output
    assert f"log leaf 4 ({first.reference} event 2): does not match" in output
    assert f"{second.reference}: event 2 comes after event 3 in the log" not in output
    assert "no longer have its root hash" in output


def backup() -> dict[str, list[dict[str, Any]]]:
    """Dump every table's rows (a logical backup, like pg_dump)."""
    return {
        table.name: [dict(row._mapping) for row in db.session.execute(table.select())]
        for table in db.metadata.sorted_tables
    }


def restore(dump: dict[str, list[dict[str, Any]]]) -> None:
    """Put the backup back over the newer data."""
    for table in reversed(db.metadata.sorted_tables):
        db.session.execute(table.delete())
    for table in db.metadata.sorted_tables:
        if dump[table.name]:
            db.session.execute(table.insert(), dump[table.name])
    db.session.commit()


def test_an_older_backup_restored_over_newer_data_is_caught(
    app: Any, tmp_path: Path, rejected_case: Callable[..., Any]
) -> None:
    rejected_case()
    seal()
    dump = backup()
    later = rejected_case("Max Muster").reference
    witness = kept_by_witness(tmp_path)  # the witness saw the newer log
    restore(dump)
    code, output = verify(app, witness)
    assert code == 1
    assert "the log has only 3 leaves; leaves 3 to 5 were removed" in output
    assert later not in output  # the restored database no longer knows that case
