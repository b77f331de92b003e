"""Completion: keys and `*_type` values from the bundled schemas, stage names in `dependencies` and
selectors, step names after `steps.yml#`, and parameters inside `{` in `cmd`, `script` and publish
templates.

The cursor's place comes from the text (``context``), the document's data from the buffer as it is
now when it parses (else with the line being typed blanked, else the last model), and the names
from the model of the last lint.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Tuple

from recast_lint.load import Document, Pointer, load_bytes, load_file, value_at
from recast_lint.model import ENTRY_FILE, Analysis, Step, is_file, looks_like_step, real, spec_files_in
from recast_lint.records import Record
from recast_lint.schemacheck import Schemas
from recast_lint.server.context import Cursor, cursor_at

MAX_REPARSE_CHARS = 256 * 1024  # past this, completion reads the last model instead of parsing each keystroke
SELECTOR_KEYS = ("step", "stages", "steps")
TEMPLATE_KEYS = ("cmd", "script")
_SCHEMAS = Schemas()


class Item(Record):
    label: str
    kind: str  # key | value | stage | step | file | parameter
    detail: str = ""
    documentation: str = ""
    insert: Optional[str] = None  # the text put in place of the typed prefix (default: the label)


class Completions(Record):
    items: List[Item]
    start: int  # column (characters) where the replaced prefix begins on the cursor's line


def complete(text: str, line: int, column: int, path: Path, analysis: Optional[Analysis]) -> Completions:
    cursor = cursor_at(text, line, column)
    if cursor is None:
        return Completions([], column)
    data = _current_data(text, line, path, analysis)
    for provider in (_placeholders, _ref_targets, _stage_names, _schema_items):
        found = provider(cursor, data, path, analysis)
        if found is not None:
            return found
    return Completions([], column)


# -- the document's data as it is now ------------------------------------------------------------


def _current_data(text: str, line: int, path: Path, analysis: Optional[Analysis]) -> Any:
    if len(text) <= MAX_REPARSE_CHARS:
        doc = load_bytes(text.encode("utf-8", "surrogatepass"), path)
        if doc.ok:
            return doc.data
        lines = text.split("\n")
        if line < len(lines):  # the line being typed is often what breaks the YAML
            lines[line] = lines[line][: len(lines[line]) - len(lines[line].lstrip())]
            doc = load_bytes("\n".join(lines).encode("utf-8", "surrogatepass"), path)
            if doc.ok:
                return doc.data
    known = analysis.documents.get(path) if analysis is not None else None
    return known.data if known is not None else None


# -- placeholders inside `{` ---------------------------------------------------------------------


def _open_brace(value: str) -> Optional[int]:
    """Where the `{` the cursor is inside opens in ``value``, unless it is `{{` (a literal brace)."""
    opened = value.rfind("{")
    if opened < 0 or "}" in value[opened:] or value[opened - 1 : opened] == "{":
        return None
    return opened


def _step_at(analysis: Optional[Analysis], path: Path, pointer: Pointer) -> Optional[Tuple[Step, str]]:
    """The step whose process or publisher holds ``pointer``, and which part it is."""
    if analysis is None:
        return None
    for step in analysis.steps:
        for part, loc in step.parts.items():
            if loc.doc.path == path and pointer[: len(loc.pointer)] == loc.pointer:
                return step, part
    return None


def _placeholders(cursor: Cursor, data: Any, path: Path, analysis: Optional[Analysis]) -> Optional[Completions]:
    if cursor.mode != "value" or _open_brace(cursor.value) is None:
        return None
    found = _step_at(analysis, path, cursor.pointer)
    if found is None:
        return None
    step, part = found
    if part == "process" and cursor.pointer[-1:] not in [(key,) for key in TEMPLATE_KEYS]:
        return None
    names: Dict[str, str] = {}
    for stage in step.used_by:
        for parameter in stage.parameters:
            if isinstance(parameter.key, str):
                names.setdefault(parameter.key, f"parameter of stage '{stage.path}'")
    if part == "publisher":
        names.setdefault("workdir", "the stage's work directory, filled in by the runtime")
    word = cursor.value[_open_brace(cursor.value) + 1 :]  # type: ignore[operator]
    start = cursor.start + len(cursor.prefix) - len(word)
    return Completions([Item(name, "parameter", detail, insert=name + "}") for name, detail in names.items()], start)


# -- `$ref` targets: files, then the steps after `#` -------------------------------------------


def _ref_base(analysis: Optional[Analysis], path: Path, pointer: Pointer) -> Path:
    """The directory a `$ref` written at ``pointer`` resolves against, as the model resolved its neighbours."""
    if analysis is not None:
        if analysis.entry is not None and analysis.entry.doc.path == path and analysis.entry.toplevel is not None:
            return analysis.entry.toplevel
        for site in analysis.refs:
            if site.loc.doc.path == path:
                return site.base
    return path.parent


def _is_ref_value(pointer: Pointer, path: Path, analysis: Optional[Analysis]) -> bool:
    """A `$ref`, or the `spec` of a catalogue entry's test (an entry is any `*.yml` with `name`, `metadata`, `spec`)."""
    if pointer[-1:] == ("$ref",):
        return True
    is_entry = path.name == ENTRY_FILE or (analysis is not None and analysis.entry is not None and analysis.entry.doc.path == path)
    return is_entry and len(pointer) == 3 and pointer[0] == "tests" and pointer[2] == "spec"


