"""The `check` command: what a PATH means, exit codes, output basics, and failures without tracebacks."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import pytest
from click.testing import CliRunner, Result

from recast_lint import lint as lint_module
from recast_lint.cli import main
from tests.helpers import FIXTURES

DISCOVERY = FIXTURES / "discovery"


@contextlib.contextmanager
def _inside(directory: Path) -> Iterator[None]:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        yield
    finally:
        os.chdir(previous)


def check(*args: str, cwd: Path = FIXTURES) -> Result:
    """`recast-lint check ARGS` run from ``cwd`` (paths in the output are relative to it)."""
    with _inside(cwd):
        return CliRunner().invoke(main, ["check", *args], prog_name="recast-lint")


def _json(result: Result) -> dict:
    return json.loads(result.output)


# -- exit codes --------------------------------------------------------------------------------


def test_clean_analysis_exits_0() -> None:
    result = check("helloworld")
    assert result.exit_code == 0, result.output
    assert "no problems found in 3 files" in result.output


def test_errors_exit_1() -> None:
    assert check("refs/missing-file").exit_code == 1


def test_warnings_alone_exit_0_and_1_with_strict() -> None:
    assert check("refs/siblings").exit_code == 0
    assert check("--strict", "refs/siblings").exit_code == 1


def test_missing_path_is_a_usage_error_on_one_line() -> None:
    result = check("no/such/analysis")
    assert result.exit_code == 2
    assert result.output.strip() == "recast-lint: error: path 'no/such/analysis' does not exist"


def test_usage_errors_are_one_line_naming_the_help() -> None:
    result = check("--formt", "json")
    assert result.exit_code == 2
    line, = result.output.strip().splitlines()  # click's own wording of the rest differs between versions
    assert line.startswith("recast-lint: error: no such option") and "--format" in line
    assert line.endswith("(see `recast-lint check --help`)")
    result = check("--format", "xml")
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1
    assert result.output.startswith("recast-lint: error: invalid value for '--format': 'xml' is not one of 'text'")


def test_conflicting_or_empty_selections_are_usage_errors() -> None:
    result = check("--statistics", "--format", "json", "helloworld")
    assert (result.exit_code, result.output.strip()) == (
        2, "recast-lint: error: --statistics prints a table instead of the report; give --format only with --output-file"
    )
    result = check("--select", "RL2", "--ignore", "RL2", "helloworld")
    assert (result.exit_code, result.output.strip()) == (2, "recast-lint: error: no rule is left to run; --select/--ignore exclude them all")


def test_output_file_dash_is_standard_output() -> None:
    result = check("--format", "json", "--output-file", "-", "refs/missing-file")
    assert _json(result)["summary"]["errors"] == 1
    assert not (FIXTURES / "-").exists()


def test_a_path_with_nothing_to_check_says_so_once(tmp_path: Path) -> None:
    """One true statement: no "no problems found in 1 file" below a warning that nothing was checked."""
    (tmp_path / "notes.yml").write_text("title: not a spec\n", encoding="utf-8")
    for path in (tmp_path, tmp_path / "notes.yml"):
        result = check(str(path))
        assert result.exit_code == 0
        assert result.output == (
            f"recast-lint: warning: nothing to check in {path}: 1 YAML file read, but no catalogue entry (`name`, `metadata`, `spec`), "
            "workflow (`stages:`), steps file or yadage reana.yaml\n"
        )
    empty = tmp_path / "empty"
    empty.mkdir()
    assert check(str(empty)).output.startswith(f"recast-lint: warning: nothing to check in {empty}: no catalogue entry")


def test_an_entry_under_another_name_is_linted_as_the_entry_recast_atlas_loads(tmp_path: Path) -> None:
    """recast-atlas loads every `*.yml` of the catalogue directory holding `name`, `metadata` and
    `spec`; linting that file said "nothing to check" and "no problems found in 1 file"."""
    shutil.copytree(FIXTURES / "catalogue" / "named-entry", tmp_path / "analysis")
    for path in ("analysis", "analysis/search.yml", "analysis/specs/steps.yml"):
        result = check("--format", "concise", str(tmp_path / path))
        assert result.exit_code == 1, result.output
        assert "search.yml:10:1: error RL602 `example_inputs` has no `default` example" in result.output
        assert "nothing to check" not in result.output


def test_a_refusal_of_the_system_is_one_line_naming_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", "/analysis/specs/workflow.yml")

    monkeypatch.setattr(lint_module, "build", refuse)
    result = check("helloworld")
    assert (result.exit_code, result.output.strip()) == (2, "recast-lint: error: permission denied: /analysis/specs/workflow.yml")


def test_internal_error_is_one_line_without_traceback_unless_debug(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(lint_module, "build", explode)
    result = check("helloworld")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "internal error" in result.output and "boom" in result.output


def test_a_crashing_rule_costs_its_own_findings_only(monkeypatch: pytest.MonkeyPatch) -> None:
    from recast_lint.rules.registry import RULES

    def explode(analysis: object) -> None:
        raise KeyError("boom")

    monkeypatch.setitem(RULES, "RL204", RULES["RL204"]._replace(check=explode))
    result = check("--format", "concise", "--debug", "refs/missing-file")
    assert result.exit_code == 2
    assert "refs/missing-file/specs/workflow.yml" in result.output and "RL301" in result.output  # the others still report
    assert "recast-lint: error: internal error: rule RL204 (wrong-type) crashed on" in result.output
    assert "KeyError: 'boom'" in result.output  # --debug shows the rule's own traceback


# -- what a PATH means -------------------------------------------------------------------------


def test_a_file_inside_an_analysis_lints_the_whole_analysis() -> None:
    result = check("--format", "json", "refs/missing-file/specs/steps.yml")
    paths = {d["path"] for d in _json(result)["diagnostics"]}
    assert "refs/missing-file/specs/workflow.yml" in paths


def test_a_directory_inside_an_analysis_lints_the_whole_analysis() -> None:
    result = check("--format", "json", "refs/missing-file/specs")
    assert [d["code"] for d in _json(result)["diagnostics"]] == ["RL301"]


def test_loose_directory_finds_workflows_and_reana_entry_points() -> None:
    result = check("--format", "json", "discovery/loose")
    found = [(d["path"], d["line"], d["code"]) for d in _json(result)["diagnostics"]]
    # the reana project's workflow refs resolve against the reana.yaml directory, so its step is reached and checked
    assert ("discovery/loose/project/workflow/steps.yml", 3, "RL201") in found
    assert not [f for f in found if f[2] in ("RL301", "RL302")]


def test_loose_workflow_file_uses_its_own_directory_as_toplevel_and_says_which_would_work() -> None:
    diagnostics = _json(check("--format", "json", "discovery/ancestor/wf/flow.yml"))["diagnostics"]
    assert [d["code"] for d in diagnostics] == ["RL301"]
    assert diagnostics[0]["hint"] == (
        "'wf/steps.yml' exists relative to 'discovery/ancestor': if that is the toplevel, lint with `--toplevel discovery/ancestor`"
    )


def test_toplevel_option_overrides_the_toplevel() -> None:
    result = check("--format", "json", "--toplevel", "discovery/ancestor", "discovery/ancestor/wf/flow.yml")
    assert _json(result)["diagnostics"] == []


def test_in_a_loose_directory_a_workflow_gets_the_nearest_toplevel_where_its_refs_resolve() -> None:
    assert _json(check("--format", "json", "discovery/ancestor"))["diagnostics"] == []


def test_a_directory_holding_analyses_lints_each_and_the_loose_specs_beside_them() -> None:
    result = check("--format", "json", "discovery/monorepo")
    found = [(d["path"], d["line"], d["code"]) for d in _json(result)["diagnostics"]]
    # ana-one's own CI file is read as CI; the one above the analyses is not mistaken for a workflow
    assert found == [("discovery/monorepo/ana-one/recast.yml", 13, "RL604"), ("discovery/monorepo/loose-flow.yml", 11, "RL501")]
    assert result.exit_code == 1


def test_a_non_yaml_file_inside_an_analysis_lints_the_analysis_without_reading_the_file() -> None:
    result = check("discovery/monorepo/ana-two/README.md")
    assert result.exit_code == 0 and "no problems found in 3 files" in result.output


def test_a_non_yaml_file_outside_any_analysis_is_a_usage_error() -> None:
    result = check("discovery/monorepo/notes.txt")
    assert result.exit_code == 2
    assert result.output.strip() == "recast-lint: error: 'discovery/monorepo/notes.txt' is not a YAML file and no analysis (a recast.yml) holds it"


def test_toplevel_inside_an_analysis_is_a_usage_error_naming_its_recast_yml() -> None:
    result = check("--toplevel", "discovery", "discovery/monorepo/ana-two")
    assert result.exit_code == 2
    assert "discovery/monorepo/ana-two/recast.yml names the toplevel" in result.output


# -- output basics (formats are pinned by golden tests) ----------------------------------------


def test_json_has_exactly_the_documented_fields() -> None:
    payload = _json(check("--format", "json", "refs/missing-file"))
    assert set(payload) == {"diagnostics", "summary"}
    assert set(payload["diagnostics"][0]) == {
        "path", "line", "column", "end_line", "end_column", "severity", "code", "rule", "message", "hint", "fix",
    }
    assert set(payload["summary"]) == {"errors", "warnings", "infos", "files", "fixed"}
    assert payload["summary"]["errors"] == 1


def test_no_color_unless_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "\033[" not in check("refs/missing-file").output
    assert "\033[" in check("--color", "always", "refs/missing-file").output
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in check("--color", "auto", "refs/missing-file").output


def test_select_and_ignore_by_code_prefix_or_name() -> None:
    assert check("--select", "RL2", "refs/missing-file").exit_code == 0
    assert check("--ignore", "ref-missing-file", "refs/missing-file").exit_code == 0
    assert check("--select", "RL3", "refs/missing-file").exit_code == 1


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "recast_lint", "check", "--format", "concise", str(FIXTURES / "helloworld-bugs")],
        capture_output=True,
        text=True,
        cwd=FIXTURES,
    )
    assert result.returncode == 1
    assert "specs/workflow.yml" in result.stdout


def test_select_or_ignore_naming_no_rule_is_a_usage_error_with_a_suggestion() -> None:
    # a typo would otherwise silently select nothing, or ignore nothing
    result = check("--select", "RL2O1", "helloworld")
    assert result.exit_code == 2
    assert result.output.strip() == "recast-lint: error: no rule matches 'RL2O1'; did you mean 'RL201'?"
    assert "did you mean 'ref-missing-file'?" in check("--ignore", "ref-mising-file", "helloworld").output


def test_a_file_name_that_is_not_utf8_is_shown_not_a_crash(tmp_path: Path) -> None:
    try:
        with open(os.fsencode(tmp_path) + b"/\xffbroken.yml", "w", encoding="utf-8") as handle:
            handle.write("stages:\n  - name: [x\n")
    except OSError:
        pytest.skip("this file system refuses file names that are not UTF-8")
    report = tmp_path / "report.sarif"
    result = check("--format", "sarif", "--output-file", str(report), str(tmp_path))
    assert result.exit_code == 1, result.output
    uri = json.loads(report.read_text(encoding="utf-8"))["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("broken.yml") and "%EF%BF%BD" in uri  # U+FFFD for the byte that is not UTF-8


# -- `check` without click (recast_lint.entry) ---------------------------------------------------

SAME_WITHOUT_CLICK = [
    ["helloworld"],
    ["--format", "json", "refs/missing-file"],
    ["--format=concise", "--strict", "refs/siblings"],
    ["--statistics", "refs/missing-file"],
    ["--statistics", "--format", "json", "helloworld"],
    ["--select", "RL2O1", "--ignore=RL9", "helloworld"],
    ["no/such/analysis"],
    ["--color", "always", "--debug", "refs/missing-file"],
    ["--output-file", "-", "--format", "sarif", "refs/missing-file"],
    ["--toplevel", "discovery/ancestor", "discovery/ancestor/wf/flow.yml"],
    ["--", "helloworld", "discovery/monorepo"],
    ["--diff", "fix/RL201/before"],
    ["--diff", "--unsafe-fixes", "fix/RL301/before"],
    ["--unsafe-fixes", "helloworld"],
]


def _program(args: list, cwd: Path) -> subprocess.CompletedProcess:
    """`recast-lint check ARGS` as the installed program runs it (``recast_lint.entry``)."""
    return subprocess.run([sys.executable, "-m", "recast_lint", "check", *args], capture_output=True, text=True, cwd=cwd)


def _through_click(args: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "import sys; from recast_lint.cli import main; main(sys.argv[1:], prog_name='recast-lint')", "check", *args],
        capture_output=True, text=True, cwd=cwd,
    )


def _outcome(done: subprocess.CompletedProcess) -> tuple:
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("args", SAME_WITHOUT_CLICK, ids=" ".join)
def test_check_without_click_says_and_exits_exactly_what_the_click_command_does(args: list, monkeypatch: pytest.MonkeyPatch) -> None:
    from recast_lint.check_command import parse

    monkeypatch.chdir(FIXTURES)
    assert parse(args) is not None  # read without click
    assert _outcome(_program(args, FIXTURES)) == _outcome(_through_click(args, FIXTURES))


@pytest.mark.parametrize(("args", "said"), [
    (["--fix"], "recast-lint: fixed "),
    (["--fix", "--unsafe-fixes", "--format", "concise"], "recast-lint: fixed "),
    (["--add-suppressions", "legacy, see #12"], "recast-lint: added "),
], ids=lambda value: " ".join(value) if isinstance(value, list) else "")
def test_check_writing_without_click_writes_and_says_what_the_click_command_does(args: list, said: str, tmp_path: Path) -> None:
    copies = {way: tmp_path / way / "analysis" for way in ("program", "click")}
    for copy in copies.values():
        shutil.copytree(FIXTURES / "fix" / "RL301" / "before", copy)
    program, through_click = _program(args, copies["program"]), _through_click(args, copies["click"])
    assert said in program.stderr
    assert _outcome(program) == _outcome(through_click)
    written = {way: {p.relative_to(copy): p.read_bytes() for p in sorted(copy.rglob("*")) if p.is_file()} for way, copy in copies.items()}
    assert written["program"] == written["click"]


def test_the_program_ends_a_check_at_once_with_its_whole_report_written() -> None:
    """`python -m recast_lint check` leaves with os._exit (nothing freed object by object): the report, block-buffered
    into a pipe, is flushed first and the exit code kept; through click the same check ends as usual."""
    args = ["--format", "json", str(FIXTURES / "helloworld-bugs"), str(FIXTURES / "preservation")]
    program, through_click = _program(args, FIXTURES), _through_click(args, FIXTURES)
    assert (program.returncode, through_click.returncode) == (1, 1)
    assert len(program.stdout) > 8192  # more than one buffer's worth
    assert json.loads(program.stdout) == json.loads(through_click.stdout)


def test_a_one_shot_check_turns_the_garbage_collector_off_and_a_lint_in_process_leaves_it_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The language server lints in a process that keeps running: lint() leaves the collector alone.
    A `check` that click reads (here its help) gets the collector back."""
    import gc

    for args, collector_on in ((["check", "."], "False"), (["check", "--help"], "True")):
        probe = f"import gc, sys\nfrom recast_lint.entry import main\ntry:\n    main({args!r})\nexcept SystemExit:\n    print(gc.isenabled())"
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=FIXTURES / "helloworld")
        assert done.stdout.splitlines()[-1] == collector_on, args
    collecting = []
    build = lint_module.build
    monkeypatch.setattr(lint_module, "build", lambda target, overlay: collecting.append(gc.isenabled()) or build(target, overlay))
    assert gc.isenabled()
    lint_module.lint([FIXTURES / "helloworld"])
    assert collecting == [True] and gc.isenabled()


@pytest.mark.parametrize("args", [["--formt", "json"], ["--format", "xml"], ["--help"], ["-h"], ["--strict=yes"], ["--toplevel", "helloworld/recast.yml"],
                                  ["--output-file", "helloworld"], ["--select"], ["-"]])
def test_what_click_would_question_is_left_to_click(args: list, monkeypatch: pytest.MonkeyPatch) -> None:
    from recast_lint.check_command import parse

    monkeypatch.chdir(FIXTURES)
    assert parse(args) is None
