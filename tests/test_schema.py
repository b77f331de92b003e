"""RL2xx: every schema error at its own line and column, with a hint that names the fix."""

from __future__ import annotations

from recast_lint.diagnostics import Diagnostic
from tests.helpers import FIXTURES, run, where

SCHEMA = FIXTURES / "schema"


def _at(code: str) -> list:
    return [(path.split("schema/")[-1], line, column) for path, line, column in where(run(SCHEMA, cwd=FIXTURES), code)]


def _one(code: str, line: int) -> Diagnostic:
    found = [d for d in run(SCHEMA, cwd=FIXTURES) if d.code == code and d.span.line == line]
    assert len(found) == 1, found
    return found[0]


def test_unknown_types_with_the_closest_valid_name() -> None:
    assert _at("RL201") == [("specs/steps.yml", 14, 19), ("specs/workflow.yml", 21, 23)]
    process = _one("RL201", 14)
    assert process.message == "unknown process_type 'string-interpolated-command'"
    assert process.hint.startswith("did you mean 'string-interpolated-cmd'?")
    assert "did you mean 'singlestep-stage'?" in _one("RL201", 21).hint


def test_unknown_key_points_at_the_key_and_suggests_the_allowed_one() -> None:
    assert _at("RL202") == [("specs/workflow.yml", 3, 5)]
    diagnostic = _one("RL202", 3)
    assert diagnostic.message == "unknown key 'depends_on' in stage"
    assert diagnostic.hint.startswith("did you mean 'dependencies'?")


def test_missing_key_points_at_the_mapping_that_lacks_it() -> None:
    assert _at("RL203") == [("recast.yml", 2, 1), ("specs/steps.yml", 12, 1)]
    assert "'short_description'" in _one("RL203", 2).message
    assert "'publisher'" in _one("RL203", 12).message


def test_wrong_type_points_at_the_value_and_says_the_expected_type() -> None:
    assert _at("RL204") == [("recast.yml", 4, 9), ("specs/steps.yml", 11, 15), ("specs/workflow.yml", 10, 19)]
    assert _one("RL204", 11).message == "`imagetag` must be a string, not the number 1.36"
    assert _one("RL204", 11).hint == "quote it so YAML reads it as text: '1.36'"
    assert _one("RL204", 10).hint == "write a list: [init]"


def test_out_of_range_value() -> None:
    assert _at("RL205") == [("specs/workflow.yml", 13, 18)]


def test_unquoted_placeholder_is_explained_as_a_yaml_mapping() -> None:
    assert _at("RL206") == [("specs/steps.yml", 19, 15)]
    diagnostic = _one("RL206", 19)
    assert "{version}" in diagnostic.message and "mapping" in diagnostic.message
    assert diagnostic.hint == "quote it: '{version}'"


def test_no_message_prints_a_whole_instance() -> None:
    for diagnostic in run(SCHEMA, cwd=FIXTURES):
        assert "{'" not in diagnostic.message and len(diagnostic.message) < 160


def test_clean_helloworld_has_no_schema_findings() -> None:
    assert [d for d in run(FIXTURES / "helloworld") if d.code.startswith("RL2")] == []


def test_a_missing_key_written_with_a_typo_is_pointed_at_once() -> None:
    found = [(d.path, d.span.line, d.span.column, d.code, d.message, d.hint) for d in run(FIXTURES / "schema-misspelt") if d.code in ("RL202", "RL203")]
    assert found == [
        # metadata takes any key, so only the missing one tells; it points at the look-alike
        (
            "recast.yml", 4, 3, "RL203",
            "missing required key 'short_description' in metadata; is 'short_descripton' a misspelling of it?",
            "rename 'short_descripton' to 'short_description'",
        ),
        # a stage takes no other key: the unknown key already names the missing one
        ("specs/workflow.yml", 2, 5, "RL202", "unknown key 'nmae' in stage", "did you mean 'name'? (one of: name, dependencies, scheduler)"),
    ]


def test_wrong_types_name_list_items_and_say_what_to_write() -> None:
    found = [(d.path, d.span.line, d.message, d.hint) for d in run(FIXTURES / "schema-types") if d.code == "RL204"]
    mapping = "write a mapping: `key: value` lines indented below it, or `{key: value}`"
    assert found == [
        ("recast.yml", 2, "`metadata` must be a mapping, not the number 1", mapping),
        ("specs/steps.yml", 7, "`publish` must be a mapping, not a list", mapping),
        ("specs/workflow.yml", 2, "item 1 of `stages` has no value; expected a mapping", "write a value after the `-`"),
        ("specs/workflow.yml", 7, "`batchsize` must be a whole number, not the string '2'", "remove the quotes so YAML reads it as a number: 2"),
    ]


def test_names_written_as_a_list_or_mapping_are_wrong_types_not_crashes() -> None:
    found = [(d.path, d.span.line, d.code, d.message) for d in run(FIXTURES / "schema-names")]
    assert found == [
        ("recast.yml", 15, "RL204", "`name` must be a string, not a mapping"),
        ("specs/workflow.yml", 2, "RL204", "`name` must be a string, not a list"),
    ]


def test_the_linter_marks_what_the_editor_schema_marks() -> None:
    """The editor fixture's planted mistakes (tests/test_editor_lsp.py shows them in the real
    yaml-language-server): the linter reports each on its line, the building block that is not a
    step (`common_env`, checked as an environment) included. The one line only an editor marks is
    the test mapping that lacks `parameters`: the linter reports the misspelt `parameter` instead."""
    planted_dir = FIXTURES / "editor" / "planted"
    errors = {(d.path, d.span.line) for d in run(planted_dir) if d.severity.value == "error"}
    for name in ("recast.yml", "specs/workflow.yml", "specs/steps.yml"):
        lines = (planted_dir / name).read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, 1):
            if "# planted:" in line and "the editor marks the mapping" not in line:
                assert (name, number) in errors, (name, number, line)
    assert where(run(planted_dir), "RL204") == [("specs/steps.yml", 19, 13)]
