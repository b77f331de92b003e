"""The server's parts that need no protocol: positions, the cursor in half-typed text, suppression
comments and minimal edits (tests/test_server.py drives the whole server)."""

from __future__ import annotations

from pathlib import Path

import pytest

from recast_lint.diagnostics import Diagnostic, Severity, Span
from recast_lint.lint import lint
from recast_lint.load import load_bytes
from recast_lint.server.actions import ignore_action, minimal_change
from recast_lint.server.complete import complete
from recast_lint.server.context import cursor_at
from recast_lint.server.positions import TextIndex
from tests.helpers import FIXTURES

HELLOWORLD = FIXTURES / "helloworld"


def test_positions_count_utf16_units_and_every_line_break() -> None:
    text = "a: '😀x'\r\nb: é\rc: 1\n"
    index = TextIndex(text)
    assert index.position(text.index("x")) == (0, 6)  # the emoji is two UTF-16 units
    assert index.position(text.index("é") + 1) == (1, 4)
    assert index.position(text.index("c")) == (2, 0)  # a lone `\r` ends a line for LSP
    assert index.offset_at(0, 6) == text.index("x") and index.offset_at(0, 99) == text.index("\r")
    assert TextIndex(text, "utf-32").position(text.index("x")) == (0, 5)
    assert TextIndex(text, "utf-8").position(text.index("x")) == (0, 8)
    # the model's spans count lines at `\n` only: line 2 holds `b: é\rc: 1`
    assert index.span_range(Span(2, 1, 2, 2)) == ((1, 0), (1, 1))


@pytest.mark.parametrize(
    "text,marker,pointer,mode,prefix",
    [
        ("stages:\n  - name: a\n    dependencies: [init, b", "[init, b", ("stages", 0, "dependencies", 1), "value", "b"),
        (
            "stages:\n- name: a\n  scheduler:\n    parameters:\n      x: {step: a, out",
            "{step: a, out",
            ("stages", 0, "scheduler", "parameters", "x"),
            "key",
            "out",
        ),
        ("stages:\n  - name: a\n  - name: b\n    dependencies:\n      - a\n      - ", "- a\n      - ", ("stages", 1, "dependencies", 1), "item", ""),
        ("s:\n  process:\n    cmd: |\n      echo {na", "echo {na", ("s", "process", "cmd"), "value", "na"),
        ("a: 1\nb:\n  c: 2\nd", "\nd", (), "key", "d"),
        ("x:\n  # a comment\n  y: 1\n  z", "\n  z", ("x",), "key", "z"),
    ],
)
def test_the_cursor_is_read_from_indentation_even_when_yaml_cannot_parse(text: str, marker: str, pointer: tuple, mode: str, prefix: str) -> None:
    offset = text.index(marker) + len(marker)
    line = text.count("\n", 0, offset)
    cursor = cursor_at(text, line, offset - (text.rfind("\n", 0, offset) + 1))
    assert cursor is not None
    assert (cursor.pointer, cursor.mode, cursor.prefix) == (pointer, mode, prefix)


def test_no_completion_inside_a_comment() -> None:
    assert cursor_at("a: 1  # note: sta", 0, 17) is None


def _diagnostic(code: str, line: int) -> Diagnostic:
    return Diagnostic("specs/steps.yml", Span(line, 5, line, 6), Severity.ERROR, code, "rule", "message")


def test_ignore_goes_at_the_end_of_the_line_or_joins_the_directive_there() -> None:
    doc = load_bytes(b"a:\n  image: busybox  # recast-lint: ignore[RL702] pinned elsewhere\n  b: 1\n", Path("steps.yml"))
    joined = ignore_action(doc, _diagnostic("RL701", 2))
    assert joined is not None and [(c.replacement, doc.text[c.start - 5 : c.start]) for c in joined.changes] == [(", RL701", "RL702")]
    trailing = ignore_action(doc, _diagnostic("RL204", 3))
    assert trailing is not None and trailing.changes[0].replacement == "  # recast-lint: ignore[RL204] <reason>"
    assert doc.text[: trailing.changes[0].start].endswith("  b: 1")


