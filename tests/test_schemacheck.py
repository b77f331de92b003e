"""The built-in validator evaluates exactly the JSON Schema keywords the bundled schemas use, with
the same verdicts as the reference implementation (`jsonschema`, a test dependency)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Set, Tuple

import pytest

from recast_lint.lint import lint
from recast_lint.rules.schema import validation_targets
from recast_lint.schemacheck import ANNOTATIONS, SCHEMA_DIR, SUPPORTED, Schemas, keywords_used
from tests.helpers import CORPUS, FIXTURES


@pytest.mark.parametrize("name", ["recast.json", "workflow.json", "steps.json", "step.json"])
def test_bundled_schemas_use_only_supported_keywords(name: str) -> None:
    used = set(keywords_used(Schemas().document(name), []))
    assert used - SUPPORTED - ANNOTATIONS == set()


def _reference_errors(target: str, instance: Any) -> Set[Tuple[Tuple[Any, ...], str]]:
    import jsonschema
    from referencing import Registry
    from referencing.jsonschema import DRAFT7

    registry = Registry().with_resources(
        (path.name, DRAFT7.create_resource(Schemas().document(path.name))) for path in SCHEMA_DIR.glob("*.json")
    )
    validator = jsonschema.Draft7Validator({"$ref": target}, registry=registry)
    return {(tuple(e.absolute_path), e.validator) for e in validator.iter_errors(instance)}


def _ours(target: str, instance: Any) -> Set[Tuple[Tuple[Any, ...], str]]:
    return {(e.path, e.keyword) for e in Schemas().errors(target, instance)}


def _analysis_roots() -> list:
    roots = [p for p in FIXTURES.rglob("recast.yml")]
    if CORPUS.is_dir():
        roots.append(CORPUS)
    return roots


@pytest.mark.parametrize("root", _analysis_roots(), ids=lambda p: str(p.relative_to(p.parents[1])))
def test_same_errors_as_jsonschema(root: Path) -> None:
    target_root = root.parent if root.name == "recast.yml" else root
    compared = 0
    for analysis in lint([target_root], cwd=target_root).analyses:
        for loc, target in validation_targets(analysis):
            assert _ours(target, loc.value) == _reference_errors(target, loc.value), f"{loc.doc.path} {loc.pointer}"
            compared += 1
    assert compared > 0
