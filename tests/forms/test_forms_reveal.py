"""The questions-that-appear script (static/reveal.js) decides as the server does.

The script runs under Node on thousands of random answer sets; for each, the server loads
the same post and says which questions of the page are hidden. They must agree exactly.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from service.definitions.services import load_definitions
from service.definitions.types import FieldDefinition, FormDefinition
from service.forms.answers import load_answers
from service.forms.posts import parse_post
from service.forms.reveal import page_spec, to_script
from service.forms.schema import compile_form
from service.rules.services import compile_expression

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "service" / "static" / "reveal.js"
RUNNER = Path(__file__).with_name("reveal_runner.js")
FROZEN = "2026-03-02 09:00:00"
ROUNDS = 2000


def _forms() -> dict[str, FormDefinition]:
    registry, problems = load_definitions(str(ROOT))
    assert not problems
    return {key: registry.form(key) for key in registry.current_forms}


def _run_script(cases: list[dict[str, Any]]) -> list[list[str]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the browser script's checks")
    done = subprocess.run(
        [node, str(RUNNER), str(SCRIPT)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return json.loads(done.stdout)


DATES = ["", "1", "2", "3", "15", "29", "31", "12", "13", "x", "02", "0"]
YEARS = ["", "1990", "2008", "2009", "2020", "2026", "2027", "0", "20", "abcd", "12026"]


def _random_value(
    rng: random.Random, f: FieldDefinition, name: str, post: dict[str, list[str]]
) -> None:
    kind = f.type
    if kind == "date" and rng.random() < 0.3:  # around an 18th birthday (age limits)
        post[f"{name}-day"] = [rng.choice(["1", "2", "3"])]
        post[f"{name}-month"] = ["3"]
        post[f"{name}-year"] = [rng.choice(["2007", "2008", "2009"])]
        return
    if kind == "date":
        for part, choices in (("day", DATES), ("month", DATES), ("year", YEARS)):
            post[f"{name}-{part}"] = [rng.choice(choices)]
        return
    options = [o.value for o in f.options]
    if kind == "checkboxes":
        post[name] = rng.sample([*options, "junk", " "], rng.randint(0, min(3, len(options) + 2)))
        return
    pool = {
        "yesno": ["yes", "no", "ja", " Nein ", "", "vielleicht", "1", "0"],
        "select": [*options, "", "junk", f" {options[0]} " if options else "x"],
        "radio": [*options, "", "junk"],
        "country": ["DE", "at", "", "XX", "FR"],
    }.get(kind, ["", "a", "Müller", "x" * 200, "  "])
    if rng.random() < 0.15:
        return  # not sent at all
    post[name] = [rng.choice(pool)]


def _random_post(rng: random.Random, form: FormDefinition, page_key: str) -> dict[str, list[str]]:
    page = next(p for p in form.pages if p.key == page_key)
    post: dict[str, list[str]] = {}
    for key in page.fields:
        f = form.field(key)
        if f.type == "group":
            for index in range(rng.randint(1, 3)):
                for sub in f.fields:
                    if sub.type != "file":
                        _random_value(rng, sub, f"{key}-{index}-{sub.key}", post)
                # never wholly empty: the server drops such items and renumbers the rest
                first_text = next(s for s in f.fields if s.type == "text")
                post[f"{key}-{index}-{first_text.key}"] = ["Name"]
        elif f.type != "file":
            _random_value(rng, f, key, post)
    return post


def _server_hidden(
    compiled, form: FormDefinition, page_key: str, data: dict[str, Any]
) -> list[str]:
    answers = load_answers(compiled, data, "de")
    page = next(p for p in form.pages if p.key == page_key)
    hidden = [k for k in page.fields if k in answers.hidden]
    for key in page.fields:
        for index, item in enumerate(answers.items.get(key, ())):
            if key not in answers.hidden:
                hidden.extend(f"{key}[{index}].{name}" for name in item.hidden)
    return sorted(hidden)


@pytest.mark.parametrize("form_key", ["residence_registration", "parking_permit", "dog_tax"])
def test_script_and_server_agree_on_random_answers(form_key):
    form = _forms()[form_key]
    compiled = compile_form(form)
    rng = random.Random(f"reveal-{form_key}")
    pages = [p.key for p in form.pages if any(form.field(k).type != "file" for k in p.fields)]
    cases, expected = [], []
    with freeze_time(FROZEN):
        conditional = [
            p for p in pages if page_spec(compiled, p, load_answers(compiled, {}, "de"), "de")
        ]
        for _ in range(ROUNDS):
            page_key = rng.choice(conditional)
            before: dict[str, Any] = {}
            for other in pages:
                if other != page_key:
                    before.update(parse_post(form, other, _random_post(rng, form, other)))
            spec = page_spec(compiled, page_key, load_answers(compiled, before, "de"), "de")
            assert spec is not None
            post = _random_post(rng, form, page_key)
            data = {**before, **parse_post(form, page_key, post)}
            cases.append({"spec": spec, "answers": post})
            expected.append(_server_hidden(compiled, form, page_key, data))
        got = _run_script(cases)
    assert len(cases) == ROUNDS
    mismatches = [
        (c["answers"], e, g) for c, e, g in zip(cases, expected, got, strict=True) if e != g
    ]
    assert not mismatches, f"{len(mismatches)} of {len(cases)} differ; first: {mismatches[0]}"
    hidden_counts = {len(e) for e in expected}
    assert len(hidden_counts) > 1, "the random answers never changed what is shown"


def test_every_condition_of_the_shipped_forms_runs_in_the_browser():
    for form in _forms().values():
        compiled = compile_form(form)
        conditions = [c.condition for c in compiled.field_conditions if c.condition is not None]
        for group in compiled.fields:
            conditions += [c.condition for c in group.item_conditions if c.condition is not None]
        for condition in conditions:
            assert to_script(condition), condition.source


@pytest.mark.parametrize(
    ("source", "answers", "shown"),
    [
        ('kind == "a" || other == "b"', {"kind": ["a"]}, True),
        ('kind in ["a", "b"]', {}, False),
        ("flag == false", {"flag": ["no"]}, True),
        ("flag == false", {}, False),  # null is not false
        ("!flag", {}, False),  # an error hides
        ("age(born) < 18", {"born-day": ["1"], "born-month": ["1"], "born-year": ["2015"]}, True),
        ("age(born) < 18", {"born-day": ["31"], "born-month": ["2"], "born-year": ["2015"]}, False),
        ("1 + 2.5 == 3.5", {}, False),  # int + double is an error in CEL
        ("size(kind) == 3", {"kind": ["äb"]}, True),  # bytes, as the interpreter counts
    ],
)
def test_script_follows_cel_rules(make_form, source, answers, shown):
    from forms_helpers import field, text

    from service.definitions.types import Option

    options = tuple(Option(v, text(v)) for v in ("a", "b", "äb"))
    form = make_form(
        field("kind", "select", options=options),
        field("other", "select", options=options),
        field("flag", "yesno"),
        field("born", "date"),
        field("shown", visible_if=source),
    )
    compile_expression(source)
    compiled = compile_form(form)
    with freeze_time(FROZEN):
        spec = page_spec(compiled, "main", load_answers(compiled, {}, "de"), "de")
        hidden = _run_script([{"spec": spec, "answers": answers}])[0]
    assert ("shown" not in hidden) is shown
