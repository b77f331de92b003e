"""Inline suppression comments: on a line, on their own line for the next node, for a whole file;
with and without a reason; unused ones reported (RL901); unreadable ones reported (RL902); RL101
never suppressed. The fixtures under tests/fixtures/suppress/ say in each comment what it shows."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List, Tuple

import pytest

from recast_lint.diagnostics import Diagnostic
from recast_lint.lint import lint
from tests.helpers import FIXTURES

SUPPRESS = FIXTURES / "suppress"
ANALYSIS = SUPPRESS / "analysis"


def _diagnostics(root: Path = ANALYSIS, select: Tuple[str, ...] = ("RL1", "RL2", "RL9")) -> List[Diagnostic]:
    return lint([root], cwd=root if root.is_dir() else root.parent, select=list(select)).diagnostics


def _where(diagnostics: List[Diagnostic]) -> List[Tuple[str, str, int, int]]:
    return [(d.code, d.path, d.span.line, d.span.column) for d in diagnostics]


def test_exactly_the_unsuppressed_findings_remain() -> None:
    assert _where(_diagnostics(select=("RL1", "RL2", "RL306", "RL9"))) == [
        ("RL901", "specs/steps.yml", 11, 43),  # ignore[RL204] on a line without an RL204 finding
        ("RL202", "specs/steps.yml", 17, 5),  # `flavour`: the own-line directive above covered `shade` only
        ("RL202", "specs/steps.yml", 18, 5),  # `site`: its comment has no brackets
        ("RL902", "specs/steps.yml", 18, 17),
        ("RL202", "specs/steps.yml", 19, 5),  # `zone`: its comment names only a typo and RL101
        ("RL902", "specs/steps.yml", 19, 36),
        ("RL902", "specs/steps.yml", 19, 43),
    ]


def test_without_the_comments_every_finding_shows(tmp_path: Path) -> None:
    copy = tmp_path / "analysis"
    shutil.copytree(ANALYSIS, copy)
    for spec in (copy / "specs").iterdir():
        spec.write_text(spec.read_text().replace("recast-lint:", "recast-lint says"), encoding="utf-8")
    found = _where(_diagnostics(copy, select=("RL1", "RL2", "RL3", "RL9")))
    suppressed = [
        ("RL202", "specs/steps.yml", 13, 5),  # trailing comment: that line
        ("RL202", "specs/steps.yml", 16, 5),  # own line: the next node, past another comment line
        ("RL201", "specs/steps.yml", 23, 19),  # own line above `draft:`: the whole subtree
        ("RL202", "specs/steps.yml", 32, 5),
        ("RL202", "specs/steps.yml", 34, 3),
        ("RL306", "specs/workflow.yml", 9, 37),  # ignore-file
        ("RL306", "specs/workflow.yml", 16, 37),
    ]
    for finding in suppressed:
        assert finding in found
    assert not [d for d in found if d[0] in ("RL901", "RL902")]


def test_a_comment_inside_a_block_scalar_is_not_a_directive() -> None:
    assert not [d for d in _diagnostics() if d.span.line == 5]


def test_unused_suppression_message_says_what_to_remove() -> None:
    unused = next(d for d in _diagnostics() if d.code == "RL901")
    assert unused.severity.value == "warning"
    assert unused.message == "suppression of RL204 matches no diagnostic on this line"
    assert unused.hint == "remove RL204 from the comment"


def test_codes_of_rules_that_did_not_run_are_not_reported_unused() -> None:
    """`ignore[RL301]` above `extra:` suppresses nothing, but it is reported only when RL301 runs."""
    without_rl3 = [d for d in _diagnostics() if d.code == "RL901"]
    assert [d.span.line for d in without_rl3] == [11]
    with_rl3 = [d for d in _diagnostics(select=("RL2", "RL3", "RL9")) if d.code == "RL901"]
    assert [(d.span.line, d.message) for d in with_rl3] == [
        (11, "suppression of RL204 matches no diagnostic on this line"),
        (33, "suppression of RL301 matches no diagnostic in the node below"),
    ]


def test_unreadable_comments_and_unknown_codes_are_reported_with_a_fix() -> None:
    invalid = {(d.span.line, d.span.column): d for d in _diagnostics() if d.code == "RL902"}
    assert invalid[(18, 17)].message == "suppression comment cannot be read"
    assert "ignore[RL301]" in (invalid[(18, 17)].hint or "")
    assert invalid[(19, 36)].message == "unknown rule 'RL2O2' in suppression comment"
    assert (invalid[(19, 36)].hint or "").startswith("did you mean")
    assert invalid[(19, 43)].message == "RL101 cannot be suppressed"


def test_syntax_errors_cannot_be_suppressed() -> None:
    found = _where(_diagnostics(SUPPRESS / "syntax" / "workflow.yml"))
    assert found == [
        ("RL902", "workflow.yml", 1, 28),  # RL101 named in the directive
        ("RL101", "workflow.yml", 5, 1),  # still reported
    ]  # and RL202 is not reported unused: nothing could be checked in the unreadable file


@pytest.mark.parametrize(
    "comment,message",
    [
        ("# recast-lint: ignore-file[RL202]", "`ignore-file` must stand on a line of its own"),
        ("# recast-lint: ignore[]", "suppression comment names no code"),
        ("# recast-lint: disable[RL202]", "suppression comment cannot be read"),
        ("# recast-lint: ignore[RL202]because", "suppression comment cannot be read"),
    ],
)
def test_comments_that_suppress_nothing_say_why(tmp_path: Path, comment: str, message: str) -> None:
    workflow = tmp_path / "workflow.yml"
    workflow.write_text(f"stages: []  {comment}\n", encoding="utf-8")
    assert [(d.code, d.message) for d in _diagnostics(workflow)] == [("RL902", message)]


def test_meta_rules_follow_the_selection() -> None:
    assert not [d for d in _diagnostics(select=("RL2",)) if d.code.startswith("RL9")]


def test_a_code_used_by_one_entry_of_a_catalogue_directory_is_not_unused_in_the_others(tmp_path: Path) -> None:
    """Each `*.yml` entry of a catalogue directory is linted as an analysis that reads its siblings
    too: a directive the owning entry uses is not reported (RL901) by the others."""
    for name in ("first", "second"):
        (tmp_path / f"{name}.yml").write_text(
            f"name: examples/{name}\nmetadata: {{author: me, short_description: {name}}}\n"
            f"spec:\n  toplevel: github:someone/workflows@v1:{name}  # recast-lint: ignore[RL305] fetched by recast\n"
            "  workflow: workflow.yml\nexample_inputs: {default: {initdata: {}}}\n"
        )
    found = lint([tmp_path], cwd=tmp_path)
    assert len([a for a in found.analyses if a.entry is not None]) == 2
    assert [(d.path, d.code) for d in found.diagnostics] == []
