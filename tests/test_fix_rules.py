"""Each rule's fix, case by case: `tests/fixtures/fix/<CODE>[-case]/before/` is an analysis with the
mistake, `after/` the same analysis as `check --fix --unsafe-fixes` must leave it, byte for byte.

A rule says in the registry whether it fixes and how safely (`@rule(..., fix=Applicability.SAFE)`);
these tests hold it to that: a rule that declares a fix has a case here that produces it, and no
rule emits a fix of another applicability than it declares.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Dict, List

import pytest
from click.testing import CliRunner

from recast_lint.cli import main
from recast_lint.diagnostics import Diagnostic
from recast_lint.lint import lint
from recast_lint.rules.registry import all_rules
from tests.helpers import FIXTURES

CASES = sorted(p for p in (FIXTURES / "fix").iterdir() if (p / "before").is_dir())
DECLARED = {r.code: r.fix for r in all_rules()}


def _code(case: Path) -> str:
    return case.name.split("-")[0]


def tree(root: Path) -> Dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def check(directory: Path, *args: str) -> str:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        result = CliRunner().invoke(main, ["check", *args], prog_name="recast-lint")
    finally:
        os.chdir(previous)
    assert result.exit_code in (0, 1), result.output
    return result.output


def offered(diagnostics: List[Diagnostic], code: str) -> List[Diagnostic]:
    return [d for d in diagnostics if d.code == code and d.fix is not None]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_fix_turns_before_into_after(case: Path, tmp_path: Path) -> None:
    code = _code(case)
    work = tmp_path / "analysis"
    shutil.copytree(case / "before", work)
    found = lint([work], cwd=work).diagnostics
    assert offered(found, code), f"{case.name}: no {code} fix offered in {[(d.code, d.message) for d in found]}"
    assert {d.fix.applicability for d in offered(found, code)} == {DECLARED[code]}  # type: ignore[union-attr]

    check(work, "--fix", "--unsafe-fixes")

    assert tree(work) == tree(case / "after")
    assert [d.message for d in lint([work], cwd=work).diagnostics if d.code == code] == []
    assert tree(work) == tree(case / "after")  # linting wrote nothing


def test_every_rule_that_declares_a_fix_has_a_case() -> None:
    assert sorted(code for code, fix in DECLARED.items() if fix) == sorted({_code(c) for c in CASES})


def test_no_fixture_diagnostic_carries_a_fix_its_rule_does_not_declare() -> None:
    roots = [FIXTURES] + [case / "before" for case in CASES]
    wrong = [
        (d.path, d.code, d.fix.applicability.value, DECLARED[d.code])
        for root in roots
        for d in lint([root], cwd=FIXTURES).diagnostics
        if d.fix is not None and d.fix.applicability is not DECLARED[d.code]
    ]
    assert wrong == []


def test_rules_and_explain_say_whether_and_how_safely_a_rule_fixes() -> None:
    runner = CliRunner()
    listing = {line.split()[0]: line for line in runner.invoke(main, ["rules"]).output.splitlines()}
    for code, fix in DECLARED.items():
        assert (f" {fix.value}-fix " in listing[code]) if fix else ("-fix " not in listing[code])
    assert "Fix: unsafe" in runner.invoke(main, ["explain", "RL401"]).output
    assert "Fix: safe" in runner.invoke(main, ["explain", "RL201"]).output
    assert "Fix: none" in runner.invoke(main, ["explain", "RL102"]).output
