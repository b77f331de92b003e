"""Hover and go-to-definition, read from the model of the last lint.

What the cursor can stand on: a `$ref` (the step or document it resolves to), a stage name in
`dependencies` or a selector (the stages it reaches, `init`: the initial data), a `{placeholder}`
in a step's command or publisher (the stage parameters that fill it, and the selector behind
each), a `results[].relpath` (the stage that writes it) and `spec.workflow` (the workflow file).
A diagnostic's explanation comes from its rule's documentation (``rule_help``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

from recast_lint.diagnostics import Diagnostic, Span
from recast_lint.load import Document, Pointer
from recast_lint.model import Analysis, Loc, Parameter, RefSite, Stage, Step, is_selector
from recast_lint.records import Record
from recast_lint.rules.registry import Rule
from recast_lint.stagegraph import Reading, graphs, init_sources, root_of

_FIELD_NAME = re.compile(r"[A-Za-z_]\w*")
MAX_SHOWN = 120  # characters of a command or value shown in a hover


class Target(Record):
    """A place to go to: a file and a region of the text the model read."""

    path: Path
    span: Span
    text: str


class Found(Record):
    span: Span  # what the cursor stands on
    markdown: str
    targets: List[Target]


def find(analysis: Analysis, doc: Document, offset: int) -> Optional[Found]:
    """What stands at ``offset`` of ``doc`` (a document of ``analysis``), if it names something."""
    at = node_at(doc, offset)
    if at is None:
        return None
    pointer, span = at
    for finder in (_ref, _stage_expression, _placeholder, _result_path, _entry_workflow):
        found = finder(analysis, doc, pointer, span, offset)
        if found is not None:
            return found
    return None


def node_at(doc: Document, offset: int) -> Optional[Tuple[Pointer, Span]]:
    """The innermost scalar value (or key) around ``offset``: its pointer and its span."""
    best: Optional[Tuple[int, Pointer, Span]] = None
    for pointer, info in doc.nodes.items():
        if info.key is not None:
            start, end = doc.offset(info.key.line, info.key.column), doc.offset(info.key.end_line, info.key.end_column)
            if start <= offset <= end and (best is None or end - start < best[0]):
                best = (end - start, pointer, info.key)
        if info.style is not None and info.start <= offset <= info.end and (best is None or info.end - info.start < best[0]):
            best = (info.end - info.start, pointer, info.value)
    return (best[1], best[2]) if best is not None else None


# -- what the finders say ----------------------------------------------------------------------


def _shown(path: Path, analysis: Analysis) -> str:
    try:
        return path.relative_to(analysis.root).as_posix()
    except ValueError:
        return path.name


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else repr(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 1] + "…"


def _target(loc: Loc, key: bool = True) -> Target:
    return Target(loc.doc.path, loc.span(key=key), loc.doc.text)


def _where(loc: Loc, analysis: Analysis) -> str:
    return f"`{_shown(loc.doc.path, analysis)}` line {loc.span(key=True).line}"


def _stage_target(stage: Stage) -> Target:
    name = stage.loc.child("name")
    return _target(name, key=False) if stage.loc.has("name") else _target(stage.loc, key=False)


def _describe_step(step: Step, analysis: Analysis) -> List[str]:
    lines = []
    process = step.part_value("process")
    if process:
        command = process.get("cmd", process.get("script"))
        lines.append(f"- process `{process.get('process_type')}`" + (f": `{_short(command)}`" if isinstance(command, str) else ""))
    publisher = step.part_value("publisher")
    if publisher:
        lines.append(f"- publisher `{publisher.get('publisher_type')}`")
    environment = step.part_value("environment")
    if environment.get("image"):
        tag = environment.get("imagetag")
        lines.append(f"- image `{environment['image']}{':' + str(tag) if tag is not None else ''}`")
    users = sorted({stage.path for stage in step.used_by})
    if users:
        lines.append("- used by stage" + ("s " if len(users) > 1 else " ") + ", ".join(f"`{name}`" for name in users))
    return lines


def _ref(analysis: Analysis, doc: Document, pointer: Pointer, span: Span, offset: int) -> Optional[Found]:
    site = _ref_site(analysis, doc, pointer)
    if site is None:
        return None
    written = f"`{_short(site.target)}`"
    if site.resolved is None:
        reason = {"missing-file": "the file does not exist", "missing-fragment": f"there is no `{site.detail}` in the file",
                  "remote": "it is remote and not fetched", "loop": "the `$ref`s form a loop"}.get(site.problem or "", site.problem or "")
        return Found(span, f"`$ref` {written} does not resolve: {reason}", [])
    resolved = site.resolved
    name = f"**{resolved.pointer[-1]}** in " if resolved.pointer else ""
    lines = [f"`$ref` {written} → {name}{_where(resolved, analysis)}"]
    step = next((s for s in analysis.steps if s.loc == resolved), None)
    if step is not None:
        lines += [""] + _describe_step(step, analysis)
    return Found(span, "\n".join(lines), [_target(resolved)])


def _ref_site(analysis: Analysis, doc: Document, pointer: Pointer) -> Optional[RefSite]:
    for site in analysis.refs:
        if site.loc.doc is doc and (site.loc.pointer + ("$ref",) == pointer or site.loc.pointer == pointer and isinstance(site.loc.value, str)):
            return site
    return None


def _readings(analysis: Analysis, doc: Document, pointer: Pointer) -> Tuple[Optional[Reading], Optional[Stage]]:
    loc = Loc(doc, pointer)
    for graph in graphs(analysis):
        for stage in graph.stages:
            for reading in graph.dependencies.get(stage.index, []):
                if reading.loc == loc:
                    return reading, stage
        for selector in graph.selectors:
            if selector.target.loc == loc:
                return selector.target, selector.stage
    return None, None


def _stage_expression(analysis: Analysis, doc: Document, pointer: Pointer, span: Span, offset: int) -> Optional[Found]:
    reading, stage = _readings(analysis, doc, pointer)
    if reading is None or stage is None:
        return None
    if reading.resolution is None:
        return Found(span, f"`{_short(reading.text)}` cannot be read as a stage expression", [])
    lines: List[str] = []
    targets: List[Target] = []
    for entry in {id(r.entry): r.entry for r in reading.resolution.reached}.values():
        if entry.stage is None:
            sources = init_sources(analysis, root_of(stage.workflow))
            where = ", ".join(f"{label} in `{_shown(loc.doc.path, analysis)}`" for label, loc, _ in sources)
            lines.append("`init`: the initial data of the workflow" + (f" ({where})" if where else ", given when it is run"))
            targets += [_target(loc) for _, loc, _ in sources]
        else:
            kind = entry.stage.scheduler_type or "stage"
            step = entry.stage.step
            runs = f", running step **{step.loc.pointer[-1]}**" if step is not None and step.loc.pointer else ""
            lines.append(f"stage **{entry.stage.path}** ({_where(entry.stage.loc, analysis)}): `{kind}`{runs}")
            targets.append(_stage_target(entry.stage))
    if not lines:
        lines.append(f"`{_short(reading.text)}` " + ("is only resolved at run time" if reading.resolution.uncertain else "matches no stage"))
    return Found(span, "\n\n".join(lines), targets)


def _field_at(doc: Document, pointer: Pointer, offset: int) -> Optional[Tuple[str, Span]]:
    """The `{name}` written around ``offset`` inside the value at ``pointer``: its root name and span."""
    info = doc.info(pointer)
    if info is None:
        return None
    line_start = doc.text.rfind("\n", 0, offset) + 1
    line_end = doc.text.find("\n", offset)
    line_end = len(doc.text) if line_end < 0 else line_end
    opened = doc.text.rfind("{", max(info.start, line_start), offset + 1)
    if opened < 0 or doc.text[opened - 1 : opened] == "{":
        return None
    closed = doc.text.find("}", opened, min(info.end, line_end))
    if closed < 0 or closed + 1 < offset:
        return None
    name = _FIELD_NAME.match(doc.text, opened + 1)
    if name is None or name.end() > closed:
        return None
    return name.group(0), doc.text_span(opened, closed + 1)


def _placeholder(analysis: Analysis, doc: Document, pointer: Pointer, span: Span, offset: int) -> Optional[Found]:
    field = _field_at(doc, pointer, offset)
    if field is None:
        return None
    name, field_span = field
    if name == "workdir":
        return Found(field_span, "`{workdir}`: the stage's own work directory, filled in by the runtime", [])
    step = next((s for s in analysis.steps for loc in s.parts.values() if loc.doc is doc and pointer[: len(loc.pointer)] == loc.pointer), None)
    if step is None:
        return None
    lines: List[str] = []
    targets: List[Target] = []
    for stage in dict.fromkeys(step.used_by):
        parameter = next((p for p in stage.parameters if p.key == name), None)
        if parameter is None:
            lines.append(f"stage **{stage.path}** passes no parameter `{name}`")
            continue
        lines.append(f"parameter `{name}` of stage **{stage.path}** ({_where(parameter.key_loc, analysis)}): {_value_source(analysis, stage, parameter)}")
        targets.append(_target(parameter.key_loc))
    if not lines:
        lines.append(f"`{{{name}}}`: no stage uses this step, so nothing fills it in")
    return Found(field_span, "\n\n".join(lines), targets)


def _value_source(analysis: Analysis, stage: Stage, parameter: Parameter) -> str:
    value = parameter.value
    if not is_selector(value):
        return f"the value `{_short(value)}`"
    key = next(k for k in ("step", "stages", "steps") if k in value)
    output = value.get("output")
    source = f"output `{output}` of `{{{key}: {value[key]}}}`"
    if value[key] == "init":
        given = [(label, data.get(output)) for label, _, data in init_sources(analysis, root_of(stage.workflow)) if isinstance(data, dict) and output in data]
        if given:
            source += ", the initial data: " + "; ".join(f"`{_short(v)}` in {label}" for label, v in given)
        return source
    reached = [entry.stage for graph in graphs(analysis) for s in graph.selectors if s.parameter is parameter and s.target.resolution
               for entry in [r.entry for r in s.target.resolution.reached] if entry.stage is not None]
    for upstream in dict.fromkeys(reached):
        publisher = upstream.step.part_value("publisher") if upstream.step else {}
        how = f" (published by `{publisher.get('publisher_type')}`)" if publisher else ""
        source += f", from stage **{upstream.path}**{how}"
    return source


def _result_path(analysis: Analysis, doc: Document, pointer: Pointer, span: Span, offset: int) -> Optional[Found]:
    entry = analysis.entry
    if entry is None or entry.doc is not doc or len(pointer) != 3 or pointer[0] != "results" or pointer[2] != "relpath":
        return None
    relpath = Loc(doc, pointer).value
    if not isinstance(relpath, str) or entry.workflow is None:
        return None
    first = os.path.normpath(relpath).split(os.sep)[0]
    stages = [s for s in entry.workflow.stages if s.name == first or isinstance(s.name, str) and re.fullmatch(re.escape(s.name) + r"_\d+", first)]
    if not stages:
        return Found(span, f"no stage of the workflow is called `{_short(first)}`, so no stage writes this file", [])
    lines = [f"written by stage **{stage.path}** ({_where(stage.loc, analysis)}) into `recast-<tag>/{first}/`" for stage in stages]
    return Found(span, "\n\n".join(lines), [_stage_target(stage) for stage in stages])


def _entry_workflow(analysis: Analysis, doc: Document, pointer: Pointer, span: Span, offset: int) -> Optional[Found]:
    entry = analysis.entry
    if entry is None or entry.doc is not doc or pointer != ("spec", "workflow") or entry.workflow is None:
        return None
    workflow = entry.workflow
    start = Target(workflow.loc.doc.path, Span.point(), workflow.loc.doc.text)
    return Found(span, f"the workflow `{_shown(workflow.loc.doc.path, analysis)}`: {len(workflow.stages)} stage(s)", [start])


# -- diagnostics -------------------------------------------------------------------------------


def rule_help(diagnostic: Diagnostic, rule: Optional[Rule]) -> str:
    """A diagnostic as a hover: the rule, what was found, the fix, and the rule's documentation
    (what `recast-lint explain` prints), its indented examples as YAML blocks."""
    lines = [f"**{diagnostic.code}** `{diagnostic.rule}` ({diagnostic.severity.value})" + (f": {rule.summary}" if rule else "")]
    lines += ["", diagnostic.message + (f"; {diagnostic.hint}" if diagnostic.hint else "")]
    if diagnostic.fix is not None:
        lines += ["", f"fix ({diagnostic.fix.applicability.value}): {diagnostic.fix.title}"]
    if rule is not None and rule.documentation:
        lines += ["", "---", "", *_markdown(rule.documentation.splitlines())]
    return "\n".join(lines)


def _markdown(doc_lines: Sequence[str]) -> List[str]:
    out: List[str] = []
    in_code = False
    for line in doc_lines:
        indented = line.startswith("    ")
        if indented and not in_code:
            out.append("```yaml")
            in_code = True
        elif in_code and line.strip() and not indented:
            out.append("```")
            in_code = False
        out.append(line[4:] if in_code else line)
    if in_code:
        while out and not out[-1].strip():
            out.pop()
        out.append("```")
    return out
