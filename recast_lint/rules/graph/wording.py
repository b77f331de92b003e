"""How the stage-graph rules word an expression that matches nothing, and lists of names."""

from __future__ import annotations

import re
from typing import Any, Callable, List, Optional, Sequence, Tuple

from recast_lint import fix
from recast_lint.records import Record
from recast_lint.rules.registry import Finding, did_you_mean, single_close_match
from recast_lint.stagegraph import Reading, ScopeGraph
from recast_lint.stagepaths import ExpressionError, Miss, Resolution, Token, parse, resolve, tokenize


class Suggestion(Record):
    """What the hint says about a name that matches no stage, and the text to write instead of the
    name when there is no doubt about it (the fix writes exactly what the hint proposes)."""

    hint: Optional[str]
    instead: Optional[str] = None


def quoted(names: Sequence[Any], limit: int = 4) -> str:
    """`'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`, `'a', 'b', 'c', 'd' and 3 more`."""
    shown = [f"'{n}'" for n in names[:limit]]
    if len(names) > limit:
        return ", ".join(shown) + f" and {len(names) - limit} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


Prefer = Callable[[Resolution], int]  # how well a repaired expression suits the reader (higher first)


def _repairs(reading: Reading, graph: ScopeGraph, prefer: Optional[Prefer]) -> List[Tuple[str, str, str]]:
    """Expressions that reach a stage inside a sub-workflow the expression names wrongly, each
    checked by resolving it the way the runtime would: (expression, inner stage, holder)."""
    written = [str(token.value) for token in _identifiers(reading.text)]
    found: List[Tuple[Tuple[int, int, int], str, str, str]] = []
    for order, holder in enumerate(s for s in graph.stages if s.subworkflow is not None and isinstance(s.name, str)):
        inner_names = {inner.name for inner in holder.subworkflow.stages}
        for position, name in enumerate(written):
            if name not in inner_names or name == holder.name:
                continue
            text = f"{holder.name}[*].{name}"
            resolution = resolve(parse(text), graph.scope)
            if resolution.matches_nothing:
                continue
            # the last stage written is the one meant (`madevent.*.analysis` reads analysis); then the reader's choice
            rank = (position, prefer(resolution) if prefer else 0, -order)
            found.append((rank, text, name, str(holder.name)))
    return [(text, name, holder) for _, text, name, holder in sorted(found, reverse=True)]


def _identifiers(text: str) -> List[Token]:
    try:
        return [token for token in tokenize(text) if token.kind == "ID"]
    except ExpressionError:
        return []


def _miss_suggestion(miss: Miss, graph: ScopeGraph) -> Suggestion:
    scope = miss.scope
    if miss.name == "init" and not scope.has_init:
        return Suggestion("no example gives initdata, so the runtime adds no `init` stage: give initdata, or drop the dependency")
    parent = scope.workflow.parent
    if parent is not None and any(s.name == miss.name for s in parent.workflow.stages):
        return Suggestion(
            f"a sub-workflow sees only its own stages and 'init' (the parameters of '{parent.name}'); "
            f"pass the value in as a parameter of '{parent.name}'"
        )
    return Suggestion(did_you_mean(miss.name, scope.names()), single_close_match(miss.name, scope.names()))


def _owner(reading: Reading, graph: ScopeGraph) -> Any:
    """The name of the stage the expression is written in: a stage cannot wait for or read itself."""
    for stage in graph.stages:
        if stage.loc.doc is reading.loc.doc and reading.loc.pointer[: len(stage.loc.pointer)] == stage.loc.pointer:
            return stage.name
    return None


def no_match(reading: Reading, what: str, graph: ScopeGraph, prefer: Optional[Prefer] = None) -> Finding:
    """`dependency 'inti' matches no stage` at the name that is missing, with the likely fix: an
    expression that does match, resolved before it is offered (``prefer`` ranks several).

    The fix (unsafe: the stage it names then runs, waits or is read, which changes the run) writes
    what the hint proposes: the one repaired expression, or the one close name where the name is
    written once in the expression."""
    assert reading.resolution is not None
    misses = reading.resolution.misses
    repairs = _repairs(reading, graph, prefer)
    repair = None
    if repairs:
        text, name, holder = repairs[0]
        repair = f"'{name}' is a stage inside the sub-workflow of '{holder}'; write '{text}'"
    if misses:
        miss = misses[0]
        detail = "" if miss.name == reading.text else f": '{miss.name}' is not a stage there"
        if repair is not None:
            hint = repair
            rename = None
            if len(repairs) == 1:
                edit = fix.replace_at(reading.loc, 0, reading.text, repairs[0][0])
                rename = fix.make(f"change '{reading.text}' to '{repairs[0][0]}'", [edit], safe=False)
        else:
            hint, instead = _miss_suggestion(miss, graph)
            rename = None
            placeable = instead is not None and reading.text.count(miss.name) == 1
            if placeable and instead != _owner(reading, graph):
                rename = fix.change_at(reading.loc, reading.text.index(miss.name), miss.name, instead, safe=False)
        return Finding.at_text(reading.loc, miss.name, f"{what} '{reading.text}' matches no stage{detail}", hint, fix=rename)
    hint = repair
    index = re.match(r"\s*([A-Za-z_@][\w@-]*)\s*\.?\s*\[\s*-?\d+\s*\]", reading.text)
    if index:
        hint = f"'{index.group(1)}' is a single-step stage: only [0] exists; use [*] for every step"
    elif hint is None and "." in reading.text and "[" not in reading.text:
        head = reading.text.split(".")[0]
        hint = f"a stage is a list of steps: reach into the sub-workflow of '{head}' with '{head}[*].{reading.text.split('.', 1)[1]}'"
        if head == "*":
            hint = "'*' gives stage lists, which have no fields: name the stage, e.g. 'STAGE[*].inner'"
    return Finding.at(reading.loc, f"{what} '{reading.text}' matches no stage", hint)
