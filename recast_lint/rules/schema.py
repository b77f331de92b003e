"""RL2xx: the three formats against the bundled JSON Schemas, with errors at their own line.

One validation pass per analysis (shared by the rules below) checks `recast.yml`, every workflow
mapping and every step where it is used. The schemas key their unions on `*_type` with
``if``/``then``, so an error always belongs to the branch the document chose; when the type itself
is unknown, that is the one error reported, with the closest valid name.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, Iterator, List, Optional, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability, Fix
from recast_lint.lazyre import LazyPattern
from recast_lint.load import Document
from recast_lint.model import Analysis, Loc
from recast_lint.records import Record
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule, single_close_match
from recast_lint.schemacheck import SchemaError, Schemas


class SchemaIssue(Record):
    kind: str  # unknown-type | unknown-key | missing-key | wrong-type | placeholder-mapping | invalid-value
    finding: Finding


_SCHEMAS = Schemas()


def validation_targets(analysis: Analysis) -> Iterator[Tuple[Loc, str]]:
    entry = analysis.entry
    if entry is not None and entry.doc.ok:
        yield entry.loc, "recast.json"
    workflows_in: Dict[Document, List[Loc]] = {}  # a step is looked for among the workflows of its own file
    for loc in analysis.workflow_locs:
        workflows_in.setdefault(loc.doc, []).append(loc)
        yield loc, "workflow.json"
    step_locs = {step.loc for step in analysis.steps}
    steps_files = {}
    for step in analysis.steps:
        if not _inside_any(step.loc, workflows_in.get(step.loc.doc, [])):
            yield step.loc, "steps.json#/definitions/step"
            if len(step.loc.pointer) == 1:
                steps_files[step.loc.doc.path] = step.loc.doc
        for part, part_loc in step.parts.items():
            if part_loc != step.loc.child(part):  # reached through `$ref`: validated where it is written
                yield part_loc, f"steps.json#/definitions/{part}"
    # the other entries of a steps file, as the editor's schema for the file (steps.json) checks them:
    # an environment, process or publisher other steps reuse is checked even before one does
    for doc in steps_files.values():
        for key in doc.data:
            if Loc(doc, (key,)) not in step_locs:
                yield Loc(doc, (key,)), "steps.json#/definitions/entry"


def _inside_any(loc: Loc, containers: List[Loc]) -> bool:
    return any(c.doc is loc.doc and loc.pointer[: len(c.pointer)] == c.pointer for c in containers)


def schema_issues(analysis: Analysis) -> List[SchemaIssue]:
    if "schema" not in analysis.cache:
        issues: List[SchemaIssue] = []
        seen = set()
        for loc, target in validation_targets(analysis):
            if (loc, target) in seen:
                continue
            seen.add((loc, target))
            for error in _SCHEMAS.errors(target, loc.value):
                issues.extend(_classify(loc, error))
        analysis.cache["schema"] = issues
    return analysis.cache["schema"]


# -- turning schema errors into findings --------------------------------------------------------

_TYPE_NAMES = {
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
    "integer": "a whole number",
    "number": "a number",
    "null": "null",
}


def describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"the string {_short(value)}"


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def _context(error: SchemaError, pointer: Tuple[Any, ...]) -> str:
    title = error.schema.get("title")
    if title:
        return title
    return f"`{pointer[-1]}`" if pointer else "the document"


def _missing_key(loc: Loc, error: SchemaError, key: str, context: str) -> Iterator[SchemaIssue]:
    """A missing required key, or, when the mapping has a key that looks like a misspelling of it, that key."""
    allowed = error.schema.get("properties", {})
    written = [k for k in error.instance if isinstance(k, str) and k not in allowed]
    misspelt = closest(key, written) if written else None
    if misspelt is None:
        yield SchemaIssue("missing-key", Finding.at(loc, f"missing required key '{key}' in {context}", f"add `{key}:` to this mapping", key=True))
    elif error.schema.get("additionalProperties") is not False or closest(misspelt, list(allowed)) != key:
        # in a closed mapping the unknown key is reported already, with this name as its did-you-mean
        message = f"missing required key '{key}' in {context}; is '{misspelt}' a misspelling of it?"
        rename = fix.rename_key(loc.child(misspelt), key) if single_close_match(key, written) == misspelt else None
        yield SchemaIssue("missing-key", Finding.at(loc.child(misspelt), message, f"rename '{misspelt}' to '{key}'", key=True, fix=rename))


def _retype(loc: Loc, written: Any, choices: List[Any]) -> Optional[Fix]:
    """The one known type a misspelt `*_type` stands for (safe: the runtime rejects the misspelling)."""
    best = single_close_match(written, choices) if isinstance(written, str) else None
    if best is None:
        return None
    return fix.make(f"change '{written}' to '{best}'", [fix.replace_text(loc, written, best)])


def _classify(base: Loc, error: SchemaError) -> Iterator[SchemaIssue]:
    loc = base.child(*error.path)
    pointer = loc.pointer
    keyword = error.keyword
    if keyword == "additionalProperties":
        allowed = list(error.schema.get("properties", {}))
        for key in error.value:
            meant = single_close_match(key, allowed)
            yield SchemaIssue(
                "unknown-key",
                Finding.at(
                    loc.child(key),
                    f"unknown key '{key}' in {_context(error, pointer)}",
                    did_you_mean(key, allowed),
                    key=True,
                    fix=fix.rename_key(loc.child(key), meant) if meant else None,
                ),
            )
    elif keyword == "required":
        for key in error.value:
            yield from _missing_key(loc, error, key, _context(error, pointer))
    elif keyword == "type":
        yield _type_issue(loc, error)
    elif keyword in ("enum", "const"):
        choices = error.value if keyword == "enum" else [error.value]
        name = str(pointer[-1]) if pointer else "value"
        if name.endswith("_type"):
            message = f"unknown {name} {_short(error.instance)}"
            yield SchemaIssue("unknown-type", Finding.at(loc, message, did_you_mean(error.instance, choices), fix=_retype(loc, error.instance, choices)))
        else:
            message = f"invalid value {_short(error.instance)} for `{name}`"
            yield SchemaIssue("invalid-value", Finding.at(loc, message, did_you_mean(error.instance, choices)))
    elif keyword == "minimum":
        message = f"{_value_name(loc)} must be at least {error.value}, not {describe(error.instance)}"
        yield SchemaIssue("invalid-value", Finding.at(loc, message, f"use {error.value} or more"))


def _type_issue(loc: Loc, error: SchemaError) -> SchemaIssue:
    expected_types = error.value if isinstance(error.value, list) else [error.value]
    expected = " or ".join(_TYPE_NAMES.get(t, t) for t in expected_types)
    value = error.instance
    name = _value_name(loc)
    info = loc.doc.info(loc.pointer)
    if info is not None and info.placeholder_mapping is not None and "string" in expected_types:
        return SchemaIssue("placeholder-mapping", _placeholder_mapping(loc, info.placeholder_mapping))
    if value is None:
        after = "the `-`" if loc.pointer and isinstance(loc.pointer[-1], int) else "the colon"
        return SchemaIssue("wrong-type", Finding.at(loc, f"{name} has no value; expected {expected}", f"write a value after {after}"))
    hint, instead = _type_hint(expected_types, expected, value, _written_scalar(loc))
    retype = fix.make(f"write {instead}", [fix.replace_value(loc, instead)]) if instead is not None else None
    return SchemaIssue("wrong-type", Finding.at(loc, f"{name} must be {expected}, not {describe(value)}", hint, fix=retype))


def _placeholder_mapping(loc: Loc, name: str) -> Finding:
    """`{name}` written unquoted, with the fix that quotes it as written (safe: the mapping YAML
    made of it is never what was meant)."""
    placeholder = "{" + name + "}"
    info = loc.doc.info(loc.pointer)
    written = loc.doc.text[info.start : info.end] if info is not None else placeholder
    one_line = "\n" not in written
    as_text = fix.quoted(written if one_line else placeholder)
    quote = fix.make(f"quote it: {as_text}", [fix.replace_value(loc, as_text)]) if one_line else None
    return Finding.at(loc, f"{_value_name(loc)} is {placeholder} unquoted, which YAML reads as a mapping, not a string", f"quote it: {as_text}", fix=quote)


def unquoted_placeholders(analysis: Analysis) -> Iterator[Finding]:
    """Every `{name}` written unquoted where the schema allows any value and so says nothing: in what
    a step receives (stage parameters, initdata, a test's parameters) an error, in an
    `interpolated-pub` template (published as a mapping, only wrong for a stage that reads it) a warning."""
    received: List[Loc] = [p.loc for stage in analysis.all_stages() for p in stage.parameters]
    received += [loc for _, loc, _ in analysis.initdata_sources()]
    received += [test.loc.child("parameters") for test in (analysis.entry.tests if analysis.entry else [])]
    for loc in received:
        for found, name in _placeholders_under(loc):
            yield _placeholder_mapping(found, name)
    for step in analysis.steps:
        publisher = step.part("publisher")
        if publisher is not None and publisher.get("publisher_type") == "interpolated-pub":
            for found, name in _placeholders_under(publisher.child("publish")):
                yield _placeholder_mapping(found, name)._replace(severity=Severity.WARNING)


def _placeholders_under(loc: Loc) -> Iterator[Tuple[Loc, str]]:
    value = loc.value
    if isinstance(value, dict):
        if loc.unquoted_placeholder is not None:
            yield loc, loc.unquoted_placeholder
            return
        for key in value:
            yield from _placeholders_under(loc.child(key))
    elif isinstance(value, list):
        for index in range(len(value)):
            yield from _placeholders_under(loc.child(index))


_NUMBER = LazyPattern(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?")  # what YAML reads back as the same number (no octal `010`)
_LIST_ITEM = LazyPattern(r"[^,\[\]{}#\n]+")  # one item inside `[...]`: no flow indicators, no comment


def _written_scalar(loc: Loc) -> Optional[Tuple[str, str]]:
    """(source text, style) of the one-line scalar at ``loc``, as written (quotes included)."""
    info = loc.doc.info(loc.pointer)
    if info is None or info.style not in ("", "'", '"'):
        return None
    written = loc.doc.text[info.start : info.end]
    return (written, info.style) if "\n" not in written and not written.startswith(("!", "&", "*")) else None


def _type_hint(expected_types: List[str], expected: str, value: Any, written: Optional[Tuple[str, str]]) -> Tuple[str, Optional[str]]:
    """The hint for a value of the wrong type, and the text to write instead when there is no doubt
    about it: the value as written but quoted, unquoted or in brackets (safe: the schema rejects what
    is there, and YAML reads the new text as what was typed)."""
    text, style = written if written is not None else (None, None)
    if "string" in expected_types and isinstance(value, (bool, int, float)):
        instead = fix.quoted(text) if style == "" else None
        shown = instead or "'" + (str(value).lower() if isinstance(value, bool) else str(value)) + "'"
        return f"quote it so YAML reads it as text: {shown}", instead
    if "array" in expected_types and not isinstance(value, (list, dict)):
        plain_item = style != "" or (_LIST_ITEM.fullmatch(text or "") is not None and ": " not in (text or ""))
        instead = f"[{text}]" if text is not None and plain_item else None
        return f"write a list: {instead or f'[{value}]'}", instead
    if "array" in expected_types:
        return "write a list: one `- item` line per element, or `[a, b]`", None
    if "object" in expected_types:
        return "write a mapping: `key: value` lines indented below it, or `{key: value}`", None
    if {"integer", "number"} & set(expected_types) and isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
        number = value.strip()
        instead = number if style in ("'", '"') and _NUMBER.fullmatch(number) else None
        return f"remove the quotes so YAML reads it as a number: {number}", instead
    if "boolean" in expected_types:
        flag = value.strip().lower() if isinstance(value, str) else None
        return "write true or false, without quotes", flag if style in ("'", '"') and flag in ("true", "false") else None
    return f"write {expected} here", None


def _value_name(loc: Loc) -> str:
    """`key` for a mapping value, `item 2 of `stages`` for a list element."""
    pointer = loc.pointer
    if not pointer:
        return f"the top level of {loc.doc.path.name}"
    if isinstance(pointer[-1], int):
        within = f" of `{pointer[-2]}`" if len(pointer) > 1 and not isinstance(pointer[-2], int) else ""
        return f"item {pointer[-1] + 1}{within}"
    return f"`{pointer[-1]}`"


def _issues(analysis: Analysis, kind: str) -> Iterable[Finding]:
    return [issue.finding for issue in schema_issues(analysis) if issue.kind == kind]


# -- the rules ---------------------------------------------------------------------------------


@rule("RL201", "unknown-type", Severity.ERROR, "unknown scheduler, process, publisher or environment type", fix=Applicability.SAFE)
def unknown_type(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `scheduler_type`, `process_type`, `publisher_type`, `environment_type` or
    `dependency_type` that the runtime does not know.

    Why: the reference validator reports this as "... is not valid under any of the given schemas"
    with a dump of the whole stage; at run time nothing of the stage can be built.

    Bad:

        process:
          process_type: string-interpolated-command

    Fixed:

        process:
          process_type: string-interpolated-cmd
    """
    return _issues(analysis, "unknown-type")


@rule("RL202", "unknown-key", Severity.ERROR, "a key that is not allowed at this place", fix=Applicability.SAFE)
def unknown_key(analysis: Analysis) -> Iterable[Finding]:
    """Catches keys the runtime does not accept, with the closest allowed key.

    Why: the runtime's schemas forbid extra keys at stage, scheduler, step, process, publisher and
    environment level; a misspelt key (`depends_on`, `batch_size`, `imagetga`) fails validation,
    and in `recast.yml` it is silently ignored.

    Bad:

        scheduler:
          scheduler_type: multistep-stage
          batch_size: 10

    Fixed:

        scheduler:
          scheduler_type: multistep-stage
          batchsize: 10
    """
    return _issues(analysis, "unknown-key")


@rule("RL203", "missing-key", Severity.ERROR, "a required key is missing", fix=Applicability.SAFE)
def missing_key(analysis: Analysis) -> Iterable[Finding]:
    """Catches mappings that lack a key the runtime requires: a stage without `scheduler`, a step
    without `publisher`, a `string-interpolated-cmd` without `cmd`, a `recast.yml` without
    `metadata.short_description`, a test without `parameters`, and so on.

    Why: yadage and packtivity reject the spec; recast-atlas silently drops a catalogue entry
    without `metadata`, and `recast catalogue ls` crashes without `short_description`.

    Bad:

        hello:
          process: {process_type: string-interpolated-cmd, cmd: echo hi}
          environment: {environment_type: docker-encapsulated, image: busybox}

    Fixed: add the `publisher:` the step lacks.

    The diagnostic stands on the mapping that lacks the key, or, when the mapping holds a key that
    looks like a misspelling of it (`short_descripton`), on that key. Where the mapping accepts no
    other keys, RL202 reports the misspelt key with the missing name as its did-you-mean, and this
    rule stays silent about it.
    """
    return _issues(analysis, "missing-key")


@rule("RL204", "wrong-type", Severity.ERROR, "a value has the wrong type", fix=Applicability.SAFE)
def wrong_type(analysis: Analysis) -> Iterable[Finding]:
    """Catches values of the wrong YAML type: a number where a string is needed, a string where a
    list is needed, an empty value.

    Why: the runtime's schemas reject the document; YAML's implicit typing makes `imagetag: 1.0`
    a number and `tags: physics` a string.

    Bad:

        imagetag: 21.2

    Fixed:

        imagetag: '21.2'
    """
    return _issues(analysis, "wrong-type")


@rule("RL205", "invalid-value", Severity.ERROR, "a value is outside what the schema allows")
def invalid_value(analysis: Analysis) -> Iterable[Finding]:
    """Catches values of the right type but not allowed, e.g. `batchsize: 0`.

    Why: the runtime's schemas reject the document before anything runs.

    Bad:

        scheduler_type: multistep-stage
        batchsize: 0

    Fixed: `batchsize: 1` or more, the number of scattered items each step gets.
    """
    return _issues(analysis, "invalid-value")


@rule("RL206", "unquoted-placeholder", Severity.ERROR, "an unquoted `{placeholder}` is read as a mapping", fix=Applicability.SAFE)
def unquoted_placeholder(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `{placeholder}` written without quotes where a string is expected.

    Why: in YAML, `{version}` is a flow mapping `{'version': null}`, not text. The validator then
    says the whole step "is not valid under any of the given schemas".

    Bad:

        imagetag: {version}

    Fixed:

        imagetag: '{version}'

    Where any value is allowed (a stage parameter, initdata, a test's parameters, a publish
    template) nothing else notices: `outputfile: {workdir}` runs, and the step gets the mapping.
    Seen with yadage 0.21.2 on the helloworld with that parameter: the step succeeds with
    `parameters: {outputfile: {workdir: null}}`, `tee` writes to a file named
    `{'workdir': None}` outside the workdir, the stage publishes `{outputfile: {workdir: null}}`,
    and the result `hello_world/hello_world.txt` is never written. `{workdir}/out.txt` unquoted is
    not valid YAML at all (RL101 says "quote it").
    """
    found = {(f.doc.path, f.span): f for f in _issues(analysis, "placeholder-mapping")}
    for finding in unquoted_placeholders(analysis):
        found.setdefault((finding.doc.path, finding.span), finding)
    return list(found.values())
