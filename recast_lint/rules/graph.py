"""RL4xx: the stage graph of every workflow scope (dependencies, names, cycles, reachability, selectors).

yadage applies a stage once every `dependencies` expression matches at least one stage whose steps
are done, and resolves a parameter selector (`{step|stages: X, output: Y}`) when it applies the
stage. An expression that matches nothing never becomes ready and the run still "completes
successfully"; a selector on a stage that has not been scheduled yields `[]` (`stages:`) or a bare
`AssertionError` (`step:`). Each workflow, and each sub-workflow, is its own scope: it sees its own
stages plus `init` (``../shared/reference/runtime-semantics.md`` B.2). Expressions are understood
by ``recast_lint.stagepaths``; what it cannot model is skipped, never guessed at.
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Sequence, Set, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.model import SELECTOR_TARGET_KEYS, Analysis, Loc, Parameter, Stage, Workflow
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule
from recast_lint.stagepaths import (
    IDENTIFIER,
    Entry,
    ExpressionError,
    Miss,
    Resolution,
    Scope,
    StagePath,
    addressable,
    parse,
    resolve,
)

SELECTOR_KEYS = SELECTOR_TARGET_KEYS + ("output", "unwrap", "flatten")
_SELECTOR_EXTRA_KEYS = ("expression_type",)  # written out by a few real workflows; the loader adds it anyway

# -- shared understanding of every scope, computed once per analysis ---------------------------


class Reading(NamedTuple):
    """One expression as the runtime reads it: parsed, then resolved in its scope."""

    text: str
    loc: Loc
    path: Optional[StagePath] = None
    error: Optional[ExpressionError] = None
    resolution: Optional[Resolution] = None

    @property
    def matches_nothing(self) -> bool:
        return self.resolution is not None and self.resolution.matches_nothing

    @property
    def understood(self) -> bool:
        return self.resolution is not None and not self.resolution.uncertain


class Selector(NamedTuple):
    stage: Stage
    parameter: Parameter
    key: str  # step | stages | steps: the first one written
    target: Reading

    @property
    def value(self) -> Dict[Any, Any]:
        return self.parameter.value

    @property
    def loc(self) -> Loc:
        return self.parameter.loc


class ScopeGraph:
    """One workflow scope: what each stage's dependencies and selectors reach, and the stages no expression can name."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.dependencies: Dict[int, List[Reading]] = {}  # by stage index
        self.selectors: List[Selector] = []
        self.unaddressable: List[Stage] = []
        self._upstream: Dict[int, List[Stage]] = {}  # asked for again by every closure through the stage

    @property
    def stages(self) -> List[Stage]:
        return self.scope.workflow.stages

    def upstream(self, stage: Stage) -> List[Stage]:
        """The stages of this scope the dependencies of ``stage`` wait for."""
        if stage.index in self._upstream:
            return self._upstream[stage.index]
        found: Dict[int, Stage] = {}
        for reading in self.dependencies.get(stage.index, []):
            if reading.resolution is not None:
                for entry in reading.resolution.via():
                    if entry.stage is not None and entry.stage.workflow is self.scope.workflow:
                        found.setdefault(entry.stage.index, entry.stage)
        self._upstream[stage.index] = list(found.values())
        return self._upstream[stage.index]

    def closure(self, stage: Stage) -> Optional[Set[int]]:
        """Indices of every stage ``stage`` waits for, directly or not; None when some dependency
        on the way could not be understood."""
        seen: Set[int] = set()
        todo = [stage]
        while todo:
            current = todo.pop()
            if not all(r.understood and not r.matches_nothing for r in self.dependencies.get(current.index, [])):
                return None  # the dependencies on the way are broken (reported there) or not understood
            for up in self.upstream(current):
                if up.index not in seen:
                    seen.add(up.index)
                    todo.append(up)
        return seen

    def names_referenced(self, name: str) -> bool:
        texts = [r.text for rs in self.dependencies.values() for r in rs] + [s.target.text for s in self.selectors]
        return any(name in text for text in texts)

    def blames_name(self, reading: Reading) -> bool:
        """A failing expression that writes an unaddressable stage name: the name is the root cause."""
        return any(isinstance(s.name, str) and s.name in reading.text for s in self.unaddressable)


def _read(text: Any, loc: Loc, scope: Scope) -> Optional[Reading]:
    if not isinstance(text, str):
        return None
    try:
        path = parse(text)
    except ExpressionError as error:
        return Reading(text, loc, error=error)
    return Reading(text, loc, path, resolution=resolve(path, scope))


