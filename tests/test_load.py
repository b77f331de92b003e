"""Reading YAML: positions, loader problems as located diagnostics, and hostile input."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from recast_lint import load
from recast_lint.cli import main
from recast_lint.load import load_bytes, load_file
from tests.helpers import FIXTURES, only, run

LOAD = FIXTURES / "load"


def _kinds(name: str) -> list:
    return [(p.kind, p.span.line, p.span.column) for p in load_file(LOAD / name).problems]


def test_positions_of_keys_values_and_list_items() -> None:
    doc = load_file(FIXTURES / "helloworld" / "specs" / "workflow.yml")
    name = doc.span(("stages", 0, "name"))
    assert (name.line, name.column, name.end_column) == (2, 11, 22)
    assert doc.span(("stages", 0, "name"), key=True).column == 5
    ref = doc.span(("stages", 0, "scheduler", "step", "$ref"))
    assert (ref.line, ref.column) == (9, 20)
    # a key that is not there is shown at the nearest thing that is: here the list item
    assert doc.span(("stages", 0, "no-such-key")) == doc.span(("stages", 0))


def test_locate_finds_text_inside_a_value() -> None:
    doc = load_file(FIXTURES / "helloworld-bugs" / "specs" / "steps.yml")
    span = doc.locate(("hello_world", "process", "cmd"), "{nmae}")
    assert span is not None and (span.line, span.column, span.end_column) == (4, 33, 39)


def test_merge_keys_and_anchors_keep_data_and_positions() -> None:
    doc = load_file(LOAD / "merge.yml")
    env = doc.data["hello"]["environment"]
    assert env == {"environment_type": "docker-encapsulated", "image": "busybox", "imagetag": "1.37.0"}
    assert doc.span(("hello", "environment", "imagetag")).line == 14  # the explicit key wins, and its position too
    assert doc.span(("hello", "environment", "image")).line == 3  # merged keys point at the anchor
    assert doc.problems == []


@pytest.mark.parametrize(
    "name,kind,line,column",
    [
        ("tab.yml", "tab", 2, 1),
        ("syntax.yml", "syntax", 2, 11),  # the `[` that is never closed
        ("duplicate.yml", "duplicate-key", 5, 5),
        ("latin1.yml", "encoding", 1, 10),
        ("empty.yml", "empty", 1, 1),
        ("two-docs.yml", "syntax", 2, 1),
        ("bad-tag.yml", "tag", 1, 8),
        ("control-char.yml", "syntax", 1, 11),
        ("recursive-alias.yml", "recursive-alias", 1, 9),  # the anchored node: an alias has no position of its own
    ],
)
def test_loader_problems_are_located(name: str, kind: str, line: int, column: int) -> None:
    assert (kind, line, column) in _kinds(name)


def test_tab_hint_says_yaml_forbids_tabs() -> None:
    diagnostic = only(run(LOAD / "tab.yml"), "RL101")
    assert "tab" in diagnostic.message
    assert diagnostic.hint and "forbids tabs" in diagnostic.hint


def test_duplicate_key_is_an_error_naming_the_first_line_and_the_lost_value() -> None:
    diagnostic = only(run(LOAD / "duplicate.yml"), "RL103")
    assert (diagnostic.span.line, diagnostic.severity.value) == (5, "error")
    assert "first defined on line 4" in diagnostic.message and "the first is lost" in diagnostic.message


def test_duplicate_key_with_the_same_value_is_a_warning() -> None:
    diagnostic = only(run(LOAD / "duplicate-same.yml"), "RL103")
    assert (diagnostic.span.line, diagnostic.severity.value) == (10, "warning")
    assert "with the same value" in diagnostic.message


@pytest.mark.parametrize("name", ["billion-laughs.yml", "deep.yml", "recursive-alias.yml", "merge-recursive.yml", "merge-bomb.yml", "merge-deep.yml"])
def test_hostile_input_ends_fast_with_an_error_and_exit_1(name: str) -> None:
    # a hang guard in CPU seconds (wall time grows with the machine's load): without the limits an
    # alias bomb expands for minutes and gigabytes; each ends within about one CPU second here
    started = time.process_time()
    result = CliRunner().invoke(main, ["check", "--format", "concise", str(LOAD / name)])
    used = time.process_time() - started
    assert result.exit_code == 1, result.output
    assert "RL105" in result.output
    assert "Traceback" not in result.output
    assert used < 20.0


def test_alias_bomb_is_reported_at_the_key_that_expands(tmp_path: Path) -> None:
    problem = load_file(LOAD / "billion-laughs.yml").problems[0]
    assert problem.kind == "too-many-nodes"
    assert problem.span.column == 1 and problem.span.line > 1


def test_file_over_the_size_cap_is_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "MAX_FILE_BYTES", 1000)
    doc = load_file(LOAD / "big.yml")
    assert [p.kind for p in doc.problems] == ["too-large"]
    assert doc.data is None and doc.text == ""
    # text that comes from an editor's buffer rather than a file is held to the same limit
    buffer = load_bytes((LOAD / "big.yml").read_bytes(), LOAD / "big.yml")
    assert [p.kind for p in buffer.problems] == ["too-large"] and buffer.data is None


def test_deep_nesting_never_reaches_the_composer() -> None:
    # libyaml's composer recurses in C and crashes the interpreter on very deep input
    problem = load_file(LOAD / "deep.yml").problems[0]
    assert problem.kind == "too-deep"
    # our limit stops at the 256th bracket (the top-level mapping is the first level); libyaml
    # builds that enforce a limit of their own (1,000 levels) may stop there first
    assert problem.span.line == 1
    assert len("stages: ") + load.MAX_DEPTH <= problem.span.column <= len("stages: ") + 1001


def test_unreadable_path_is_a_diagnostic_not_a_crash(tmp_path: Path) -> None:
    directory = tmp_path / "specs.yml"
    directory.mkdir()
    doc = load_file(directory)
    assert doc.problems and doc.problems[0].kind == "syntax"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_named_pipe_is_not_read(tmp_path: Path) -> None:
    # opening a pipe for reading waits for a writer; nothing would ever come
    os.mkfifo(tmp_path / "workflow.yml")
    # waiting for a writer takes no CPU time, so the guard is a generous wall-clock timeout on a
    # process of its own (TimeoutExpired fails the test); it answers in well under a second
    done = subprocess.run([sys.executable, "-m", "recast_lint", "check", "--format", "concise", str(tmp_path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and "RL101 not a regular file" in done.stdout


def test_values_pyyaml_cannot_build_are_located_with_the_fix() -> None:
    found = [(d.span.line, d.message, d.hint) for d in run(LOAD / "bad-typed-values.yml") if d.code == "RL101"]
    assert found == [
        (2, "cannot read '0x1F zz' as !!int", "remove the `!!int`, or write a value of that type"),
        (3, "cannot read 'nan foo' as !!float", "remove the `!!float`, or write a value of that type"),
        (4, "cannot read 'maybe true' as !!bool", "remove the `!!bool`, or write a value of that type"),
        (5, "cannot read '2020-13-45' as !!timestamp", "quote it so YAML reads it as text: '2020-13-45'"),  # a date by its look
        (6, "cannot read '' as !!int", "remove the `!!int`, or write a value of that type"),
    ]


def test_a_number_python_cannot_print_is_not_read() -> None:
    assert [(d.code, d.span.line, d.message) for d in run(LOAD / "huge-number.yml")] == [
        ("RL105", 2, "number with more than 3,000 digits")
    ]


def test_a_newline_inside_a_key_stays_inside_its_one_line_diagnostic() -> None:
    result = CliRunner().invoke(main, ["check", "--format", "concise", str(LOAD / "multiline-key.yml")])
    assert result.exit_code == 1
    first, summary = result.output.splitlines()
    assert first.endswith("RL202 unknown key 'multi\\n' in workflow (hint: expected one of: stages)")
    assert summary == "found 1 error, 0 warnings in 1 file"


def test_a_value_is_what_the_data_holds_even_below_a_key_written_twice() -> None:
    doc = load_file(LOAD / "rewritten-keys.yml")
    assert ("twice", "k", "b") in doc.nodes and ("merged", "step", "image") in doc.nodes  # positions of the first values
    assert doc.value(("twice", "k", "b")) is None and doc.value(("merged", "step", "image")) is None
    assert doc.value(("twice", "k", "a")) == 3 and doc.value(("merged", "step")) == {"name": "second"}
    assert doc.value(("base", "step", "image")) == "busybox" and doc.value(("base", "nothing")) is None
    for pointer in doc.nodes:  # the node's own value wherever the data still holds it
        data = doc.data
        for key in pointer:
            data = data[key] if isinstance(data, (dict, list)) and (key in data if isinstance(data, dict) else key < len(data)) else None
        assert doc.value(pointer) == data, pointer


def test_kept_documents_are_handed_back_for_the_same_path_and_bytes() -> None:
    raw = (FIXTURES / "helloworld" / "specs" / "steps.yml").read_bytes()
    path = FIXTURES / "helloworld" / "specs" / "steps.yml"
    assert load_bytes(raw, path) is not load_bytes(raw, path)  # off unless asked for: `check` parses each file once
    load.keep_parsed(2)
    try:
        kept = load_bytes(raw, path)
        assert load_bytes(raw, path) is kept
        assert load_bytes(raw + b"\n", path) is not kept  # another text is parsed again
        assert load_bytes(raw, FIXTURES / "other.yml") is not kept
        assert load_bytes(raw, path) is not kept  # two others came since: it was forgotten
    finally:
        load.keep_parsed(0)


CAUSES = FIXTURES / "load" / "causes"


@pytest.mark.parametrize(
    "name,line,column,message,hint",
    [
        ("flow-mapping.yml", 8, 21, "`{workdir}/hello_world.txt` starts with `{`, so YAML reads `{workdir}` as a mapping and cannot place "
         "`/hello_world.txt` after it", "quote it: `outputfile: '{workdir}/hello_world.txt'`"),
        ("flow-mapping-in-flow.yml", 6, 66, "`{workdir}/hello.txt` starts with `{`",
         "quote it: `parameters: {name: {step: init, output: name}, outputfile: '{workdir}/hello.txt'}`"),
        ("alias.yml", 8, 21, "`*.root` starts with `*`, which YAML reads as an alias", "quote it: `globexpression: '*.root'`"),
        ("colon-in-value.yml", 4, 10, "the value `echo status: done > {outputfile}` holds `: `, which YAML reads as the start of another key",
         "quote it: `cmd: 'echo status: done > {outputfile}'`"),
        ("no-space.yml", 11, 5, "`image:busybox` has no space after the `:`, so YAML reads it as text, not as the key `image`",
         "write a space after the colon: `image: busybox`"),
        ("indentation.yml", 4, 4, "`scheduler:` is indented 3 spaces, which matches none of the lines above it",
         "indent it like `dependencies:` on line 3 (4 spaces)"),
        ("nested-under-value.yml", 6, 9, "`parameters:` is indented more than `scheduler_type:` on line 5, which already has a value",
         "indent it like `scheduler_type:` (6 spaces), or remove the value of `scheduler_type` to nest `parameters:` under it"),
        ("quote-closes-early.yml", 4, 10, "the `'` that opens the value is closed again before the value ends",
         "quote the whole value: `cmd: \"echo it's done > {outputfile}\"`"),
    ],
)
def test_syntax_errors_say_their_likely_cause_where_it_is(name: str, line: int, column: int, message: str, hint: str) -> None:
    """PyYAML reports where it gave up (often the line after, or the end of the value); the
    diagnostic stands at the mistake and its hint is the line fixed."""
    diagnostic = only(run(CAUSES / name), "RL101")
    assert (diagnostic.span.line, diagnostic.span.column) == (line, column)
    assert diagnostic.message.startswith("invalid YAML: " + message)
    assert diagnostic.hint == hint


def test_a_syntax_error_of_no_known_shape_keeps_the_parser_message() -> None:
    doc = load.load_bytes(b"a: 1\n- b\n", Path("odd.yml"))
    assert doc.problems[0].message.startswith("invalid YAML: ")
    assert doc.problems[0].hint == "fix the YAML syntax at this position"


def test_positions_are_made_only_for_the_files_a_finding_is_reported_in() -> None:
    from recast_lint.lint import lint

    clean = lint([FIXTURES / "helloworld"])
    assert not clean.diagnostics
    assert [doc.path.name for a in clean.analyses for doc in a.documents.values() if doc._nodes is not None] == []
    buggy = lint([FIXTURES / "helloworld-bugs"])
    reported = {Path(d.path).name for d in buggy.diagnostics}
    positioned = {doc.path.name for a in buggy.analyses for doc in a.documents.values() if doc._nodes is not None}
    assert reported and positioned == reported
    doc = load_file(FIXTURES / "helloworld" / "specs" / "workflow.yml")
    assert doc._nodes is None and doc.span(("stages", 0, "name")).line == 2 and doc._nodes  # asked, then made
