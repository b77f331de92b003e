"""RL418-RL419: the jq conditions of a `cases` scheduler: programs jq will not compile, and
comparisons whose outcome does not depend on the value that flows in."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Iterable, Iterator, List, Optional, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis, Loc, Stage
from recast_lint.rules.dataflow.templates import parameters_unknown
from recast_lint.rules.listharm import Judged, once_per_analysis
from recast_lint.rules.registry import Finding, did_you_mean, rule
from recast_lint.stagevalues import Sourced, Value, kind_of, parameter_values

if TYPE_CHECKING:
    from recast_lint.jqprog import JqError, Node, Program

# jq orders values by kind first: null < false < true < numbers < strings < arrays < objects
_RANK = {"null": 0, "boolean": 1, "number": 3, "string": 4, "array": 5, "object": 6}
_YAML11_BOOLEANS = ("yes", "no", "on", "off", "y", "n")


def _conditions(analysis: Analysis) -> Iterator[Tuple[Stage, Loc, str]]:
    """Every string `if:` of a `cases` scheduler, with its stage."""
    for stage in analysis.all_stages():
        cases = stage.scheduler.get("cases") if stage.scheduler is not None else None
        for index, case in enumerate(cases if isinstance(cases, list) else []):
            if isinstance(case, dict) and isinstance(case.get("if"), str):
                assert stage.scheduler is not None
                yield stage, stage.scheduler.child("cases", index, "if"), case["if"]


def _compiled(analysis: Analysis) -> List[Tuple[Stage, Loc, str, Optional[Program], Optional[JqError]]]:
    """Each condition read once for both rules; the jq grammar is loaded only when there are conditions."""
    if "cases" not in analysis.cache:
        found = []
        for stage, loc, text in _conditions(analysis):
            from recast_lint.jqprog import JqError, parse

            try:
                found.append((stage, loc, text, parse(text), None))
            except JqError as error:
                found.append((stage, loc, text, None, error))
            except RecursionError:  # nested thousands deep: hostile, and not worth a verdict
                continue
        analysis.cache["cases"] = found
    return analysis.cache["cases"]


def _fix_for(text: str, error: JqError) -> str:
    near = text[error.offset : error.offset + 2]
    if near in ("&&", "||"):
        return f"jq writes `{'and' if near == '&&' else 'or'}`, not `{near}`"
    if text[error.offset : error.offset + 1] == "'":
        return "jq strings take double quotes: `\"text\"`"
    if error.offset < len(text) and text[error.offset] == "!":
        return "jq negates with `| not` (`.a | not`) and compares with `!=`"
    if "do not chain" in error.message:
        return "split it, e.g. `100 < .mass and .mass < 1000`"
    if "is not defined" in error.message and error.message.startswith("not/"):
        return "`not` takes no argument in jq: write `(... | not)`"
    if "is not defined" in error.message:
        name = error.message.split("/")[0]
        if name.startswith("$"):
            return "bind it first (`... as $x | ...`), or read the parameter as `.name`"
        if name in ("True", "False", "None"):
            return f"jq writes `{name.lower() if name != 'None' else 'null'}`"
        from recast_lint.jqprog import BUILTINS

        builtins = sorted({b.split("/")[0] for b in BUILTINS})
        return did_you_mean(name, builtins, limit=0) or "a parameter is read as `.name`; a string needs double quotes"
    return "the condition is a jq program over the stage's parameters, e.g. `.mass >= 1000 and .channel == \"ee\"`"


@rule("RL418", "cases-invalid-jq", Severity.ERROR, "a `cases` condition that jq does not compile")
def cases_invalid_jq(analysis: Analysis) -> Iterable[Finding]:
    """Catches an `if:` of a `cases` scheduler that is not a valid jq program: `&&` or `||` (jq
    writes `and`, `or`), single quotes, `!`, chained comparisons (`1 < .a < 3`), unbalanced
    brackets, a misspelt function (`lenght`), `not(.a)`, a `$variable` nothing binds.

    Why (yadage 0.21.2, run with `yadage-run` and local steps): the scheduler compiles each
    condition with the `jq` package when it applies the stage; `.mass > 100 && .mass < 1000`
    failed with `ValueError: jq: error: syntax error, unexpected INVALID_CHARACTER ... jq: 1
    compile error`, and the workflow failed after every stage before it had run. The check
    follows jq 1.8's grammar and builtins (the jq 1.13.0 package yadage installs).

    Bad:

        cases:
        - if: '.mass > 100 && .mass < 1000'

    Fixed:

        cases:
        - if: '.mass > 100 and .mass < 1000'
    """
    for _, loc, text, _, error in _compiled(analysis):
        if error is None:
            continue
        shown = text[error.offset :].split()[0] if text[error.offset :].strip() else ""
        finding = Finding.at_text(loc, text[error.offset :], f"`if: {text}` is not a valid jq program: {error.message}")
        if not shown:
            finding = Finding.at(loc, finding.message)
        yield Finding(finding.doc, finding.span, finding.message, _fix_for(text, error))


def _operands(node: Node) -> Optional[Tuple[Tuple[str, ...], Node, bool]]:
    """(path, literal, path first) for `.name OP literal` or `literal OP .name`, else None."""
    left, right = node.children
    if left.kind == "path" and right.kind == "literal":
        return left.value, right, True  # type: ignore[return-value]
    if right.kind == "path" and left.kind == "literal":
        return right.value, left, False  # type: ignore[return-value]
    return None


def _outcome(operator: str, path_kind: str, literal_kind: str, path_first: bool) -> Optional[bool]:
    """What jq answers whatever the value, when the kinds differ; None when it depends on the value."""
    if path_kind == literal_kind:
        return None
    if operator in ("==", "!="):
        return operator == "!="
    left, right = (_RANK[path_kind], _RANK[literal_kind]) if path_first else (_RANK[literal_kind], _RANK[path_kind])
    return {"<": left < right, "<=": left < right, ">": left > right, ">=": left > right}[operator]


def _kind_name(kind: str) -> str:
    return {"array": "list", "object": "mapping"}.get(kind, kind)


def _why(analysis: Analysis, name: str, value: Value, source: Optional[str], literal_kind: str) -> Tuple[str, str]:
    """How the parameter came to hold this kind of value, and the fix."""
    where = f" in {source}" if source else ""
    if value.wrapped is not None:
        target = value.wrapped.value.get("stages") or value.wrapped.value.get("steps")
        return (f"'{name}' is a one-element list (`stages: {target}` without `unwrap`)", f"add `unwrap: true` to the selector of '{name}'")
    written = _written(value.loc)
    place = f"{os.path.relpath(value.loc.doc.path, analysis.root)}:{value.loc.span().line}" if value.loc else ""
    if value.kind == "boolean" and written.lower() in _YAML11_BOOLEANS:
        meaning = str(written.lower() in ("yes", "on", "y")).lower()
        return (
            f"'{name}' is the boolean {meaning}{where} (YAML 1.1 reads an unquoted `{written}` as {meaning}; {place})",
            f"quote it where it is written (`'{written}'`), or compare with {meaning}",
        )
    shown = f" {written}" if written and value.kind != "array" else ""
    fix = "compare with a value of the same kind"
    if value.kind == "string" and literal_kind == "number":
        fix = f"write the number unquoted where it is given, or convert it: `(.{name} | tonumber)`"
    elif value.kind == "number" and literal_kind == "string":
        fix = "compare with a number, or quote the value where it is given"
    return (f"'{name}' is the {_kind_name(value.kind)}{shown}{where}" + (f" ({place})" if place else ""), fix)


def _written(loc: Optional[Loc]) -> str:
    if loc is None:
        return ""
    info = loc.doc.info(loc.pointer)
    return loc.doc.text[info.start : info.end].strip() if info else ""


def _parameter_kinds(analysis: Analysis, stage: Stage, name: str) -> Optional[List[Sourced]]:
    parameter = next((p for p in stage.parameters if str(p.key) == name), None)
    return parameter_values(analysis, stage, parameter) if parameter is not None else None


@rule("RL419", "case-never-decides", Severity.ERROR, "a `cases` comparison whose outcome does not depend on the value")
def case_never_decides(analysis: Analysis) -> Iterable[Finding]:
    """Catches a comparison in a `cases` condition that gives the same answer whatever the run
    passes: a parameter compared with a value of another kind, a name that is not a parameter
    (jq reads it as `null`), or an assignment (`=`) where `==` was meant.

    Why (yadage 0.21.2, run with `yadage-run` and local steps): the condition runs over the
    stage's parameters, and jq orders values by kind (null < booleans < numbers < strings <
    lists < objects) and never finds two kinds equal. With `mass: {stages: init, output: mass}`
    the parameter is the one-element list `[500]`, so `.mass >= 1000` was true and the wrong
    branch ran; `flag: no` in the initdata is the boolean false (YAML 1.1), so `.flag == "no"`
    never held and no case was scheduled, silently; `.mass = 1000` always selected its case.
    Comparisons between values of the same kind depend on the run and are left alone.

    Bad:

        parameters: {mass: {stages: init, output: mass}}
        cases:
        - if: '.mass >= 1000'

    Fixed:

        parameters: {mass: {stages: init, output: mass, unwrap: true}}
    """
    yield from (finding for finding, _ in undecided(analysis))


@once_per_analysis
def undecided(analysis: Analysis) -> Judged:
    """RL419's findings, each with the `{stages: X}` selector whose one-element list it compares."""
    found: Judged = []
    for stage, loc, _, program, _ in _compiled(analysis):
        if program is None or stage.scheduler_type != "singlestep-stage" or parameters_unknown(stage):
            continue  # in a multistep stage each step sees one scattered value, which this does not model
        names = [str(p.key) for p in stage.parameters]
        for node in program.comparisons():
            if node.kind == "assign":
                if node.value == "=":
                    message = f"`{node.text}` assigns in jq: the condition is the whole parameter object, so this case is always taken"
                    found.append((Finding.at_text(loc, node.text, message, "compare with `==`"), None))
                continue
            operands = _operands(node)
            if operands is None or len(operands[0]) != 1 or isinstance(operands[1].value, dict):
                continue
            path, literal, path_first = operands
            name = path[0]
            literal_kind = kind_of(literal.value)
            sourced = _parameter_kinds(analysis, stage, name)
            if sourced is None:
                outcome = _outcome(str(node.value), "null", literal_kind, path_first)
                if outcome is not None:
                    message = f"`{node.text}` is always {str(outcome).lower()}: '{name}' is not a parameter of stage '{stage.path}', so jq reads `null`"
                    hint = did_you_mean(name, names) or f"pass '{name}' in the stage's `parameters`"
                    found.append((Finding.at_text(loc, node.text, message, hint), None))
                continue
            for item in sourced:
                value = item.value
                outcome = _outcome(str(node.value), value.kind, literal_kind, path_first) if value is not None else None
                if value is None or outcome is None:
                    continue
                why, fix = _why(analysis, name, value, item.source, literal_kind)
                if node.value in ("==", "!="):
                    order = "never finds two kinds of value equal"
                else:
                    above = "above" if _RANK[value.kind] > _RANK[literal_kind] else "below"
                    order = f"orders every {_kind_name(value.kind)} {above} every {_kind_name(literal_kind)}"
                message = f"`{node.text}` is always {str(outcome).lower()}: {why}, and jq {order}"
                found.append((Finding.at_text(loc, node.text, message, fix), value.wrapped))
                break
    return found
