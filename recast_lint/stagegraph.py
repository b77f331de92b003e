"""The stage graph of every workflow scope, as the runtime will see it, computed once per analysis.

For each scope (a root workflow, or the `workflow:` of a stage) it reads every `dependencies`
expression and every parameter selector (`{step|stages|steps: X, output: Y}`) with
``recast_lint.stagepaths`` and resolves them against the scope's stages plus `init`. The RL4xx
rules judge it; anything else that needs to know which stage an expression names reads it here.
"""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from recast_lint.model import SELECTOR_TARGET_KEYS, Analysis, Loc, Parameter, Stage, Workflow
from recast_lint.records import Record
from recast_lint.stagepaths import (
    ExpressionError,
    Resolution,
    Scope,
    StagePath,
    addressable,
    parse,
    resolve,
)


class Reading(Record):
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


class Selector(Record):
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
        self._upstream: Dict[int, List[Stage]] = {}  # asked for again by every search through the stage
        self._downstream: Optional[Dict[int, List[int]]] = None
        self._broken_above: Optional[Set[int]] = None
        self._waiting_for_init: Optional[Set[int]] = None
        self._cycles: Optional[List[List[Stage]]] = None

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

    def broken_above(self, stage: Stage) -> bool:
        """Whether a dependency of ``stage``, or of a stage it waits for, could not be understood
        (broken ones are reported where they are written): what it waits for is then unknown."""
        if self._broken_above is None:
            self._broken_above = self._with_all_below(
                index for index, readings in self.dependencies.items()
                if not all(r.understood and not r.matches_nothing for r in readings)
            )
        return stage.index in self._broken_above

    def waits_for_init(self, stage: Stage) -> bool:
        """Whether ``stage``, or a stage it waits for, has a dependency on the scope's `init`."""
        if self._waiting_for_init is None:
            self._waiting_for_init = self._with_all_below(
                index for index, readings in self.dependencies.items()
                if any(r.resolution is not None and any(e.stage is None for e in r.resolution.via()) for r in readings)
            )
        return stage.index in self._waiting_for_init

    def waits_for(self, stage: Stage, other: Stage) -> bool:
        """Whether ``stage`` waits for ``other`` (both of this scope), directly or through other stages.
        The search stops at ``other``: a stage mostly reads one it depends on directly."""
        seen: Set[int] = set()
        todo = [stage]
        while todo:
            for up in self.upstream(todo.pop()):
                if up.index == other.index:
                    return True
                if up.index not in seen:
                    seen.add(up.index)
                    todo.append(up)
        return False

    def cycles(self) -> List[List[Stage]]:
        """Each strongly connected set of stages that waits on itself, as one concrete cycle."""
        if self._cycles is None:
            self._cycles = _cycles(self)
        return self._cycles

    def edge_loc(self, stage: Stage, upstream: Stage) -> Loc:
        """Where ``stage`` writes the dependency that makes it wait for ``upstream``."""
        for reading in self.dependencies.get(stage.index, []):
            if reading.resolution is not None and any(e.stage is upstream for e in reading.resolution.via()):
                return reading.loc
        return stage.loc.child("dependencies")

    def blocked(self) -> Dict[int, Loc]:
        """Stages that never run because of their own dependencies (one matching nothing, one that
        does not parse, a cycle), by index, with where the cause is written."""
        causes: Dict[int, Loc] = {}
        for stage in self.stages:
            for reading in self.dependencies.get(stage.index, []):
                if reading.matches_nothing or reading.error is not None and not reading.error.unsupported:
                    causes.setdefault(stage.index, reading.loc)
        for cycle in self.cycles():
            loc = self.edge_loc(cycle[0], cycle[1] if len(cycle) > 1 else cycle[0])
            for stage in cycle:
                causes.setdefault(stage.index, loc)
        return causes

    def downstream(self) -> Dict[int, List[int]]:
        """For each stage index, the indices of the stages that wait for it."""
        if self._downstream is None:
            found: Dict[int, List[int]] = {s.index: [] for s in self.stages}
            for stage in self.stages:
                for up in self.upstream(stage):
                    found[up.index].append(stage.index)
            self._downstream = found
        return self._downstream

    def never_run(self) -> Set[int]:
        """Indices of the stages that never run: the blocked ones and every stage after them."""
        return self._with_all_below(self.blocked())

    def _with_all_below(self, indices: Iterable[int]) -> Set[int]:
        """``indices`` and every stage that waits for one of them, directly or not: one pass per scope."""
        found = set(indices)
        todo = list(found)
        downstream = self.downstream() if todo else {}
        while todo:
            for down in downstream.get(todo.pop(), ()):
                if down not in found:
                    found.add(down)
                    todo.append(down)
        return found

    def names_referenced(self, name: str) -> bool:
        texts = [r.text for rs in self.dependencies.values() for r in rs] + [s.target.text for s in self.selectors]
        return any(name in text for text in texts)

    def blames_name(self, reading: Reading) -> bool:
        """A failing expression that writes an unaddressable stage name: the name is the root cause."""
        return any(isinstance(s.name, str) and s.name in reading.text for s in self.unaddressable)


