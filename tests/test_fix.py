"""The fix engine (`recast_lint.fix`) and `check --fix/--unsafe-fixes/--diff`: edits keep every other byte."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from recast_lint import fix
from recast_lint.cli import main
from recast_lint.diagnostics import Span
from recast_lint.load import load_bytes
from tests.helpers import FIXTURES

MISSPELT = FIXTURES / "fix" / "RL201" / "before"


def _edit(start: int, end: int, text: str) -> fix.Edit:
    return fix.Edit(Span.point(), start, end, text)


def _fix(*edits: fix.Edit, safe: bool = True) -> fix.Fix:
    return fix.Fix("t", fix.Applicability.SAFE if safe else fix.Applicability.UNSAFE, edits)


def _check(directory: Path, *args: str) -> Result:
    previous = Path.cwd()
    os.chdir(directory)
    try:
        return CliRunner().invoke(main, ["check", *args], prog_name="recast-lint")
    finally:
        os.chdir(previous)


@pytest.fixture()
def analysis(tmp_path: Path) -> Path:
    copy = tmp_path / "analysis"
    shutil.copytree(MISSPELT, copy)
    return copy


def test_edits_apply_to_the_original_offsets_in_any_order() -> None:
    assert fix.apply_edits("abcdef", [_edit(4, 5, "E"), _edit(0, 1, "AA"), _edit(2, 2, "+")]) == "AAb+cdEf"


def test_overlapping_fixes_are_left_for_the_next_pass_whole() -> None:
    first = _fix(_edit(0, 3, "x"))
    overlapping = _fix(_edit(2, 4, "y"), _edit(8, 9, "z"))  # taken whole or not at all
    apart = _fix(_edit(3, 5, "w"))  # touching is not overlapping
    same_insertion = _fix(_edit(10, 10, "a"))
    second_insertion = _fix(_edit(10, 10, "b"))
    assert fix.choose([first, overlapping, apart, same_insertion, second_insertion]) == [first, apart, same_insertion]


def test_a_key_or_value_edit_is_placed_by_the_loaders_positions() -> None:
    doc = load_bytes(b"a:\n  bee: 'x y'  # c\n", Path("f.yml"))
    from recast_lint.model import Loc

    value, key = fix.replace_value(Loc(doc, ("a", "bee")), '"z"'), fix.replace_key(Loc(doc, ("a", "bee")), "b")
    assert value is not None and key is not None
    assert fix.apply_edits(doc.text, [value, key]) == "a:\n  b: \"z\"  # c\n"
    assert (value.span.line, value.span.column, value.span.end_column) == (2, 8, 13)


def test_fix_rewrites_only_the_edited_spans(analysis: Path) -> None:
    steps = analysis / "specs" / "steps.yml"
    before = steps.read_text()
    # the report in a file: click 8.1 (the last for Python 3.9) mixes stderr into the runner's stdout
    result = _check(analysis, "--fix", "--format", "json", "--output-file", "report.json")
    assert result.exit_code == 0, result.output
    assert json.loads((analysis / "report.json").read_text(encoding="utf-8"))["summary"]["fixed"] == 2
    assert "recast-lint: fixed specs/steps.yml (2 fixes)" in result.output
    expected = before.replace("string-interpolated-command", "string-interpolated-cmd").replace('"frompar-publisher"', '"frompar-pub"')
    assert steps.read_text() == expected
    again = _check(analysis, "--fix")
    assert again.exit_code == 0 and steps.read_text() == expected and "fixed" not in again.output


def test_fix_keeps_crlf_line_endings_a_byte_order_mark_and_a_missing_final_newline(analysis: Path) -> None:
    steps = analysis / "specs" / "steps.yml"
    text = steps.read_text().rstrip("\n").replace("\n", "\r\n")
    steps.write_bytes(b"\xef\xbb\xbf" + text.encode())
    assert _check(analysis, "--fix").exit_code == 0
    fixed = text.replace("string-interpolated-command", "string-interpolated-cmd").replace("frompar-publisher", "frompar-pub")
    assert steps.read_bytes() == b"\xef\xbb\xbf" + fixed.encode()


def test_diff_shows_the_change_writes_nothing_and_exits_1(analysis: Path) -> None:
    steps = analysis / "specs" / "steps.yml"
    before = steps.read_bytes()
    result = _check(analysis, "--diff")
    assert result.exit_code == 1
    assert "-    process_type: string-interpolated-command   # was copied from an old tutorial" in result.output
    assert "+    process_type: string-interpolated-cmd   # was copied from an old tutorial" in result.output
    assert result.output.startswith("--- a/specs/steps.yml\n+++ b/specs/steps.yml\n")
    assert steps.read_bytes() == before
    shutil.copytree(FIXTURES / "helloworld", analysis.parent / "clean")
    assert _check(analysis.parent / "clean", "--diff").exit_code == 0


def test_without_fix_the_report_offers_the_fix(analysis: Path) -> None:
    result = _check(analysis, "--format", "json")
    diagnostics = json.loads(result.output)["diagnostics"]
    fixes = [d["fix"] for d in diagnostics if d["code"] == "RL201"]
    assert fixes[0] == {
        "title": "change 'string-interpolated-command' to 'string-interpolated-cmd'",
        "applicability": "safe",
        "edits": [{"line": 4, "column": 19, "end_line": 4, "end_column": 46, "replacement": "string-interpolated-cmd"}],
    }
    text = _check(analysis).output
    assert "= fix: change 'string-interpolated-command' to 'string-interpolated-cmd'" in text
    assert "(2 fixable with `--fix`)" in text


def test_unsafe_fixes_alone_is_a_usage_error(analysis: Path) -> None:
    result = _check(analysis, "--unsafe-fixes")
    assert result.exit_code == 2 and "--unsafe-fixes" in result.output


def test_a_file_that_cannot_be_written_is_a_usage_error_naming_it(analysis: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Path, data: bytes) -> int:  # what a read-only file system answers (root is refused there too)
        raise OSError(30, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "write_bytes", refuse)
    result = _check(analysis, "--fix")
    assert result.exit_code == 2
    assert "cannot write" in result.output and "steps.yml: Read-only file system" in result.output


def test_fix_writes_back_the_text_as_read_not_the_reports_with_its_secrets_blanked(analysis: Path) -> None:
    steps = analysis / "specs" / "steps.yml"
    token = "glpat-" + "Ab3dE6gH9jK2mN5pQ8sT"
    steps.write_text(steps.read_text().replace("# was copied from an old tutorial", f"# token {token}"))
    result = _check(analysis, "--fix")
    assert token not in result.output  # the report still hides it
    assert f"# token {token}" in steps.read_text() and "string-interpolated-cmd " in steps.read_text()


def test_a_fix_that_would_make_the_file_unreadable_is_left_out_and_said(analysis: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from recast_lint.rules import schema

    def breaking(loc, written, choices):  # type: ignore[no-untyped-def]
        info = loc.doc.info(loc.pointer)
        return fix.make("break it", [fix.replace(loc.doc, info.start, info.end, "[unclosed")])

    monkeypatch.setattr(schema, "_retype", breaking)
    steps = analysis / "specs" / "steps.yml"
    before = steps.read_text()
    result = _check(analysis, "--fix")
    assert result.exit_code == 1  # the misspellings are still there
    assert steps.read_text() == before
    assert "the RL201 fix at specs/steps.yml:4 would make the file unreadable; not applied" in result.output


def test_sarif_fixes_validate_and_applied_by_line_and_column_give_the_fixed_files(tmp_path: Path) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    case = FIXTURES / "fix" / "RL701-flow"
    shutil.copytree(case / "before", tmp_path / "analysis")
    log = json.loads(_check(tmp_path / "analysis", "--format", "sarif").output)
    schema = json.loads((FIXTURES / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    assert list(jsonschema.Draft4Validator(schema).iter_errors(log)) == []
    (change,) = [c for r in log["runs"][0]["results"] for f in r.get("fixes", []) for c in f["artifactChanges"]]
    path = tmp_path / "analysis" / change["artifactLocation"]["uri"]
    doc = load_bytes(path.read_bytes(), path)
    text = doc.text
    for replacement in sorted(change["replacements"], key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]), reverse=True):
        region = replacement["deletedRegion"]
        start, end = doc.offset(region["startLine"], region["startColumn"]), doc.offset(region["endLine"], region["endColumn"])
        text = text[:start] + replacement["insertedContent"]["text"] + text[end:]
    assert text == (case / "after" / change["artifactLocation"]["uri"]).read_text()
