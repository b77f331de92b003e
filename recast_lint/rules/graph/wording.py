"""How the stage-graph rules word an expression that matches nothing, and lists of names."""

from __future__ import annotations

import re
from typing import Any, NamedTuple, Optional, Sequence

from recast_lint import fix
from recast_lint.rules.registry import Finding, did_you_mean, single_close_match
from recast_lint.stagegraph import Reading, ScopeGraph
from recast_lint.stagepaths import (
    Miss,
)


class Suggestion(NamedTuple):
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


def _miss_suggestion(miss: Miss, graph: ScopeGraph) -> Suggestion:
    scope = miss.scope
    if miss.name == "init" and not scope.has_init:
        return Suggestion("no example gives initdata, so the runtime adds no `init` stage: give initdata, or drop the dependency")
    holders = [
        s.name for s in scope.workflow.stages if s.subworkflow is not None and any(i.name == miss.name for i in s.subworkflow.stages)
    ]
    if holders:
        path = f"{holders[0]}[*].{miss.name}"
        return Suggestion(f"'{miss.name}' is a stage inside the sub-workflow of '{holders[0]}'; write '{path}'", path if len(holders) == 1 else None)
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


def no_match(reading: Reading, what: str, graph: ScopeGraph) -> Finding:
    """`dependency 'inti' matches no stage` at the name that is missing, with the likely fix.

    The fix (unsafe: the stage it names then runs, waits or is read, which changes the run) writes
    the name the hint proposes, where the name is written once in the expression."""
    assert reading.resolution is not None
    misses = reading.resolution.misses
    if misses:
        miss = misses[0]
        detail = "" if miss.name == reading.text else f": '{miss.name}' is not a stage there"
        hint, instead = _miss_suggestion(miss, graph)
        rename = None
        placeable = instead is not None and reading.text.count(miss.name) == 1 and (reading.text == miss.name or "[" not in instead)
        if placeable and instead != _owner(reading, graph):
            edit = fix.replace_at(reading.loc, reading.text.index(miss.name), miss.name, instead)
            rename = fix.make(f"change '{miss.name}' to '{instead}'", [edit], safe=False)
        return Finding.at_text(reading.loc, miss.name, f"{what} '{reading.text}' matches no stage{detail}", hint, fix=rename)
    hint = None
    index = re.match(r"\s*([A-Za-z_@][\w@-]*)\s*\.?\s*\[\s*-?\d+\s*\]", reading.text)
    if index:
        hint = f"'{index.group(1)}' is a single-step stage: only [0] exists; use [*] for every step"
    elif "." in reading.text and "[" not in reading.text:
        head = reading.text.split(".")[0]
        hint = f"a stage is a list of steps: reach into the sub-workflow of '{head}' with '{head}[*].{reading.text.split('.', 1)[1]}'"
        if head == "*":
            hint = "'*' gives stage lists, which have no fields: name the stage, e.g. 'STAGE[*].inner'"
    return Finding.at(reading.loc, f"{what} '{reading.text}' matches no stage", hint)