def test_ignore_on_a_comment_line_covers_the_file_and_rl9_is_not_offered() -> None:
    doc = load_bytes(b"# yaml-language-server: $schema=x\na: 1\n", Path("steps.yml"))
    whole = ignore_action(doc, _diagnostic("RL104", 1))
    assert whole is not None and whole.title == "ignore RL104 in this file"
    assert whole.changes[0].replacement == "# recast-lint: ignore-file[RL104] <reason>\n" and whole.changes[0].start == 0
    assert ignore_action(doc, _diagnostic("RL901", 2)) is None
    assert ignore_action(doc, _diagnostic("RL101", 2)) is None


def test_a_minimal_change_keeps_the_common_ends() -> None:
    change = minimal_change("process_type: string-interpolated-command\n", "process_type: string-interpolated-cmd\n")
    assert (change.start, change.end, change.replacement) == (35, 40, "m")  # `c[omman]d` -> `c[m]d`
    assert minimal_change("same", "same") == (4, 4, "")


def test_completion_offers_workdir_in_publish_templates_but_not_in_commands(tmp_path: Path) -> None:
    analysis = lint([HELLOWORLD]).analyses[0]
    steps_path = (HELLOWORLD / "specs" / "steps.yml").resolve()
    text = (HELLOWORLD / "specs" / "steps.yml").read_text(encoding="utf-8")
    cmd_line = text.split("\n").index("    cmd: 'echo Hello my name is {name} | tee {outputfile}'")
    found = complete(text, cmd_line, len("    cmd: 'echo Hello my name is {"), steps_path, analysis)
    assert [item.label for item in found.items] == ["name", "outputfile"]
    published = text.replace("      outputfile: outputfile", "      outputfile: outputfile\n    publish:\n      out: '{")
    line = published.split("\n").index("      out: '{")
    labels = [item.label for item in complete(published, line, len("      out: '{"), steps_path, analysis).items]
    assert labels == ["name", "outputfile", "workdir"]


@pytest.mark.parametrize("entry_name", ["recast.yml", "search.yml"])
def test_a_test_spec_of_a_catalogue_entry_of_any_name_completes_the_steps_files(tmp_path: Path, entry_name: str) -> None:
    """recast-atlas loads every `*.yml` of the catalogue directory with `name`, `metadata` and `spec`."""
    import shutil

    root = tmp_path / "analysis"
    shutil.copytree(HELLOWORLD, root)
    (root / "recast.yml").rename(root / entry_name)
    entry = root / entry_name
    analysis = lint([root]).analyses[0]
    assert analysis.entry is not None and analysis.entry.doc.path == entry.resolve()
    text = entry.read_text(encoding="utf-8")
    line = next(i for i, written in enumerate(text.split("\n")) if written.strip().startswith("spec:") and "steps" in written)
    column = text.split("\n")[line].index("spec:") + len("spec: ")
    labels = [item.label for item in complete(text, line, column, entry.resolve(), analysis).items]
    assert "steps.yml" in labels


def test_stage_names_in_dependencies_and_selectors_lead_to_their_stages() -> None:
    from recast_lint.server.navigate import find

    root = FIXTURES / "graph" / "clean"
    analysis = lint([root]).analyses[0]
    doc = analysis.documents[(root / "specs" / "workflow.yml").resolve()]

    def targets(marker: str, occurrence: int = 0) -> list:
        offset = doc.text.index(marker) + 2
        for _ in range(occurrence):
            offset = doc.text.index(marker, offset) + 2
        found = find(analysis, doc, offset)
        assert found is not None, marker
        return [(t.path.name, t.span.line, t.span.column) for t in found.targets]

    assert targets("['generate']") == [("workflow.yml", 2, 9)]  # a dependency
    assert targets("{stages: generate") == targets("'generate'") == [("workflow.yml", 2, 9)]  # a selector
    assert targets("'analysis[*].histogram'") == [("workflow.yml", 21, 15)]  # a stage inside a sub-workflow
    found = find(analysis, doc, doc.text.index("{stages: generate") + 10)
    assert found is not None and found.markdown.startswith("stage **generate** (`specs/workflow.yml` line 2): `multistep-stage`")