def _cycles(graph: ScopeGraph) -> List[List[Stage]]:
    stages = {s.index: s for s in graph.stages}
    edges = {i: [u.index for u in graph.upstream(s)] for i, s in stages.items()}
    index: Dict[int, int] = {}
    low: Dict[int, int] = {}
    stack: List[int] = []
    on_stack: Set[int] = set()
    components: List[List[int]] = []

    for root in stages:  # Tarjan, without recursion: a chain of thousands of stages is as deep
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(edges[root]))]
        while work:
            node, pending = work[-1]
            nxt = next(pending, None)
            if nxt is not None:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(edges[nxt])))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
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
    cycles = []
    for component in components:
        # the shortest way from the first stage back to itself (a greedy walk can end in a corner of the set)
        members = set(component)
        start = min(component)
        came_from: Dict[int, int] = {}
        frontier, last = [start], None
        while last is None and frontier:
            following = []
            for node in frontier:
                if start in edges[node]:
                    last = node
                    break
                for nxt in sorted(n for n in edges[node] if n in members and n not in came_from and n != start):
                    came_from[nxt] = node
                    following.append(nxt)
            frontier = following
        if last is None:  # not a strongly connected set after all; nothing to name
            continue
        path = [last]
        while path[-1] != start:
            path.append(came_from[path[-1]])
        cycles.append([stages[i] for i in reversed(path)])
    return cycles


def _read(text: Any, loc: Loc, scope: Scope) -> Optional[Reading]:
    if not isinstance(text, str):
        return None
    try:
        path = parse(text)
    except ExpressionError as error:
        return Reading(text, loc, error=error)
    return Reading(text, loc, path, resolution=resolve(path, scope))


def init_sources(analysis: Analysis, root: Workflow) -> List[Tuple[str, Loc, Any]]:
    """The initdata a run of this root workflow may start from."""
    if root.origin == "recast" and analysis.entry is not None:
        docs = [analysis.entry.doc]
    elif root.origin == "reana":
        docs = [spec.doc for spec in analysis.reana if spec.workflow is root]
    else:
        return []
    return [source for source in analysis.initdata_sources() if any(source[1].doc is doc for doc in docs)]


def initfiles_given(analysis: Analysis, root: Workflow) -> bool:
    """REANA merges `inputs.options.initfiles` into the initdata: keys the linter cannot see."""
    return root.origin == "reana" and any(spec.workflow is root and spec.initfiles for spec in analysis.reana)


def _root_has_init(analysis: Analysis, root: Workflow) -> bool:
    if root.origin not in ("recast", "reana"):
        return True  # a loose workflow: whoever runs it may pass initdata
    return initfiles_given(analysis, root) or any(bool(data) for _, _, data in init_sources(analysis, root))


def root_of(workflow: Workflow) -> Workflow:
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
