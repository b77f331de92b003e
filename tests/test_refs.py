"""RL3xx: `$ref`s resolved the way the runtime resolves them, reported at the `$ref` line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from recast_lint.diagnostics import Severity
from tests.helpers import FIXTURES, only, run, where

REFS = FIXTURES / "refs"


def _case(name: str) -> list:
    return run(REFS / name, cwd=REFS / name)


@pytest.mark.parametrize(
    "case,code,path,line,column",
    [
        ("missing-file", "RL301", "specs/workflow.yml", 8, 20),
        ("toplevel-relative", "RL301", "specs/wf/workflow.yml", 8, 20),
        ("missing-fragment", "RL302", "specs/workflow.yml", 8, 20),
        ("outside", "RL303", "specs/workflow.yml", 8, 20),
        ("outside-toplevel", "RL303", "recast.yml", 5, 13),
        ("loop", "RL304", "specs/workflow.yml", 14, 24),
        ("loop", "RL304", "specs/b.yml", 1, 7),
        ("siblings", "RL306", "specs/workflow.yml", 8, 40),
        ("remote", "RL305", "recast.yml", 5, 13),
        ("missing-workflow", "RL307", "recast.yml", 5, 13),
        ("home", "RL308", "specs/workflow.yml", 8, 20),
    ],
)
def test_reference_problem_is_located(case: str, code: str, path: str, line: int, column: int) -> None:
    assert (path, line, column) in where(_case(case), code)


def test_missing_file_suggests_the_file_that_exists() -> None:
    assert only(_case("missing-file"), "RL301").hint.startswith("did you mean 'steps.yml'?")


def test_ref_relative_to_the_file_instead_of_the_toplevel_gets_the_right_path() -> None:
    hint = only(_case("toplevel-relative"), "RL301").hint
    assert "resolve against the toplevel (specs/)" in hint and "write 'wf/steps.yml'" in hint


def test_fragment_with_or_without_slash_is_the_same_pointer() -> None:
    # `steps.yml#hello_world` (no slash) is what the real helloworld template writes
    assert [d for d in run(FIXTURES / "helloworld-bugs") if d.code == "RL302"] == []
    assert only(_case("missing-fragment"), "RL302").hint.startswith("did you mean 'hello'?")


def test_nothing_outside_the_analysis_is_read() -> None:
    diagnostics = _case("outside")
    assert all(not d.path.startswith("..") for d in diagnostics)


def test_remote_toplevel_is_an_info_and_the_run_is_clean() -> None:
    diagnostics = _case("remote")
    assert [d.severity for d in diagnostics] == [Severity.INFO]


def test_missing_workflow_suggests_the_existing_name() -> None:
    assert only(_case("missing-workflow"), "RL307").hint.startswith("did you mean 'workflow.yml'?")


def test_symbolic_links_to_nothing_are_reported_not_crashes(tmp_path: Path) -> None:
    # Path.resolve() raises on a loop (RuntimeError before Python 3.13)
    analysis = tmp_path / "analysis"
    shutil.copytree(FIXTURES / "helloworld", analysis)
    for name in ("workflow.yml", "steps.yml"):
        (analysis / "specs" / name).unlink()
        (analysis / "specs" / name).symlink_to(name)  # itself
    found = [(d.code, d.path, d.span.line) for d in run(analysis)]
    assert ("RL307", "recast.yml", 6) in found
    assert "symbolic link to nothing" in only(run(analysis), "RL307").message
    loose = tmp_path / "loose.yml"
    loose.symlink_to("loose.yml")
    assert [d.code for d in run(tmp_path)] == ["RL307", "RL301", "RL101"]


def test_sub_workflows_nested_past_the_limit_are_not_followed() -> None:
    # each level of nesting is a level of recursion in the model builder
    found = [(d.code, d.path, d.span.line) for d in run(FIXTURES / "refs" / "nested-too-deep")]
    assert found == [("RL304", "specs/subs.yml", 505)]  # the `$ref` of w62, the 64th workflow counting the top one


def test_names_too_long_for_the_file_system_are_missing_files_not_crashes() -> None:
    assert [(d.code, d.span.line) for d in run(FIXTURES / "refs" / "name-too-long")] == [("RL307", 7), ("RL301", 17)]


def test_a_file_found_inside_that_links_outside_is_not_read(tmp_path: Path) -> None:
    analysis = tmp_path / "analysis"
    shutil.copytree(FIXTURES / "helloworld", analysis)
    outside = tmp_path / "secret.yaml"
    outside.write_text("workflow: {type: yadage, file: ../elsewhere.yml}\n", encoding="utf-8")
    (analysis / "reana.yaml").symlink_to(outside)
    diagnostic = only(run(analysis), "RL101")
    assert (diagnostic.path, diagnostic.message) == ("reana.yaml", f"a symbolic link to {outside}, outside the analysis, which is not read")


def test_the_file_holding_a_missing_ref_is_not_offered_as_its_target() -> None:
    diagnostic = only(run(FIXTURES / "refs" / "own-file-not-a-candidate" / "wf.yml"), "RL301")
    assert diagnostic.hint == "write the path relative to the analysis root, or add the file"
