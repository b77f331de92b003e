"""RL510-RL513, RL516: literal parameter values, which the runtime renders before the step sees them."""

from __future__ import annotations

import re
from typing import Any, Iterable, Iterator, Optional

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability, Fix
from recast_lint.model import Analysis, Loc, is_selector
from recast_lint.placeholders import scan
from recast_lint.records import Record
from recast_lint.rules.dataflow.templates import (
    ESCAPE_HINT,
    PLACEHOLDER_NAME,
    READDIR,
    at_field,
    at_text,
    checked_steps,
    double_braces,
    parameters_unknown,
    passed_names,
    shortened,
    stage_list,
    templates,
    value_leaves,
)
from recast_lint.rules.registry import Finding, closest, rule, single_close_match

_DIRNAME = re.compile(r"workdir|readdir\d+")



def _is_reference(value: Any) -> bool:
    """A stage-output selector or another expression (`expression_type: fromvalue`), not a literal."""
    return is_selector(value) or isinstance(value, dict) and "expression_type" in value


def _not_literal(value: Any) -> bool:
    """A reference, or a typed value (`{$type: File, ...}`) that its own datamodel renders."""
    return _is_reference(value) or isinstance(value, dict) and "$type" in value


def literal_strings(loc: Loc) -> Iterator[Loc]:
    """String leaves of a literal value."""
    if isinstance(loc.value, str):  # most parameters: the value itself
        return iter((loc,))
    return (leaf for leaf in value_leaves(loc, _not_literal) if isinstance(leaf.value, str))


class BraceProblem(Record):
    """Braces in a literal string that ``value.format(**dirnames)`` cannot expand."""

    needle: str  # the text shown and pointed at
    start: int
    root: str  # the field's parameter name, "" for a lone brace
    lone: bool

    def finding(self, loc: Loc, message: str, hint: str, fix: Optional[Fix] = None) -> Finding:
        return at_text(loc, loc.value, self.needle, self.start, message, hint, fix=fix)

    @property
    def shown(self) -> str:
        return "a lone `" + self.needle + "`" if self.lone else "`" + shortened(self.needle) + "`"


def brace_problems(text: str, allowed: re.Pattern) -> Iterator[BraceProblem]:
    fields, error = scan(text)
    for field in fields:
        if field.positional and not field.dollar and PLACEHOLDER_NAME.fullmatch(field.name or "0"):
            continue  # `{}`/`{0}`: IndexError, which the runtime swallows and leaves the text as it is
        if not field.dollar and allowed.fullmatch(field.root):
            continue
        start = field.start - 1 if field.dollar else field.start
        yield BraceProblem(text[start : field.end], start, field.root, lone=False)
    if error is not None:
        yield BraceProblem(text[error.offset], error.offset, "", lone=True)


@rule("RL510", "braces-in-parameter", Severity.ERROR, "a literal parameter with braces other than `{workdir}`/`{readdirN}`", fix=Applicability.SAFE)
def braces_in_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches literal stage parameters whose braces are not `{workdir}` or `{readdirN}`:
    `'${HOME}/x'`, `'{"a": 1}'`, `'{outputdir}/x'`, a lone `{`.

    Why: before a step runs, every literal string in its parameters is rendered with
    ``value.format(workdir=..., readdir0=...)``; any other name raises `KeyError`, a lone brace
    `ValueError`, and the stage fails. Parameters cannot refer to each other.

    Bad:

        parameters: {cuts: '{"pt": 25}', out: '${HOME}/x.root'}

    Fixed:

        parameters: {cuts: '{{"pt": 25}}', out: '{workdir}/x.root'}
    """
    for stage in analysis.all_stages():
        if parameters_unknown(stage):
            continue
        names = [n for n in passed_names(stage) if n != "workdir"]
        for parameter in stage.parameters:
            for leaf in literal_strings(parameter.loc):
                for problem in brace_problems(leaf.value, _DIRNAME):
                    repair: Optional[Fix] = None
                    if problem.root in names:
                        hint = f"parameters cannot refer to each other; use `{{{problem.root}}}` in the step's command instead"
                    elif problem.root and closest(problem.root, ["workdir"]):
                        hint = "did you mean '{workdir}'?"
                        if single_close_match(problem.root, ["workdir"]) and not problem.needle.startswith("$"):
                            repair = fix.make("change it to `{workdir}`", [fix.replace_at(leaf, problem.start + 1, problem.root, "workdir")])
                    else:
                        hint = "only `{workdir}` and `{readdirN}` are expanded in parameters; " + ESCAPE_HINT
                        repair = double_braces(leaf, problem.start, problem.needle)
                    message = f"parameter '{parameter.key}' of stage '{stage.path}' holds {problem.shown}, which the runtime cannot expand"
                    yield problem.finding(leaf, message, hint, fix=repair)


@rule("RL511", "bool-or-null-parameter", Severity.ERROR, "a parameter value is `true`, `false` or `null`", fix=Applicability.SAFE)
def bool_or_null_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches stage parameters whose value YAML reads as a boolean or null (`true`, `no`, `~`,
    or nothing at all).

    Why: a parameter value must be a string, number, list or mapping; the runtime's schema
    rejects the whole workflow ("is not valid under any of the given schemas").

    Bad:

        parameters: {dosys: true, tag: }

    Fixed:

        parameters: {dosys: 'true', tag: 'v1'}
    """
    for stage in analysis.all_stages():
        for parameter in stage.parameters:
            value = parameter.value
            if value is None or isinstance(value, bool):
                info = parameter.loc.doc.info(parameter.loc.pointer)
                written = parameter.loc.doc.text[info.start : info.end].strip() if info else ""
                if not written:
                    message = f"parameter '{parameter.key}' of stage '{stage.path}' has no value"
                    yield Finding.at(parameter.key_loc, message, "write a value, e.g. `''`", key=True)
                else:
                    kind = "a boolean" if isinstance(value, bool) else "null"
                    as_text = fix.quoted(written)
                    yield Finding.at(
                        parameter.loc,
                        f"parameter '{parameter.key}' of stage '{stage.path}' is {written}, which YAML reads as {kind}",
                        f"quote it so it is text: {as_text}",
                        # safe: the schema rejects the workflow now; quoted, it is the text that was typed
                        fix=fix.make(f"quote it: {as_text}", [fix.replace_value(parameter.loc, as_text)]) if "\n" not in written else None,
                    )


