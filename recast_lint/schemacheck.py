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
from typing import Any, Dict, Iterator, List, Optional, Tuple

from recast_lint.records import Record

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"

# keywords that constrain; annotations (title, description, default, $schema) are ignored
SUPPORTED = frozenset(
    {"type", "enum", "const", "required", "properties", "additionalProperties", "items", "if", "then", "else", "allOf", "$ref", "minimum"}
)
ANNOTATIONS = frozenset({"title", "description", "default", "$schema", "definitions"})

# each JSON type as the Python types YAML data is made of (a bool is no integer, though Python says it is)
_PYTHON_TYPES = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "integer": (int,),
    "number": (int, float),
    "null": (type(None),),
}
_ABSENT = object()


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
        self._compiled: Dict[Tuple[int, str], _Compiled] = {}

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
        _check(self.compiled(schema, name), instance, (), found)
        return iter(found)

    def valid(self, schema: Dict[str, Any], name: str, instance: Any) -> bool:
        return self.compiled(schema, name).accepts(instance)

    def compiled(self, schema: Dict[str, Any], name: str) -> _Compiled:
        """``schema`` (in the file ``name``) with its keywords read once; a `$ref` is its target."""
        key = (id(schema), name)  # the schema documents live as long as this object, so their ids stay theirs
        found = self._compiled.get(key)
        if found is None:
            if "$ref" in schema:  # draft-07: `$ref` overrides its siblings
                found = self._compiled[key] = self.compiled(*self.resolve(schema["$ref"], name))
            else:
                found = self._compiled[key] = _Compiled(schema)
                found.fill(self, name)  # after it is known by its key: a schema may refer to itself
        return found


class _Compiled:
    """One schema object, its keywords read once: checking a value then looks only at the keywords the
    schema has (workflows of thousands of stages are checked against the same few schemas)."""

    __slots__ = ("schema", "types", "enum", "const", "minimum", "required", "properties", "names", "closed", "extra", "items", "all_of",
                 "condition", "then", "otherwise", "object_checks", "only", "trivial")

    def __init__(self, schema: Dict[str, Any]) -> None:
        self.schema = schema

    def fill(self, schemas: Schemas, name: str) -> None:
        schema = self.schema
        constraints = set(schema) & SUPPORTED  # first: a schema below that refers back here asks whether this one is trivial
        self.trivial = not constraints  # `{}`, or annotations alone: anything is valid
        # most `if`s test one keyword (`required: [$ref]`, `type: array`), answered without a list of errors
        self.only = next(iter(constraints)) if len(constraints) == 1 and constraints & {"required", "type"} else None

        def sub(key: str) -> Optional[_Compiled]:
            value = schema.get(key)
            return schemas.compiled(value, name) if isinstance(value, dict) else None

        def constraining(key: str) -> Optional[_Compiled]:  # a sub-schema nothing fails is not visited
            found = sub(key)
            return None if found is None or found.trivial else found

        expected = schema.get("type")
        self.types = None if expected is None else tuple(t for e in ([expected] if isinstance(expected, str) else expected) for t in _PYTHON_TYPES[e])
        self.enum = schema.get("enum")
        self.const = schema.get("const", _ABSENT)
        self.minimum = schema.get("minimum")
        self.required = tuple(schema.get("required", ()))
        properties = schema.get("properties", {})
        self.properties = tuple((key, schemas.compiled(value, name)) for key, value in properties.items())  # `{}` too: it names a key
        self.names = frozenset(properties)
        self.closed = schema.get("additionalProperties", True) is False
        self.extra = constraining("additionalProperties")
        self.items = constraining("items")
        self.all_of = tuple(schemas.compiled(s, name) for s in schema.get("allOf", ()))
        self.condition, self.then, self.otherwise = sub("if"), sub("then"), sub("else")
        self.object_checks = bool(self.required or self.properties or self.closed or self.extra)

    def accepts(self, instance: Any) -> bool:
        if self.only == "required":
            return not isinstance(instance, dict) or all(key in instance for key in self.required)
        if self.only == "type":
            return type(instance) in self.types  # type: ignore[operator]
        found: List[SchemaError] = []
        _check(self, instance, (), found)
        return not found


# errors are appended to ``found`` (not yielded: a generator per keyword and value cost more than the check)
def _check(schema: _Compiled, instance: Any, path: Tuple[Any, ...], found: List[SchemaError]) -> None:
    if schema.types is not None and type(instance) not in schema.types:
        found.append(SchemaError(path, "type", schema.schema["type"], schema.schema, instance))
        return  # further keywords would only repeat the type error
    if schema.enum is not None and instance not in schema.enum:
        found.append(SchemaError(path, "enum", schema.enum, schema.schema, instance))
    if schema.const is not _ABSENT and instance != schema.const:
        found.append(SchemaError(path, "const", schema.const, schema.schema, instance))
    if schema.minimum is not None and type(instance) in (int, float) and instance < schema.minimum:
        found.append(SchemaError(path, "minimum", schema.minimum, schema.schema, instance))
    if schema.object_checks and isinstance(instance, dict):
        _check_object(schema, instance, path, found)
    elif schema.items is not None and isinstance(instance, list):
        items = schema.items
        for index, item in enumerate(instance):
            _check(items, item, path + (index,), found)
    for part in schema.all_of:
        _check(part, instance, path, found)
    if schema.condition is not None:
        branch = schema.then if schema.condition.accepts(instance) else schema.otherwise
        if branch is not None:
            _check(branch, instance, path, found)


def _check_object(schema: _Compiled, instance: Dict[Any, Any], path: Tuple[Any, ...], found: List[SchemaError]) -> None:
    missing = [key for key in schema.required if key not in instance]
    if missing:
        found.append(SchemaError(path, "required", missing, schema.schema, instance))
    for key, sub in schema.properties:
        if key in instance and not sub.trivial:
            _check(sub, instance[key], path + (key,), found)
    if schema.closed:
        unexpected = [key for key in instance if key not in schema.names]
        if unexpected:
            found.append(SchemaError(path, "additionalProperties", unexpected, schema.schema, instance))
    elif schema.extra is not None:
        for key, value in instance.items():
            if key not in schema.names:
                _check(schema.extra, value, path + (key,), found)


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
