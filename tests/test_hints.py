"""Hints that fix the mistake where it is: each fixture under tests/fixtures/hints/ is the
`recast-lint new` helloworld (or a small analysis) with one planted mistake, and the test asserts
the one diagnostic it gets: its code, file, line, severity and the text of its hint."""

from __future__ import annotations

from typing import List, Tuple

from click.testing import CliRunner

from recast_lint.cli import main
from recast_lint.diagnostics import Diagnostic
from tests.helpers import FIXTURES, run

HINTS = FIXTURES / "hints"


def found(case: str) -> List[Tuple[str, str, int, str]]:
    """(code, file, line, severity) of every diagnostic of the case."""
    return [(d.code, d.path, d.span.line, d.severity.value) for d in run(HINTS / case)]


def one(case: str) -> Diagnostic:
    diagnostics = run(HINTS / case)
    assert len(diagnostics) == 1, [(d.code, d.path, d.span.line, d.message) for d in diagnostics]
    return diagnostics[0]


def exit_code(case: str) -> int:
    return CliRunner().invoke(main, ["check", "--format", "concise", str(HINTS / case)]).exit_code


# -- YAML that does not say what was meant -------------------------------------------------------


def test_an_unquoted_workdir_path_says_quote_it_at_the_workflow_line() -> None:
    assert found("unquoted-workdir-path") == [("RL101", "specs/workflow.yml", 9, "error")]
    assert one("unquoted-workdir-path").hint == "quote it: `outputfile: '{workdir}/hello_world.txt'`"
    assert exit_code("unquoted-workdir-path") == 1


def test_an_unquoted_workdir_alone_is_an_error_at_the_workflow_line_not_an_info_at_the_step() -> None:
    """`{workdir}` alone is valid YAML, a mapping, which any parameter may be: the step then got
    `{'workdir': None}` and the run wrote no result (RL206's documentation), with exit 0."""
    assert found("unquoted-workdir") == [("RL206", "specs/workflow.yml", 9, "error")]
    assert one("unquoted-workdir").hint == "quote it: '{workdir}'"
    assert exit_code("unquoted-workdir") == 1