def _ref_targets(cursor: Cursor, data: Any, path: Path, analysis: Optional[Analysis]) -> Optional[Completions]:
    if cursor.mode != "value" or not _is_ref_value(cursor.pointer, path, analysis):
        return None
    base = _ref_base(analysis, path, cursor.pointer)
    file_part, hash_sign, fragment = cursor.prefix.partition("#")
    if not hash_sign:
        files = [name for name in spec_files_in(base, ".json") if base / name != path]
        return Completions([Item(name, "file", str(base / name), insert=f"{name}#/") for name in files], cursor.start)
    target = real(base / file_part) if file_part else path
    document = _document(analysis, target)
    if document is None or not isinstance(document.data, dict):
        return Completions([], cursor.start)
    steps = [key for key, value in document.data.items() if isinstance(key, str) and looks_like_step(value)]
    start = cursor.start + len(file_part) + 1 + (1 if fragment.startswith("/") else 0)
    items = [Item(name, "step", _step_summary(document.data[name]), insert=name) for name in steps]
    return Completions(items, start)


def _document(analysis: Optional[Analysis], path: Path) -> Optional[Document]:
    """A file of the analysis, as the model read it, or read now when it is inside the analysis."""
    if analysis is None:
        return None
    known = analysis.documents.get(path)
    if known is not None:
        return known
    if analysis.root in path.parents and is_file(path):
        return load_file(path)
    return None


def _step_summary(step: Dict[str, Any]) -> str:
    process = step.get("process") if isinstance(step.get("process"), dict) else {}
    environment = step.get("environment") if isinstance(step.get("environment"), dict) else {}
    image = environment.get("image")
    return " ".join(str(part) for part in (process.get("process_type"), f"in {image}" if image else None) if part)


# -- stage names in dependencies and selectors ---------------------------------------------------


def _stage_list(pointer: Pointer) -> Optional[int]:
    """The length of the pointer to the `stages` list around the stage ``pointer`` is in."""
    for index in range(len(pointer) - 2, -1, -1):
        if pointer[index] == "stages" and isinstance(pointer[index + 1], int):
            return index + 1
    return None


def _names_a_stage(within_stage: Pointer) -> bool:
    if within_stage[:1] == ("dependencies",):
        return len(within_stage) == 2 or within_stage[1:2] == ("expressions",)
    return within_stage[:2] == ("scheduler", "parameters") and within_stage[-1:] in [(key,) for key in SELECTOR_KEYS]


def _stage_names(cursor: Cursor, data: Any, path: Path, analysis: Optional[Analysis]) -> Optional[Completions]:
    if cursor.mode not in ("value", "item"):
        return None
    stage_at = _stage_list(cursor.pointer)
    if stage_at is None or not _names_a_stage(cursor.pointer[stage_at + 1 :]):
        return None
    stages = value_at(data, cursor.pointer[: stage_at])
    this = value_at(data, cursor.pointer[: stage_at + 1])
    names = [s.get("name") for s in stages if isinstance(s, dict) and s is not this] if isinstance(stages, list) else []
    items = [Item("init", "stage", "the initial data of the workflow")]
    items += [Item(name, "stage", "stage") for name in names if isinstance(name, str)]
    return Completions(items, cursor.start)


# -- keys and values from the schemas ----------------------------------------------------------


