"""The workflow engine's cost per transition decision, next to SpiffWorkflow.

Both run the residence registration's review path: start review, request information,
the resident's reply, approval. amtsweg: `service.engine.decide` on a case snapshot whose
history grows as in production. SpiffWorkflow: the equivalent BPMN process
(bench/residence_registration.bpmn), parsed once; per case a workflow instance, and per
step the ready user task found by name, its lane (role) checked, run, engine steps done.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.common import Figure, micro, per_call, print_table

ROOT = Path(__file__).resolve().parent.parent
BPMN = Path(__file__).with_name("residence_registration.bpmn")
PATH = ("start_review", "request_information", "provide_information", "approve")
ROLE = {
    "start_review": "case_worker",
    "request_information": "case_worker",
    "provide_information": "applicant",
    "approve": "registration_officer",
}


def measure() -> list[Figure]:
    """Return the cost per decision of both engines."""
    from service import engine
    from service.definitions.services import load_definitions

    registry, problems = load_definitions(str(ROOT))
    assert not problems, problems
    workflow = registry.service("residence_registration").workflow
    worker = engine.Actor(id="7", kind="user", roles=frozenset({"case_worker"}), label="W")
    officer = engine.Actor(
        id="8", kind="user", roles=frozenset({"registration_officer"}), label="O"
    )
    resident = engine.Actor(id="1", kind="user", label="R")
    actors = {"case_worker": worker, "registration_officer": officer, "applicant": resident}
    inputs = {"request_information": {"message": "Please send the landlord's confirmation."}}
    t0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

    def run_amtsweg() -> None:
        start = engine.start_case(workflow, t0)
        state, history = (
            start.to_state,
            [engine.HistoryEntry(engine.SUBMIT, "1", t0, "", start.to_state)],
        )
        due, paused = start.due_at, None
        for i, name in enumerate(PATH):
            now = t0 + timedelta(hours=i + 1)
            snap = engine.CaseSnapshot(
                state=state, applicant_id="1", data={}, history=tuple(history),
                due_at=due, clock_paused_at=paused,
            )  # fmt: skip
            actor = actors[ROLE[name]]
            decision = engine.decide(workflow, snap, name, actor, inputs.get(name, {}), now)
            history.append(engine.HistoryEntry(name, actor.id, now, state, decision.to_state))
            state, due, paused = decision.to_state, decision.due_at, decision.clock_paused_at
        assert state == "approved"

    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.parser import BpmnParser
    from SpiffWorkflow.util.task import TaskState

    parser = BpmnParser()
    parser.add_bpmn_file(str(BPMN))
    spec = parser.get_spec("residence_registration")

    def run_spiff() -> None:
        wf = BpmnWorkflow(spec)
        wf.do_engine_steps()
        for name in PATH:
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            task = next(t for t in ready if t.task_spec.bpmn_name == name)
            if task.task_spec.lane != ROLE[name]:
                raise PermissionError(name)
            task.data.update(inputs.get(name, {}))
            if name == "approve":
                task.data["outcome"] = "approve"
            task.run()
            wf.do_engine_steps()
        assert wf.is_completed()

    ours = per_call(run_amtsweg) / len(PATH)
    spiff = per_call(run_spiff) / len(PATH)
    ratio = spiff / ours
    return [
        Figure(
            "engine: cost per transition decision",
            micro(ours),
            f"SpiffWorkflow {micro(spiff)} ({ratio:.0f}x)",
            ">= 10x cheaper",
            ratio >= 10,
        )
    ]


def main() -> list[Figure]:
    """Measure and print the engine figures."""
    figures = measure()
    print_table("Workflow engine", figures)
    return figures


if __name__ == "__main__":
    main()