def _init_sources(analysis: Analysis, root: Workflow) -> List[Tuple[str, Loc, Any]]:
    """The initdata a run of this root workflow may start from."""
    if root.origin == "recast" and analysis.entry is not None:
        docs = [analysis.entry.doc]
    elif root.origin == "reana":
        docs = [spec.doc for spec in analysis.reana if spec.workflow is root]
    else:
        return []
    return [source for source in analysis.initdata_sources() if any(source[1].doc is doc for doc in docs)]


def _initfiles_given(analysis: Analysis, root: Workflow) -> bool:
    """REANA merges `inputs.options.initfiles` into the initdata: keys the linter cannot see."""
    return root.origin == "reana" and any(spec.workflow is root and spec.initfiles for spec in analysis.reana)


def _root_has_init(analysis: Analysis, root: Workflow) -> bool:
    if root.origin not in ("recast", "reana"):
        return True  # a loose workflow: whoever runs it may pass initdata
    return _initfiles_given(analysis, root) or any(bool(data) for _, _, data in _init_sources(analysis, root))


def _root_of(workflow: Workflow) -> Workflow:
    while workflow.parent is not None:
        workflow = workflow.parent.workflow
    return workflow


def graphs(analysis: Analysis) -> List[ScopeGraph]:
    if "graph" not in analysis.cache:
        result = []
        for workflow in analysis.all_workflows():
            has_init = workflow.parent is not None or _root_has_init(analysis, workflow)
            result.append(_scope_graph(Scope(workflow, has_init)))
        analysis.cache["graph"] = result
    return analysis.cache["graph"]


def _scope_graph(scope: Scope) -> ScopeGraph:
    graph = ScopeGraph(scope)
    for stage in scope.workflow.stages:
        if isinstance(stage.name, str) and not addressable(stage.name):
            graph.unaddressable.append(stage)
        dependency_type = stage.loc.get("dependencies", {})
        if isinstance(dependency_type, dict) and dependency_type.get("dependency_type", "jsonpath_ready") != "jsonpath_ready":
            continue
        readings = [_read(e.text, e.loc, scope) for e in stage.dependencies]
        graph.dependencies[stage.index] = [r for r in readings if r is not None]
        for parameter in stage.parameters:
            value = parameter.value
            if not isinstance(value, dict):
                continue
            keys = [k for k in SELECTOR_TARGET_KEYS if k in value]
            if keys and isinstance(value[keys[0]], str):
                target = _read(value[keys[0]], parameter.loc.child(keys[0]), scope)
                assert target is not None
                graph.selectors.append(Selector(stage, parameter, keys[0], target))
    return graph


# -- wording shared by the rules ----------------------------------------------------------------


def _quoted(names: Sequence[Any], limit: int = 4) -> str:
    """`'a'`, `'a' and 'b'`, `'a', 'b' and 'c'`, `'a', 'b', 'c', 'd' and 3 more`."""
    shown = [f"'{n}'" for n in names[:limit]]
    if len(names) > limit:
        return ", ".join(shown) + f" and {len(names) - limit} more"
    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " and " + shown[-1]


def _miss_hint(miss: Miss, graph: ScopeGraph) -> Optional[str]:
    scope = miss.scope
    if miss.name == "init" and not scope.has_init:
        return "no example gives initdata, so the runtime adds no `init` stage: give initdata, or drop the dependency"
    holders = [
        s.name for s in scope.workflow.stages if s.subworkflow is not None and any(i.name == miss.name for i in s.subworkflow.stages)
    ]
    if holders:
        return f"'{miss.name}' is a stage inside the sub-workflow of '{holders[0]}'; write '{holders[0]}[*].{miss.name}'"
    parent = scope.workflow.parent
    if parent is not None and any(s.name == miss.name for s in parent.workflow.stages):
        return (
            f"a sub-workflow sees only its own stages and 'init' (the parameters of '{parent.name}'); "
            f"pass the value in as a parameter of '{parent.name}'"
        )
    return did_you_mean(miss.name, scope.names())


def _no_match(reading: Reading, what: str, graph: ScopeGraph) -> Finding:
    """`dependency 'inti' matches no stage` at the name that is missing, with the likely fix."""
    assert reading.resolution is not None
    misses = reading.resolution.misses
    if misses:
        miss = misses[0]
        detail = "" if miss.name == reading.text else f": '{miss.name}' is not a stage there"
        return Finding.at_text(reading.loc, miss.name, f"{what} '{reading.text}' matches no stage{detail}", _miss_hint(miss, graph))
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


# -- names --------------------------------------------------------------------------------------


def _rename(name: str) -> str:
    fixed = re.sub(r"[^A-Za-z0-9_@-]+", "_", name).strip("_") or "stage"
    if not IDENTIFIER.match(fixed) or fixed == "where":
        fixed = f"stage_{fixed}"
    return fixed