def _schema_target(analysis: Optional[Analysis], path: Path, pointer: Pointer, data: Any) -> Optional[Tuple[str, Pointer]]:
    """Which schema describes ``pointer``, and the pointer relative to it."""
    if analysis is not None:
        from recast_lint.rules.schema import validation_targets  # the places the RL2xx rules validate

        best = None
        for loc, target in validation_targets(analysis):
            if loc.doc.path == path and pointer[: len(loc.pointer)] == loc.pointer and (best is None or len(loc.pointer) > len(best[0])):
                best = (loc.pointer, target)
        if best is not None:
            return best[1], pointer[len(best[0]) :]
    if path.name == ENTRY_FILE:
        return "recast.json", pointer
    if isinstance(data, dict) and "stages" in data or "workflow" in path.name:
        return "workflow.json", pointer
    if pointer and ("step" in path.name or isinstance(data, dict) and any(looks_like_step(v) for v in data.values())):
        return "steps.json#/definitions/step", pointer[1:]
    return None


def _expand(node: Any, name: str, instance: Any) -> List[Tuple[Dict[str, Any], str]]:
    """The schema nodes that apply at one place: `$ref` followed, `allOf` and the branch of each `if` taken."""
    applied: List[Tuple[Dict[str, Any], str]] = []
    todo = [(node, name)]
    judged = {} if instance is None else instance  # a mapping not written yet is judged as an empty one
    while todo and len(applied) < 200:
        current, current_name = todo.pop()
        if not isinstance(current, dict):
            continue
        if isinstance(current.get("$ref"), str):
            todo.append(_SCHEMAS.resolve(current["$ref"], current_name))
            continue
        applied.append((current, current_name))
        todo.extend((sub, current_name) for sub in current.get("allOf", ()))
        if "if" in current:
            branch = "then" if _SCHEMAS.valid(current["if"], current_name, judged) else "else"
            if branch in current:
                todo.append((current[branch], current_name))
    return applied


def _schema_nodes(target: str, pointer: Pointer, data: Any) -> List[Tuple[Dict[str, Any], str]]:
    current = [_SCHEMAS.resolve(target, "")]
    instance = data
    for part in pointer:
        following = []
        for node, name in (applied for n, nm in current for applied in _expand(n, nm, instance)):
            if isinstance(part, int):
                if isinstance(node.get("items"), dict):
                    following.append((node["items"], name))
            elif part in node.get("properties", {}):
                following.append((node["properties"][part], name))
            elif isinstance(node.get("additionalProperties"), dict):
                following.append((node["additionalProperties"], name))
        current = following
        instance = value_at(instance, [part])
    return [applied for n, nm in current for applied in _expand(n, nm, instance)]


def _describe(schema: Dict[str, Any]) -> str:
    return str(schema.get("description") or schema.get("title") or "")


def _keys(nodes: Iterable[Tuple[Dict[str, Any], str]], present: Any) -> List[Item]:
    items: Dict[str, Item] = {}
    for node, name in nodes:
        for key, sub in node.get("properties", {}).items():
            if key == "$ref" or isinstance(present, dict) and key in present:
                continue
            resolved = _SCHEMAS.resolve(sub["$ref"], name)[0] if isinstance(sub, dict) and isinstance(sub.get("$ref"), str) else sub
            doc = _describe(resolved) if isinstance(resolved, dict) else ""
            if key not in items or doc and not items[key].documentation:
                items[key] = Item(key, "key", _describe(node) if node.get("title") else "", doc, insert=f"{key}: ")
    return list(items.values())


def _values(nodes: Iterable[Tuple[Dict[str, Any], str]]) -> List[Item]:
    values: Dict[str, Item] = {}
    for node, _ in nodes:
        choices = list(node.get("enum", ())) + ([node["const"]] if "const" in node else [])
        if node.get("type") == "boolean":
            choices += [True, False]
        for choice in choices:
            label = str(choice).lower() if isinstance(choice, bool) else str(choice)
            values.setdefault(label, Item(label, "value", _describe(node)))
    return list(values.values())


def _schema_items(cursor: Cursor, data: Any, path: Path, analysis: Optional[Analysis]) -> Optional[Completions]:
    if cursor.block:
        return None
    found = _schema_target(analysis, path, cursor.pointer, data)
    if found is None:
        return None
    target, pointer = found
    nodes = _schema_nodes(target, pointer, value_at(data, cursor.pointer[: len(cursor.pointer) - len(pointer)]))
    if cursor.mode == "key":
        return Completions(_keys(nodes, value_at(data, cursor.pointer)), cursor.start)
    if cursor.mode == "value":
        return Completions(_values(nodes), cursor.start)
    present = value_at(data, cursor.pointer)  # `- ` then a word: a value of the list, or the first key of an item
    return Completions(_values(nodes) + _keys(nodes, present if isinstance(present, dict) else None), cursor.start)

