"""A validator for the subset of JSON Schema draft-07 that the bundled schemas use.

Why not `jsonschema`: importing it costs more than everything else `recast-lint check` does on
a small analysis, and pre-commit runs the linter on every commit. The schema files stay the single
source of truth (editors read the same files); this module only evaluates them. ``SUPPORTED`` is
checked against every keyword in the bundled schemas by a test, and another test requires the same
errors as ``jsonschema.Draft7Validator`` on the real-world corpus.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

from recast_lint.records import Record

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# keywords that constrain; annotations (title, description, default, $schema) are ignored
SUPPORTED = frozenset(
    {"type", "enum", "const", "required", "properties", "additionalProperties", "items", "if", "then", "else", "allOf", "$ref", "minimum"}
)
ANNOTATIONS = frozenset({"title", "description", "default", "$schema", "definitions"})

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "boolean": lambda v: isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "null": lambda v: v is None,
}


class SchemaError(Record):
    """One failed keyword: where in the instance, which keyword, and the schema holding it."""

    path: Tuple[Any, ...]
    keyword: str
    value: Any  # the keyword's value in the schema
    schema: Dict[str, Any]
    instance: Any


class Schemas:
    """The bundled schema files, addressable as `name.json#/json/pointer`."""

    def __init__(self, directory: Path = SCHEMA_DIR):
        self.directory = directory
        self._documents: Dict[str, Dict[str, Any]] = {}
        self._resolved: Dict[Tuple[str, str], Tuple[Dict[str, Any], str]] = {}

    def document(self, name: str) -> Dict[str, Any]:
        if name not in self._documents:
            self._documents[name] = json.loads((self.directory / name).read_text(encoding="utf-8"))
        return self._documents[name]

    def resolve(self, ref: str, current: str) -> Tuple[Dict[str, Any], str]:
        found = self._resolved.get((ref, current))
        if found is None:  # a schema names the same few definitions for every stage of a workflow
            found = self._resolved[(ref, current)] = self._resolve(ref, current)
        return found

    def _resolve(self, ref: str, current: str) -> Tuple[Dict[str, Any], str]:
        name, _, pointer = ref.partition("#")
        name = name or current
        node: Any = self.document(name)
        for part in [p for p in pointer.split("/") if p]:
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node, name

    def errors(self, target: str, instance: Any) -> Iterator[SchemaError]:
        """Errors of ``instance`` against ``target`` (e.g. `steps.json#/definitions/step`)."""
        schema, name = self.resolve(target, "")
        found: List[SchemaError] = []
        self._check(schema, name, instance, (), found)
        return iter(found)

    def valid(self, schema: Dict[str, Any], name: str, instance: Any) -> bool:
        found: List[SchemaError] = []
        self._check(schema, name, instance, (), found)
        return not found

    # errors are appended to ``found`` (not yielded: a generator per keyword and value cost more than the check)
    def _check(self, schema: Dict[str, Any], name: str, instance: Any, path: Tuple[Any, ...], found: List[SchemaError]) -> None:
        if "$ref" in schema:  # draft-07: `$ref` overrides its siblings
            target, target_name = self.resolve(schema["$ref"], name)
            self._check(target, target_name, instance, path, found)
            return
        expected = schema.get("type")
        if expected is not None and not (_TYPES[expected](instance) if isinstance(expected, str) else any(_TYPES[t](instance) for t in expected)):
            found.append(SchemaError(path, "type", expected, schema, instance))
            return  # further keywords would only repeat the type error
        if "enum" in schema and instance not in schema["enum"]:
            found.append(SchemaError(path, "enum", schema["enum"], schema, instance))
        if "const" in schema and instance != schema["const"]:
            found.append(SchemaError(path, "const", schema["const"], schema, instance))
        if "minimum" in schema and _TYPES["number"](instance) and instance < schema["minimum"]:
            found.append(SchemaError(path, "minimum", schema["minimum"], schema, instance))
        if isinstance(instance, dict):
            self._check_object(schema, name, instance, path, found)
        if isinstance(instance, list) and isinstance(schema.get("items"), dict):
            for index, item in enumerate(instance):
                self._check(schema["items"], name, item, path + (index,), found)
        for sub in schema.get("allOf", ()):
            self._check(sub, name, instance, path, found)
        if "if" in schema:
            branch = "then" if self.valid(schema["if"], name, instance) else "else"
            if branch in schema:
                self._check(schema[branch], name, instance, path, found)

    def _check_object(self, schema: Dict[str, Any], name: str, instance: Dict[Any, Any], path: Tuple[Any, ...], found: List[SchemaError]) -> None:
        missing = [key for key in schema.get("required", ()) if key not in instance]
        if missing:
            found.append(SchemaError(path, "required", missing, schema, instance))
        properties = schema.get("properties", {})
        for key, sub in properties.items():
            if key in instance:
                self._check(sub, name, instance[key], path + (key,), found)
        extra = schema.get("additionalProperties", True)
        if extra is False:
            unexpected = [key for key in instance if key not in properties]
            if unexpected:
                found.append(SchemaError(path, "additionalProperties", unexpected, schema, instance))
        elif isinstance(extra, dict):
            for key, value in instance.items():
                if key not in properties:
                    self._check(extra, name, value, path + (key,), found)


def keywords_used(node: Any, found: List[str]) -> List[str]:
    """Every keyword in a schema document (for the test that keeps ``SUPPORTED`` honest)."""
    if isinstance(node, dict):
        for key, value in node.items():
            found.append(key)
            if key in ("properties", "definitions"):
                for sub in value.values():
                    keywords_used(sub, found)
            elif key not in ("enum", "const", "required", "default", "type"):
                keywords_used(value, found)
    elif isinstance(node, list):
        for item in node:
            keywords_used(item, found)
    return found