@rule("RL402", "unaddressable-stage-name", Severity.WARNING, "a stage name that dependency expressions cannot name")
def unaddressable_stage_name(analysis: Analysis) -> Iterable[Finding]:
    """Catches stage names that are not one jsonpath-rw identifier (`[A-Za-z_@][A-Za-z0-9_@-]*`,
    not the reserved word `where`): `1stage`, `hello world`, `hello.world`, `a$b`.

    Why: dependencies and selectors are JSONPath. `1stage` and `hello world` are parse errors when
    the dependant is scheduled; `hello.world` reads as stage `hello`, field `world`, so its
    dependants silently never run. An error when some expression in the workflow names the stage,
    a warning otherwise (nothing can depend on it or read its outputs).

    Bad:

        - name: hello.world
        - name: plot
          dependencies: [hello.world]

    Fixed:

        - name: hello_world
        - name: plot
          dependencies: [hello_world]
    """
    for graph in graphs(analysis):
        for stage in graph.unaddressable:
            name = stage.name
            if "." in name:
                why = f"an expression reads it as stage '{name.split('.')[0]}', field '{name.split('.', 1)[1]}'"
            elif name == "where":
                why = "'where' is a reserved word of the expression language"
            else:
                why = "it is not one identifier, so an expression naming it fails to parse"
            referenced = graph.names_referenced(name)
            yield Finding.at(
                stage.loc.child("name"),
                f"stage name '{name}' cannot be used in dependencies or selectors: {why}",
                f"rename it to '{_rename(name)}'" + (" and update the expressions that name it" if referenced else ""),
                severity=Severity.ERROR if referenced else None,
            )


@rule("RL403", "duplicate-stage-name", Severity.ERROR, "two stages in one workflow share a name")
def duplicate_stage_name(analysis: Analysis) -> Iterable[Finding]:
    """Catches two stages with the same name in one workflow (each sub-workflow is its own scope).

    Why: both write into the same work directory `<run>/<name>`, a dependency on the name waits for
    both, and `{step: name, ...}` fails with a bare `AssertionError` because it selects two steps.

    Bad:

        - name: fit
          ...
        - name: fit

    Fixed: give each stage its own name (`fit_signal`, `fit_control`).
    """
    for graph in graphs(analysis):
        first: Dict[str, Stage] = {}
        for stage in graph.stages:
            if not isinstance(stage.name, str):
                continue
            if stage.name in first:
                earlier = first[stage.name]
                yield Finding.at(
                    stage.loc.child("name"),
                    f"stage name '{stage.name}' is already used in this workflow (line {earlier.loc.child('name').span().line})",
                    "rename one of them; both would write to the same directory and `{step: ...}` on the name fails",
                )
            else:
                first[stage.name] = stage


@rule("RL404", "stage-named-init", Severity.ERROR, "a stage named `init`")
def stage_named_init(analysis: Analysis) -> Iterable[Finding]:
    """Catches a stage named `init`.

    Why: the runtime adds its own `init` stage holding the initdata (in a sub-workflow: the
    parameters of the stage that runs it). With a second `init`, `{step: init, ...}` selects two
    steps and fails with `AssertionError`, and both write `<run>/init`. A warning where the runtime
    adds no `init` (no initdata), since the clash appears as soon as initdata is given.

    Bad:

        - name: init
          scheduler: ...

    Fixed:

        - name: prepare
          scheduler: ...
    """
    for graph in graphs(analysis):
        for stage in graph.stages:
            if stage.name == "init":
                yield Finding.at(
                    stage.loc.child("name"),
                    "stage name 'init' clashes with the `init` stage the runtime adds for the initdata",
                    "rename the stage, e.g. 'prepare'",
                    severity=None if graph.scope.has_init else Severity.WARNING,
                )


# -- dependencies -------------------------------------------------------------------------------


