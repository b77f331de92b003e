"""`--fix --unsafe-fixes` on a copy of every fixture and of every corpus repository, pass by pass.

For each pass of the engine (one `fix_until_clean` pass at a time, written to the copy):

- every edit's line and column say the same place as its character offsets (editors use those);
- only the lines the applied edits touch differ, and a file YAML could read still reads;
- every diagnostic a fix was applied for is gone (none of its code and message is left over);
- no fix had to be refused for making its file unreadable.

At the end every file a fix changed reads as YAML, the engine stopped before its pass limit, and
`check --fix --unsafe-fixes` run again (the command itself) changes nothing. The corpus is read in
place and copied only into a temporary directory (most of it carries no license).
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from click.testing import CliRunner

from recast_lint.cli import main
from recast_lint.diagnostics import Diagnostic
from recast_lint.fix import MAX_PASSES, Edit, FixRun, fix_until_clean
from recast_lint.lint import LintResult, lint
from recast_lint.load import load_bytes
from tests.helpers import CORPUS, FIXTURES

TREES = {"fixtures": FIXTURES, "corpus": CORPUS}


def _copy(name: str, tmp_path: Path) -> Path:
    source = TREES[name]
    if not source.is_dir():
        pytest.skip(f"{source} not found")
    target = tmp_path / name
    shutil.copytree(source, target, symlinks=True)
    return target


def _lint(root: Path, overlay: Dict[Path, str]) -> LintResult:
    return lint([root], cwd=root, overlay=overlay)


def _readable(result: LintResult) -> Set[Path]:
    return {path for analysis in result.analyses for path, doc in analysis.documents.items() if doc.ok}


def _key(d: Diagnostic) -> Tuple[str, str, str]:
    return (d.path, d.code, d.message)


def _untouched_lines(text: str, regions: List[Tuple[int, int]]) -> List[str]:
    """The lines of ``text`` no region reaches into (a region of no width reaches the line it is
    inside, none at a line boundary)."""
    kept, start = [], 0
    for line in text.splitlines(keepends=True):
        end = start + len(line)
        if not any((a < end and b > start) if a < b else start < a < end for a, b in regions):
            kept.append(line)
        start = end
    return kept


def _assert_only_edited_lines_changed(path: Path, original: str, fixed: str, edits: List[Edit]) -> None:
    doc = load_bytes(original.encode("utf-8", "surrogatepass"), path)
    for edit in edits:
        assert doc.text_span(edit.start, edit.end) == edit.span, f"{path}: {edit} is not where its offsets are"
    written, shift = [], 0
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        written.append((edit.start + shift, edit.start + shift + len(edit.replacement)))
        shift += len(edit.replacement) - (edit.end - edit.start)
    before = _untouched_lines(original, [(e.start, e.end) for e in edits])
    assert before == _untouched_lines(fixed, written), f"{path}: a line no edit touches changed"


def _one_pass(root: Path, previous: LintResult) -> Tuple[FixRun, LintResult]:
    first = [True]

    def relint(overlay: Dict[Path, str]) -> LintResult:
        if first[0] and not overlay:  # the pass starts from where the last one ended
            first[0] = False
            return previous
        return _lint(root, overlay)

    return fix_until_clean(relint, unsafe=True, max_passes=1), previous


def _check_pass(run: FixRun, before: LintResult) -> None:
    assert run.refused == (), [(a.diagnostic.path, a.diagnostic.code, a.diagnostic.message) for a in run.refused]
    edits_by_file: Dict[Path, List[Edit]] = {}
    for applied in run.fixed:
        edits_by_file.setdefault(applied.path, []).extend(applied.diagnostic.fix.edits)  # type: ignore[union-attr]
    for path, (original, fixed) in run.texts.items():
        _assert_only_edited_lines_changed(path, original, fixed, edits_by_file[path])
    lost = (_readable(before) & set(run.texts)) - _readable(run.final)
    assert not lost, f"a fix made these files unreadable: {sorted(map(str, lost))}"
    counts_before = Counter(_key(d) for d in before.diagnostics)
    counts_after = Counter(_key(d) for d in run.final.diagnostics)
    for key, fixed_count in Counter(_key(a.diagnostic) for a in run.fixed).items():
        assert counts_after[key] <= counts_before[key] - fixed_count, f"still reported after its fix: {key}"


def _tree(root: Path) -> Dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink()}


@pytest.mark.parametrize("name", sorted(TREES))
def test_fix_on_every_analysis_keeps_files_readable_changes_only_edited_lines_and_converges(name: str, tmp_path: Path) -> None:
    root = _copy(name, tmp_path)
    originals = _tree(root)
    result = _lint(root, {})
    changed: Set[Path] = set()
    for _ in range(MAX_PASSES):
        run, before = _one_pass(root, result)
        if not run.fixed:
            break
        _check_pass(run, before)
        for path, (_, fixed) in run.texts.items():
            path.write_bytes(fixed.encode("utf-8", "surrogatepass"))  # the files here have no byte-order mark
            changed.add(path)
        result = run.final  # the lint of what was just written
    else:
        pytest.fail(f"the fixes did not settle in {MAX_PASSES} passes")
    assert changed, "no fix was applied at all"
    for path in changed:
        assert load_bytes(path.read_bytes(), path).ok, f"{path} does not read as YAML after fixing"

    settled = _tree(root)
    previous = Path.cwd()
    os.chdir(root)
    try:
        again = CliRunner().invoke(main, ["check", ".", "--fix", "--unsafe-fixes", "--format", "json"])
    finally:
        os.chdir(previous)
    assert again.exit_code in (0, 1), again.output
    assert _tree(root) == settled
    assert {path for path in originals if originals[path] != settled[path]} == {p.relative_to(root).as_posix() for p in changed}
