"""`recast-lint schema NAME` prints a bundled schema that an editor can use on its own."""

from __future__ import annotations

import json
from typing import Any, Iterator

import pytest
import yaml
from click.testing import CliRunner

from recast_lint.cli import main
from recast_lint.schemacheck import SCHEMA_DIR
from tests.helpers import FIXTURES

jsonschema = pytest.importorskip("jsonschema")


def _printed(name: str) -> Any:
    result = CliRunner().invoke(main, ["schema", name])
    assert result.exit_code == 0
    return json.loads(result.output)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.mark.parametrize("name", ["recast", "workflow", "steps", "step"])
def test_printed_schema_is_valid_draft_07_and_refers_only_to_itself(name: str) -> None:
    schema = _printed(name)
    jsonschema.Draft7Validator.check_schema(schema)
    assert all(ref.startswith("#") for ref in _refs(schema))


def test_a_schema_without_references_to_other_files_is_printed_as_bundled() -> None:
    assert _printed("steps") == json.loads((SCHEMA_DIR / "steps.json").read_text(encoding="utf-8"))
    assert _printed("recast") == json.loads((SCHEMA_DIR / "recast.json").read_text(encoding="utf-8"))


def test_printed_workflow_schema_checks_inline_steps_without_the_steps_file() -> None:
    validator = jsonschema.Draft7Validator(_printed("workflow"))
    good = yaml.safe_load((FIXTURES / "helloworld" / "specs" / "workflow.yml").read_text(encoding="utf-8"))
    steps = yaml.safe_load((FIXTURES / "helloworld" / "specs" / "steps.yml").read_text(encoding="utf-8"))
    good["stages"][0]["scheduler"]["step"] = next(iter(steps.values()))
    assert list(validator.iter_errors(good)) == []
    good["stages"][0]["scheduler"]["step"]["process"]["process_type"] = "string-interpolated-command"
    assert list(validator.iter_errors(good)) != []


def test_unknown_schema_name_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["schema", "workflows"])
    assert result.exit_code == 2
    assert "'workflows' is not one of" in result.output