@rule("RL401", "unknown-dependency", Severity.ERROR, "a dependency matches no stage")
def unknown_dependency(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `dependencies` expression that matches no stage of its workflow. `init` counts only
    when initdata is given (a loose workflow may be given initdata on the command line); inside a
    sub-workflow `init` holds the parameters of the stage that runs it, and the parent's stages are
    invisible. `map[*].inner` reaches stage `inner` of the sub-workflow of `map`.

    Why: yadage waits for the expression to match a finished stage, forever. The stage and every
    stage after it never run, and the run reports "workflow completed successfully." with exit 0.

    Bad:

        dependencies: [inti]

    Fixed:

        dependencies: [init]
    """
    for graph in graphs(analysis):
        for stage in graph.stages:
            for reading in graph.dependencies.get(stage.index, []):
                if reading.matches_nothing and not graph.blames_name(reading):
                    yield _no_match(reading, "dependency", graph)


@rule("RL407", "invalid-stage-expression", Severity.ERROR, "a dependency or selector expression does not parse")
def invalid_stage_expression(analysis: Analysis) -> Iterable[Finding]:
    """Catches dependency and selector expressions that jsonpath-rw cannot parse: spaces between
    names, names starting with a digit, `$` or other characters outside `[A-Za-z0-9_@-]`, a
    trailing `.` or `,`.

    Why: the runtime parses the expression when it checks whether the stage is ready and fails
    with "Parse error at 1:6 near token world (ID)".

    Bad:

        dependencies: ['hello world']

    Fixed:

        dependencies: [hello_world]
    """
    for graph in graphs(analysis):
        readings = [r for rs in graph.dependencies.values() for r in rs] + [s.target for s in graph.selectors]
        for reading in readings:
            error = reading.error
            if error is None or error.unsupported or graph.blames_name(reading):
                continue
            near = reading.text[error.offset : error.offset + 1]
            finding = Finding.at_text(reading.loc, reading.text[error.offset :], f"'{reading.text}' is not a valid stage expression: {error.message}")
            hint = "stage expressions are names like `fit`, `a,b` or `map[*].inner`"
            if near.isspace() or " " in reading.text.strip():
                hint = "list several stages as separate entries (or `a,b`), not separated by spaces"
            yield Finding(finding.doc, finding.span, finding.message, hint)


def _cycles(graph: ScopeGraph) -> List[List[Stage]]:
    """Each strongly connected set of stages that waits on itself, as one concrete cycle."""
    stages = {s.index: s for s in graph.stages}
    edges = {i: [u.index for u in graph.upstream(s)] for i, s in stages.items()}
    index: Dict[int, int] = {}
    low: Dict[int, int] = {}
    stack: List[int] = []
    on_stack: Set[int] = set()
    components: List[List[int]] = []

    def connect(node: int) -> None:  # Tarjan; scopes are small, recursion depth is bounded by stage count
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges[node]:
            if nxt not in index:
                connect(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1 or node in edges[node]:
                components.append(component)

    for node in stages:
        if node not in index:
            connect(node)
    cycles = []
    for component in components:
        members = set(component)
        start = min(component)
        path, seen = [start], {start}
        while True:
            nxt = next((n for n in edges[path[-1]] if n == start), None)
            if nxt is not None:
                break
            nxt = min(n for n in edges[path[-1]] if n in members and n not in seen)
            path.append(nxt)
            seen.add(nxt)
        cycles.append([stages[i] for i in path])
    return cycles


def _edge_loc(graph: ScopeGraph, stage: Stage, upstream: Stage) -> Loc:
    for reading in graph.dependencies.get(stage.index, []):
        if reading.resolution is not None and any(e.stage is upstream for e in reading.resolution.via()):
            return reading.loc
    return stage.loc.child("dependencies")


@rule("RL405", "dependency-cycle", Severity.ERROR, "stages depend on each other in a cycle")
def dependency_cycle(analysis: Analysis) -> Iterable[Finding]:
    """Catches dependency cycles, including a stage that depends on itself; the message names the
    cycle (`a → b → a`).

    Why: no stage of a cycle ever becomes ready, so none of them (and nothing after them) runs,
    and the run still reports "workflow completed successfully." with exit 0.

    Bad:

        - name: a
          dependencies: [b]
        - name: b
          dependencies: [a]

    Fixed: remove the dependency that points backwards (here `a` on `b`).
    """
    for graph in graphs(analysis):
        for cycle in _cycles(graph):
            names = [str(s.name) for s in cycle]
            where = _edge_loc(graph, cycle[0], cycle[1] if len(cycle) > 1 else cycle[0])
            if len(cycle) == 1:
                yield Finding.at(where, f"stage '{names[0]}' depends on itself, so it never runs", "remove it from its own dependencies")
            else:
                yield Finding.at(
                    where,
                    "dependency cycle: " + " → ".join(names + [names[0]]) + "; none of these stages ever runs",
                    "remove the dependency that points backwards",
                )


def _blocked(graph: ScopeGraph) -> Dict[int, Loc]:
    """Stages that never run because of their own dependencies, with where the cause is written."""
    causes: Dict[int, Loc] = {}
    for stage in graph.stages:
        for reading in graph.dependencies.get(stage.index, []):
            if reading.matches_nothing or reading.error is not None and not reading.error.unsupported:
                causes.setdefault(stage.index, reading.loc)
    for cycle in _cycles(graph):
        loc = _edge_loc(graph, cycle[0], cycle[1] if len(cycle) > 1 else cycle[0])
        for stage in cycle:
            causes.setdefault(stage.index, loc)
    return causes


@rule("RL406", "never-runs", Severity.INFO, "stages that never run because a stage before them never runs")
def never_runs(analysis: Analysis) -> Iterable[Finding]:
    """Reports, once at each root cause (a dependency that matches nothing, an expression that
    does not parse, a cycle), the stages further down that never run because of it.

    Why: a stage waits for all its dependencies, so one that never runs silently takes every stage
    after it along; the run still ends with "workflow completed successfully." The cause itself is
    the error (RL401, RL405, RL407); this says how much of the workflow it takes down.

    Bad:

        - name: select
          dependencies: [inti]
        - name: fit
          dependencies: [select]     # never runs either

    Fixed: fix the cause (`dependencies: [init]`).
    """
    for graph in graphs(analysis):
        causes = _blocked(graph)
        if not causes:
            continue
        downstream: Dict[int, List[int]] = {s.index: [] for s in graph.stages}
        for stage in graph.stages:
            for up in graph.upstream(stage):
                downstream[up.index].append(stage.index)
        by_loc: Dict[Loc, Tuple[Stage, List[Stage]]] = {}
        for index, loc in causes.items():
            seen, todo = set(), [index]
            while todo:
                for nxt in downstream[todo.pop()]:
                    if nxt not in seen and nxt not in causes:
                        seen.add(nxt)
                        todo.append(nxt)
            cause, victims = by_loc.setdefault(loc, (graph.stages[index], []))
            victims.extend(graph.stages[i] for i in sorted(seen) if graph.stages[i] not in victims)
        for loc, (cause, victims) in by_loc.items():
            if victims:
                names = [v.name for v in victims]
                yield Finding.at(
                    loc,
                    f"because '{cause.name}' never runs, {_quoted(names)} {'never runs' if len(names) == 1 else 'never run'} either",
                    "fix this dependency; the stages after it follow",
                )


# -- selectors ----------------------------------------------------------------------------------


@rule("RL408", "selector-unknown-stage", Severity.ERROR, "a `{step|stages: X}` selector names no stage")
def selector_unknown_stage(analysis: Analysis) -> Iterable[Finding]:
    """Catches a parameter selector whose `step`/`stages`/`steps` expression matches no stage of
    the workflow (same expression language and scopes as `dependencies`).

    Why: `{stages: X}` silently yields `[]`, so the step runs with an empty value; `{step: X}`
    fails with a bare `AssertionError` ("Workflow failed: " and nothing after it).

    Bad:

        inputfile: {step: selct, output: outfile}

    Fixed:

        inputfile: {step: select, output: outfile}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            if selector.target.matches_nothing and not graph.blames_name(selector.target):
                yield _no_match(selector.target, f"`{selector.key}:`", graph)


@rule("RL409", "selector-not-upstream", Severity.WARNING, "a selector reads a stage the stage does not depend on")
def selector_not_upstream(analysis: Analysis) -> Iterable[Finding]:
    """Catches a parameter selector whose stage is not among the stages this stage waits for,
    directly or through other stages. `init` is exempt: it is always scheduled first.

    Why: parameters are resolved when the stage is scheduled. A stage it does not wait for may not
    be scheduled yet: `{stages: X}` then silently yields `[]` and the step runs with an empty value,
    `{step: X}` fails with `AssertionError`. A warning when it depends on timing (it often works
    for a stage without dependencies, which is scheduled first); an error when X is the stage
    itself or waits for it, so X is never scheduled in time.

    Bad:

        - name: fit
          dependencies: [init]
          scheduler:
            parameters:
              histograms: {stages: select, output: hists}

    Fixed:

        - name: fit
          dependencies: [select]
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            resolution = selector.target.resolution
            if resolution is None or not selector.target.understood:
                continue
            closure = graph.closure(selector.stage)
            if closure is None:
                continue
            reader = selector.stage
            for target in [e.stage for e in resolution.via() if e.stage is not None and e.stage.index not in closure]:
                if target is reader or reader.index in (graph.closure(target) or set()):
                    why = "its own output" if target is reader else f"'{target.name}', which runs only after it"
                    yield Finding.at(
                        selector.target.loc,
                        f"'{reader.name}' reads {why}, so the value is never there",
                        "read a stage that runs before this one",
                        severity=Severity.ERROR,
                    )
                else:
                    yield Finding.at(
                        selector.target.loc,
                        f"'{reader.name}' reads '{target.name}' but does not depend on it; "
                        f"the value is there only if '{target.name}' happens to be scheduled first",
                        f"add '{target.name}' to the dependencies of '{reader.name}'",
                    )


_MANY_STEPS = ("multistep-step", "multistep-workflow")


@rule("RL410", "step-selector-not-single", Severity.ERROR, "`step:` selects more than one step")
def step_selector_not_single(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{step: X}` where X is a multistep stage (one step per scattered value), a name two
    stages share, or a list of stages.

    Why: `step:` asserts that exactly one step matches; otherwise the run fails with a bare
    `AssertionError` ("Workflow failed: " and nothing else). `stages:` returns a list instead.

    Bad:

        files: {step: generate, output: outfile}      # generate is a multistep-stage

    Fixed:

        files: {stages: generate, output: outfile}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            resolution = selector.target.resolution
            if selector.key != "step" or resolution is None or not selector.target.understood:
                continue
            whole = [r.entry for r in resolution.reached if r.level == "stage"]
            multistep = [e for e in whole if e.kind in _MANY_STEPS]
            if multistep:
                yield Finding.at(
                    selector.target.loc,
                    f"`step:` selects '{multistep[0].name}', a multistep stage with one step per scattered value",
                    f"use `stages: {selector.target.text}` (a list; add `flatten: true` to join list outputs)",
                )
            elif len(resolution.reached) > 1:
                names = [r.entry.name for r in resolution.reached]
                why = f"{len(names)} stages are named '{names[0]}'" if len(set(names)) == 1 else f"it matches {_quoted(names)}"
                yield Finding.at(selector.target.loc, f"`step:` must select exactly one step, but {why}", "use `stages:` for a list, or name one stage")


@rule("RL411", "selector-conflicting-keys", Severity.ERROR, "a selector has more than one of `step`, `stages`, `steps`")
def selector_conflicting_keys(analysis: Analysis) -> Iterable[Finding]:
    """Catches a selector with both `stages` and `steps` (aliases), or `step` next to either.

    Why: with both `stages` and `steps` the runtime fails with "stages and steps are aliases. pick
    one."; next to `stages`/`steps`, a `step` key is silently ignored.

    Bad:

        x: {stages: fit, steps: fit, output: result}

    Fixed:

        x: {stages: fit, output: result}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            present = [k for k in SELECTOR_TARGET_KEYS if k in selector.value]
            if len(present) > 1:
                second = present[1]
                message = (
                    "`stages` and `steps` are aliases; the runtime refuses both"
                    if {"stages", "steps"} <= set(present)
                    else f"`step` next to `{second}` is ignored by the runtime"
                )
                yield Finding.at(selector.loc.child(second), message, f"keep only one of {_quoted(present)}", key=True)


def _unknown_keys(selector: Selector) -> List[str]:
    return [k for k in selector.value if k not in SELECTOR_KEYS + _SELECTOR_EXTRA_KEYS]


@rule("RL412", "selector-without-output", Severity.ERROR, "a selector has no `output`")
def selector_without_output(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `{step|stages: X}` selector without `output`.

    Why: the runtime then selects `$`, the whole published result, so the step receives a
    dictionary such as `{'name': 'hello'}` instead of the value, and nothing fails until the
    physics is wrong.

    Bad:

        name: {step: init}

    Fixed:

        name: {step: init, output: name}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            if "output" in selector.value or any(closest(k, ["output"]) for k in _unknown_keys(selector)):
                continue  # a misspelt `output` is reported once, as an unknown key
            outputs = _published_by_target(analysis, graph, selector)
            choices = f" naming one of: {', '.join(sorted(outputs))}" if outputs else ""
            yield Finding.at(
                selector.loc,
                "selector has no `output`, so the step gets the whole published result",
                f"add `output:`{choices}",
            )


@rule("RL413", "selector-unknown-key", Severity.ERROR, "a selector has a key the runtime does not read")
def selector_unknown_key(analysis: Analysis) -> Iterable[Finding]:
    """Catches selector keys other than `step`, `stages`, `steps`, `output`, `unwrap` and
    `flatten` (e.g. `ouput`, `unwarp`).

    Why: the runtime ignores them. A misspelt `output` passes the whole published result; a
    misspelt `unwrap` or `flatten` changes the shape of the value. Nothing reports it.

    Bad:

        name: {step: init, ouput: name}

    Fixed:

        name: {step: init, output: name}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            for key in _unknown_keys(selector):
                yield Finding.at(
                    selector.loc.child(key),
                    f"selector key '{key}' is ignored by the runtime",
                    did_you_mean(key, SELECTOR_KEYS),
                    key=True,
                )


# -- published outputs --------------------------------------------------------------------------


def _publisher_outputs(stage: Stage) -> Optional[List[str]]:
    """The output names the step of ``stage`` publishes, or None when only the run knows them."""
    if stage.step is None:
        return None
    publisher = stage.step.part_value("publisher")
    kind = publisher.get("publisher_type")
    if kind == "frompar-pub":
        keys = publisher.get("outputmap")
    elif kind in ("interpolated-pub", "constant-pub"):
        keys = publisher.get("publish")
    elif kind == "fromglob-pub":
        key = publisher.get("outputkey")
        return [key] if isinstance(key, str) else None
    else:
        return None  # fromyaml-pub, fromparjq-pub: what is published is only known at run time
    if not isinstance(keys, dict) or "$ref" in keys:
        return None
    return [str(k) for k in keys]


def _published_by_target(analysis: Analysis, graph: ScopeGraph, selector: Selector) -> List[str]:
    names: List[str] = []
    for entry in _output_entries(selector):
        for _, keys in _entry_outputs(analysis, graph, entry):
            names.extend(k for k in keys if k not in names)
    return names


def _output_entries(selector: Selector) -> List[Entry]:
    resolution = selector.target.resolution
    if resolution is None or resolution.uncertain:
        return []
    return list({id(r.entry.stage): r.entry for r in resolution.reached}.values())


def _registered_values(stage: Stage) -> List[str]:
    """What selecting a sub-workflow stage itself yields: the `register_values` of its inner stages."""
    names: List[str] = []
    for inner in stage.subworkflow.stages if stage.subworkflow is not None else []:
        registered = inner.scheduler.get("register_values") if inner.scheduler is not None else None
        if isinstance(registered, dict):
            names.extend(str(k) for k in registered)
    return names


def _entry_outputs(analysis: Analysis, graph: ScopeGraph, entry: Entry) -> List[Tuple[Optional[str], List[str]]]:
    """(source, published names) pairs: one per initdata source for `init`, one for a step or a
    sub-workflow stage."""
    if entry.stage is not None:
        if entry.kind in ("workflow", "multistep-workflow"):
            return [(None, _registered_values(entry.stage))]
        outputs = _publisher_outputs(entry.stage) if entry.kind in ("step", "multistep-step") else None
        return [] if outputs is None else [(None, outputs)]
    parent = entry.scope.workflow.parent
    if parent is not None:
        if parent.scheduler_type not in ("singlestep-stage", "multistep-stage"):
            return []  # a jq-stage computes the sub-workflow's parameters at run time
        return [(None, [str(p.key) for p in parent.parameters])]
    root = _root_of(entry.scope.workflow)
    if _initfiles_given(analysis, root):
        return []
    result: List[Tuple[Optional[str], List[str]]] = []
    for label, _, data in _init_sources(analysis, root):
        # an empty initdata adds no `init` stage at all: RL514 says so once, at the example
        if isinstance(data, dict) and data and "$ref" not in data:
            result.append((label, [str(k) for k in data]))
    return result


def _first_key(output: str) -> Optional[str]:
    match = IDENTIFIER.match(output)
    return match.group(0) if match else None


@rule("RL414", "output-not-published", Severity.ERROR, "a selector's `output` is not published by its stage")
def output_not_published(analysis: Analysis) -> Iterable[Finding]:
    """Catches a selector `output` that the selected stage does not publish: the `outputmap` keys
    of `frompar-pub`, the `publish` keys of `interpolated-pub`/`constant-pub`, the `outputkey` of
    `fromglob-pub`; for `init`, the initdata keys of *every* example (the message names the
    example that lacks it); inside a sub-workflow, `init` publishes the parameters of the stage
    that runs it. An `output` that is a path (`files[0]`, `a.b`) is checked by its first key.
    `fromyaml-pub` and jq publishers are only known at run time and are not checked.

    Why: the runtime fails with "no matches found in reference selection. selection nme | result
    ...", after everything before the stage has run.

    Bad:

        name: {step: init, output: nme}          # initdata: {name: hello}

    Fixed:

        name: {step: init, output: name}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            output = selector.value.get("output")
            if not isinstance(output, str):
                continue
            key = _first_key(output)
            if key is None:
                continue  # `$`, `[0]`, `*`: a path the runtime evaluates over the whole result
            for entry in _output_entries(selector):
                published = _entry_outputs(analysis, graph, entry)
                lacking = [label for label, keys in published if output not in keys and key not in keys]
                if lacking:
                    yield _unpublished(selector, entry, key, published, lacking)


def _unpublished(selector: Selector, entry: Entry, key: str, published: List[Tuple[Optional[str], List[str]]], lacking: List[Any]) -> Finding:
    where = selector.loc.child("output")
    every = sorted({k for _, keys in published for k in keys})
    parent = entry.scope.workflow.parent
    if entry.kind in ("workflow", "multistep-workflow"):
        inner = [str(s.name) for s in entry.stage.subworkflow.stages] if entry.stage and entry.stage.subworkflow else []
        example = f"{entry.name}[*].{inner[0] if inner else 'stage'}"
        return Finding.at(
            where,
            f"output '{key}' is not a registered value of sub-workflow stage '{entry.name}'",
            did_you_mean(key, every) or f"a sub-workflow stage yields only the `register_values` of its stages; select an inner stage, e.g. '{example}'",
        )
    if entry.stage is not None:
        return Finding.at(where, f"output '{key}' is not published by '{entry.name}'", did_you_mean(key, every) or f"'{entry.name}' publishes no outputs")
    if parent is not None:
        return Finding.at(
            where,
            f"output '{key}' is not a parameter of '{parent.name}', and inside its sub-workflow `init` publishes just those",
            did_you_mean(key, every) or f"pass '{key}' as a parameter of '{parent.name}'",
        )
    if len(lacking) < len(published):
        return Finding.at(
            where,
            f"output '{key}' is missing from the initdata of {', '.join(str(label) for label in lacking)}",
            f"add '{key}' there; `init` publishes the initdata keys of whichever example runs",
        )
    return Finding.at(where, f"output '{key}' is not an initdata key, so `init` does not publish it", did_you_mean(key, every) or "add it to the initdata")


# -- optional shape checks ----------------------------------------------------------------------


@rule("RL415", "stages-selector-without-unwrap", Severity.INFO, "`{stages: X}` on a single-step stage gives a one-element list")
def stages_selector_without_unwrap(analysis: Analysis) -> Iterable[Finding]:
    """Reports `{stages: X, output: Y}` on a single-step stage (or `init`) without `unwrap: true`
    or `flatten: true`.

    Why: `stages:` always returns a list, one entry per step: the parameter is `['value']`, not
    `'value'`. A command renders it the same, but a frompar-pub passes the list on, and a
    downstream `{x[0]}` gets the whole string.

    Bad:

        name: {stages: init, output: name}

    Fixed:

        name: {stages: init, output: name, unwrap: true}      # or {step: init, output: name}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            resolution = selector.target.resolution
            if selector.key == "step" or resolution is None or not selector.target.understood or len(resolution.reached) != 1:
                continue
            if selector.value.get("unwrap") or selector.value.get("flatten"):
                continue
            reached = resolution.reached[0]
            if reached.level == "stage" and reached.via is reached.entry and reached.entry.kind in ("init", "step"):
                yield Finding.at(
                    selector.loc.child(selector.key),
                    f"`stages: {selector.target.text}` gives a one-element list, since '{reached.entry.name}' has one step",
                    "add `unwrap: true` for the value itself, or use `step:`",
                    key=True,
                )


@rule("RL416", "literal-looks-like-selector", Severity.WARNING, "a literal mapping parameter with a `step`, `stages` or `steps` key")
def literal_looks_like_selector(analysis: Analysis) -> Iterable[Finding]:
    """Catches a mapping parameter with a `step`, `stages` or `steps` key whose value is not a
    stage expression (e.g. `cfg: {step: 3}`).

    Why: the loader turns every mapping with one of these keys into a stage-output selector, so
    the mapping is never passed as data; the selection fails or yields something else.

    Bad:

        binning: {step: 0.5, max: 10}

    Fixed: rename the key (`{width: 0.5, max: 10}`), or pass the settings in a file.
    """
    for stage in analysis.all_stages():
        for parameter in stage.parameters:
            value = parameter.value
            if not isinstance(value, dict):
                continue
            keys = [k for k in SELECTOR_TARGET_KEYS if k in value]
            if keys and not isinstance(value[keys[0]], str):
                yield Finding.at(
                    parameter.loc.child(keys[0]),
                    f"this mapping has a `{keys[0]}` key, so the runtime reads it as a stage-output selector, not as data",
                    f"rename the `{keys[0]}` key",
                    key=True,
                )



def _always_true(condition: Any) -> bool:
    return condition is True or isinstance(condition, str) and condition.strip() == "true"


@rule("RL417", "cases-without-default", Severity.WARNING, "`cases` with no case that always matches")
def cases_without_default(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `cases` scheduler where no case has `if: 'true'` as a catch-all.

    Why: the runtime evaluates each `if` (a jq expression over the parameters) in order; when
    none matches, the stage schedules nothing, every stage after it never runs, and the only
    trace is an INFO log line. The run still reports success.

    Bad:

        cases:
        - {if: '.n == 0', step: {$ref: 'steps.yml#/empty'}}
        - {if: '.n > 0', step: {$ref: 'steps.yml#/fit'}}      # n < 0 runs nothing

    Fixed:

        cases:
        - {if: '.n == 0', step: {$ref: 'steps.yml#/empty'}}
        - {if: 'true', step: {$ref: 'steps.yml#/fit'}}
    """
    for stage in analysis.all_stages():
        scheduler = stage.scheduler
        cases = scheduler.get("cases") if scheduler is not None else None
        if not isinstance(cases, list) or not cases:
            continue
        if not any(isinstance(case, dict) and _always_true(case.get("if")) for case in cases):
            assert scheduler is not None
            yield Finding.at(
                scheduler.child("cases"),
                f"no case of stage '{stage.name}' always matches; when none does, it silently schedules nothing",
                "end with a catch-all case: `- if: 'true'`",
                key=True,
            )