@rule("RL512", "readdir-in-parameter", Severity.WARNING, "`{readdirN}` in a stage parameter")
def readdir_in_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{readdir0}`, `{readdir1}`, ... in stage parameters.

    Why: in a stage, the read-only directories are the upstream stages' workdirs sorted by path,
    so which one is `readdir0` changes when a dependency is added or renamed. `{readdirN}` is
    meant for initdata, where it is the input directory.

    Bad:

        parameters: {input: '{readdir0}/events.root'}

    Fixed:

        parameters: {input: {step: generate, output: events}}
    """
    for stage in analysis.all_stages():
        for parameter in stage.parameters:
            for leaf in literal_strings(parameter.loc):
                for field in scan(leaf.value)[0]:
                    if READDIR.fullmatch(field.root) and not field.dollar:
                        yield at_text(
                            leaf,
                            leaf.value,
                            field.literal,
                            field.start,
                            f"`{field.literal}` in stage '{stage.path}' is the upstream workdir at position {field.root[7:]} in path order,"
                            " which changes when dependencies change",
                            "select the upstream output with `{step: <stage>, output: <key>}`",
                        )


def is_list_value(value: Any) -> bool:
    """A parameter that reaches the step as a list: a literal list, or a `stages:` selector without `unwrap`."""
    if isinstance(value, list):
        return True
    return isinstance(value, dict) and ("stages" in value or "steps" in value) and not value.get("unwrap")


@rule("RL513", "index-into-list", Severity.WARNING, "`{files[0]}` or `{cfg.x}` on a list parameter in a command")
def index_into_list(analysis: Analysis) -> Iterable[Finding]:
    """Catches indexing or attribute access in `cmd`/`script` on a parameter that is a list (a
    literal list, or a `{stages: ..., output: ...}` selector without `unwrap: true`).

    Why: before rendering a command, packtivity joins list parameters with spaces, so
    `{files[0]}` is the first *character* of the joined string and `{files.x}` fails.

    Bad:

        parameters: {files: {stages: merge, output: files}}
        cmd: 'hadd out.root {files[0]}'

    Fixed: use `{files}` for all of them, or pass the file you need as a parameter of its own,
    e.g. `first: {step: merge, output: 'files[0]'}` and `{first}`.
    """
    for step, users in checked_steps(analysis):
        for template in templates(step):
            if template.where == "publish template":
                continue  # publishers receive the parameters unflattened
            for field in template.named():
                if field.name == field.root:
                    continue
                lists = [s for s in users if any(p.key == field.root and is_list_value(p.value) for p in s.parameters)]
                if lists:
                    yield at_field(
                        template,
                        field,
                        f"`{field.literal}` indexes parameter '{field.root}', a list in {stage_list(lists)}; commands see lists joined with spaces",
                        f"use `{{{field.root}}}` for all elements, or pass the one you need as a parameter of its own",
                    )


def _is_literal_mapping(value: Any) -> bool:
    return isinstance(value, dict) and not _is_reference(value) and "$type" not in value


@rule("RL516", "mapping-in-command", Severity.INFO, "a mapping parameter written whole into a command")
def mapping_in_command(analysis: Analysis) -> Iterable[Finding]:
    """Reports `{cfg}` in `cmd`/`script` where the stage passes `cfg` as a literal mapping.

    Why: mappings are not flattened for commands, so the command receives the Python repr,
    `{'pt': 25, 'eta': 2.5}`, with quotes and spaces a shell or a program rarely expects.

    Bad:

        parameters: {cuts: {pt: 25, eta: 2.5}}
        cmd: 'select --cuts {cuts}'

    Fixed:

        cmd: 'select --pt {cuts[pt]} --eta {cuts[eta]}'
    """
    for step, users in checked_steps(analysis):
        # an unquoted `{workdir}` is a mapping by mistake, which RL206 reports where it is written
        mapping_parameters = {
            stage: {p.key for p in stage.parameters if _is_literal_mapping(p.value) and p.loc.unquoted_placeholder is None} for stage in users
        }
        for template in templates(step):
            if template.has_workdir:
                continue  # publish templates are data, not a command line
            for field in template.named():
                if field.name != field.root:
                    continue
                mappings = [s for s in users if field.root in mapping_parameters[s]]
                if mappings:
                    yield at_field(
                        template,
                        field,
                        f"`{field.literal}` is a mapping in {stage_list(mappings)}; the {template.where} receives its Python repr",
                        f"pick the values you need, e.g. `{{{field.root}[key]}}`",
                    )
