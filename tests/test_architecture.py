"""The import contracts are live: a copy of the code with one wrong import fails lint-imports.

`make lint` runs lint-imports on the real code; these tests prove each contract would
catch a break, so a contract that silently matches nothing cannot pass for a kept one.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def _lint_copy(tmp_path: Path, module: str, wrong_import: str) -> subprocess.CompletedProcess[str]:
    """Copy service/ and pyproject.toml, add `wrong_import` to `module`, run lint-imports."""
    shutil.copytree(ROOT / "service", tmp_path / "service", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    path = tmp_path / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = tmp_path / module.replace(".", "/") / "__init__.py"
    path.write_text(path.read_text() + f"\n{wrong_import}  # deliberately wrong\n")
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize(
    ("module", "wrong_import", "contract"),
    [
        ("service.engine.services", "import flask", "The engine imports nothing"),
        ("service.engine.types", "import service.cases.models", "The engine imports nothing"),
        ("service.forms.services", "import service.cases.models", "Definitions, rules and forms"),
        ("service.rules.services", "import service.portal.views", "Definitions, rules and forms"),
        ("service.cases.services", "import service.webhooks.services", "Cases import no face"),
        ("service.cases.models", "import service.api.views", "Cases import no face"),
        ("service.jobs.celery", "import service.backoffice.services", "Effects (jobs"),
        ("service.webhooks.services", "import service.api.auth", "Effects (jobs"),
        ("service.backoffice.casefile", "import service.portal.views", "The faces"),
        ("service.api.services", "import service.backoffice.services", "The faces"),
        ("service.privacy.services", "import service.portal.services", "Shared parts"),
        ("service.credentials.models", "import service.api.auth", "Shared parts"),
        ("service.cli", "from service import create_app", "The commands do not import"),
        ("service.credentials.services", "import service.credentials.views", "No import cycle"),
        ("service.definitions.types", "import service.definitions.scope", "No import cycle"),
        ("service.audit.services", "import service.audit.views", "No import cycle"),
        ("service.portal.views", "import service.portal.app", "No import cycle"),
        ("service.cases.computed", "import service.cases.case_view", "No import cycle"),
        # Every package is covered (`service.*`), not only those named once.
        ("service.auth.sessions", "import service.auth.accounts", "No import cycle"),
        ("service.backoffice.access", "import service.backoffice.inbox", "No import cycle"),
    ],
)
def test_a_wrong_import_breaks_its_contract(
    tmp_path: Path, module: str, wrong_import: str, contract: str
) -> None:
    result = _lint_copy(tmp_path, module, wrong_import)
    assert result.returncode == 1, result.stdout + result.stderr
    # One wrong import can break more than one contract (through indirect imports).
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(line.startswith(contract) for line in broken), result.stdout


def _budget_copy(tmp_path: Path) -> Path:
    for folder in ("service", ".ci"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _budget(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(root / ".ci" / "budget.py")], capture_output=True, text=True
    )


def test_the_complexity_budget_holds_today(tmp_path: Path) -> None:
    result = _budget(_budget_copy(tmp_path))
    assert result.returncode == 0, result.stderr


def test_a_new_long_module_or_complex_function_breaks_the_budget(tmp_path: Path) -> None:
    root = _budget_copy(tmp_path)
    (root / "service" / "long.py").write_text("x = 1\n" * 401)
    branches = "".join(f"    if x == {n}:\n        return {n}\n" for n in range(25))
    (root / "service" / "tangled.py").write_text(f"def tangled(x):\n{branches}    return 0\n")
    result = _budget(root)
    assert result.returncode == 1
    assert "service/long.py: 401 lines (budget 400)" in result.stderr
    assert "service/tangled.py:tangled: complexity D 26 (budget C)" in result.stderr


def test_a_known_offender_may_not_grow(tmp_path: Path) -> None:
    root = _budget_copy(tmp_path)
    # A module on the debt list with its figure (the real list only shrinks, so the test
    # brings its own offender rather than naming one that may be split tomorrow).
    config = root / "pyproject.toml"
    config.write_text(
        config.read_text().replace(
            "[tool.amtsweg.budget.modules]\n",
            '[tool.amtsweg.budget.modules]\n"service/old.py" = 450\n',
        )
    )
    module = root / "service" / "old.py"
    module.write_text("x = 1\n" * 450)
    assert _budget(root).returncode == 0
    module.write_text("x = 1\n" * 460)
    result = _budget(root)
    assert result.returncode == 1
    assert "service/old.py: 460 lines, more than the 450 it had: split it" in result.stderr


# --- the one error map: faces never catch a typed error by hand ---------------------------

FACES = ("portal", "backoffice", "api")


def _error_map_classes() -> tuple[type[BaseException], ...]:
    """Return the typed errors `service.errors` answers: AppErrors and adapted types."""
    import importlib
    import pkgutil

    from service import errors

    for face in FACES:  # importing the faces registers every adapter they can meet
        package = importlib.import_module(f"service.{face}")
        for info in pkgutil.walk_packages(package.__path__, f"service.{face}."):
            importlib.import_module(info.name)
    return (errors.AppError, *errors._ADAPTERS)


def _resolve(node: ast.expr, namespace: dict[str, Any]) -> list[Any]:
    if isinstance(node, ast.Tuple):
        return [cls for elt in node.elts for cls in _resolve(elt, namespace)]
    if isinstance(node, ast.Name):
        return [namespace.get(node.id)]
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, namespace)
        return [getattr(owner[0], node.attr, None)] if owner else []
    return []


def hand_catches(
    source: str, namespace: dict[str, Any], mapped: tuple[type[BaseException], ...]
) -> list[tuple[str, int]]:
    """Return (function, line) of each `except` of a mapped error that does not re-raise it.

    A handler whose last statement is a bare `raise` only looks at the error on its way to
    the error map (e.g. to answer an idempotent replay first), so it does not count.
    """
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = function
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = child.name
            if isinstance(child, ast.ExceptHandler) and child.type is not None:
                caught = [c for c in _resolve(child.type, namespace) if isinstance(c, type)]
                passes_on = isinstance(child.body[-1], ast.Raise) and child.body[-1].exc is None
                if not passes_on and any(issubclass(c, mapped) for c in caught):
                    found.append((name, child.lineno))
            visit(child, name)

    visit(ast.parse(source), "<module>")
    return found


def test_no_face_catches_a_typed_error_by_hand() -> None:
    import importlib

    mapped = _error_map_classes()
    where: list[str] = []
    read: dict[str, int] = {}
    for face in FACES:
        for path in sorted((ROOT / "service" / face).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            module = importlib.import_module(
                rel[: -len(".py")].replace("/", ".").removesuffix(".__init__")
            )
            read[face] = read.get(face, 0) + 1
            for function, line in hand_catches(path.read_text(), vars(module), mapped):
                where.append(f"{rel}:{line} in {function}")
    assert set(read) == set(FACES), read  # every face's modules were read
    assert not where, (
        "Raise typed errors and let service.errors (or a blueprint error handler) answer "
        f"them, or return a result where a refusal is data; caught by hand: {where}"
    )


def test_the_hand_catch_check_sees_a_catch_and_lets_a_re_raise_pass() -> None:
    from service.cases import errors
    from service.engine.errors import InputsInvalid
    from service.forms.errors import ValidationFailed

    namespace = {
        "ValidationFailed": ValidationFailed,
        "errors": errors,
        "InputsInvalid": InputsInvalid,
    }
    source = (
        "def view():\n"
        "    try:\n        work()\n"
        "    except (KeyError, ValidationFailed) as exc:\n        return str(exc)\n"
        "    try:\n        work()\n"
        "    except errors.StaleCase:\n        return None\n"
        "    try:\n        work()\n"
        "    except InputsInvalid:\n        log()\n        raise\n"
        "    try:\n        work()\n"
        "    except ValueError:\n        return None\n"
    )
    # The first two are answered by hand; the re-raise and the ValueError are not mapped.
    assert hand_catches(source, namespace, _error_map_classes()) == [("view", 4), ("view", 8)]
