"""The order in which yadage applies the stages of one scope, simulated to judge a selector that
reads a stage its stage does not wait for (RL409).

What the runtime does (yadage 0.21.2, adage 0.11.0, packtivity 0.17.1; read in their source and
verified with `yadage-run` on small workflows, see RL409):

- The workflow is a list of rules, one per stage, in the order they are written; the root's `init`
  rule comes *after* them (``yadage/creators.py``: ``createFromJSON`` then ``view().init``), a
  sub-workflow's `init` before them (``scheduler_handlers.step_or_stages``: ``[init_spec] +
  stages``), and a sub-workflow's rules are appended to the end of the list when its stage is applied.
- Every tick (``adage/pollingexec.py`` ``adage_coroutine``) syncs with the backend, extends the
  graph (``update_dag``) and submits the steps whose upstream steps have finished (``process_dag``).
- ``update_dag`` walks ``controller.applicable_rules()``, a generator over the list of rules, and
  applies each ready rule as it goes; ``apply_rules`` pops the applied rule from that same list, so
  the rule right after an applied one is not looked at in that pass. When a pass applied anything,
  the controller syncs (``YadageController.sync_expected`` prepublishes every step that can be) and
  walks the list again.
- A rule is ready (``predicate_handlers.jsonpath_ready``) when each dependency expression matches an
  applied stage and every step it matches has a result: a prepublished one (``packtivity
  syncbackends.prepublish``: `frompar-pub`, `constant-pub`, and `interpolated-pub`/`fromparjq-pub`
  without `glob`, which is also how `init` publishes) from the next sync on, or the result of a step
  that has run, seen at a sync after the tick that submitted it.
- Applying a rule resolves its selectors at once: a stage not applied yet gives `[]` to `stages:`
  and an `AssertionError` to `step:`; a stage applied but without a result yet raises
  `AttributeError: 'NoneType' object has no attribute 'asrefs'`.

The simulation follows that loop exactly and explores every order in which steps that must run
could finish (and, inside a sub-workflow, whether the rule before its first one was applied in the
same pass). A read that fails on every path fails for sure; one that works on every path works.
"""

from __future__ import annotations

from itertools import combinations
from typing import Dict, FrozenSet, Iterator, List, Optional, Set, Tuple

from recast_lint.model import Analysis, Stage
from recast_lint.records import Record
from recast_lint.stagegraph import ScopeGraph, Selector
from recast_lint.stagepaths import Entry

INIT = -1  # the rule of the runtime's `init` stage; stages are their index in the scope
OK, UNSCHEDULED, NO_RESULT = "ok", "unscheduled", "no-result"
_PREPUBLISHED = ("frompar-pub", "constant-pub")
_PREPUBLISHED_UNLESS_GLOB = ("interpolated-pub", "fromparjq-pub")
_MAX_STATES = 5_000  # real scopes take a handful; a scope past this is judged by its structure alone
_MAX_PENDING = 6  # steps that may finish in any order: 2**6 orders per sync at most
_MAX_UNKNOWN = 3  # stages whose readiness is not modelled (they wait for a sub-workflow): each doubles every walk

Read = Tuple[int, int, int]  # (reader stage index, selector number in the scope, target rule)


class _State(Record):
    remaining: Tuple[int, ...]  # rules not applied yet, in list order
    applied: FrozenSet[int]
    visible: FrozenSet[int]  # rules whose steps have a result
    submitted: FrozenSet[int]  # applied rules whose steps run, submitted at the end of an earlier tick


class _Rule(Record):
    expressions: Optional[List[List[int]]]  # the rules each dependency expression matches; None: not known
    result: str  # prepublished | runs (a step that must run first) | opaque (a sub-workflow, cases)


class ScopeSchedule:
    """What every selector of one scope meets when yadage applies its stage: for each
    (reader, selector, target rule), the outcomes seen on some path (``OK``, ``UNSCHEDULED``,
    ``NO_RESULT``); None for the whole scope when it was too large to explore."""

    def __init__(self, graph: ScopeGraph) -> None:
        self.graph = graph
        self.rules = _rules(graph)
        self.order = _order(graph)
        self.reads = _reads(graph)
        self._judged = {(reader, number, target) for reader, entries in self.reads.items() for number, target in entries}
        self.outcomes: Optional[Dict[Read, Set[str]]] = _explore(self)

    def outcome(self, selector_number: int, selector: Selector, target: Optional[Stage]) -> Optional[FrozenSet[str]]:
        """The outcomes of ``selector`` (the graph's selector number ``selector_number``) reading
        ``target`` (None for `init`); None when unknown, empty when the reader is never applied."""
        key = (selector.stage.index, selector_number, INIT if target is None else target.index)
        if self.outcomes is None or key not in self._judged:
            return None
        return frozenset(self.outcomes.get(key, ()))


def schedule_of(analysis: Analysis, graph: ScopeGraph) -> ScopeSchedule:
    """The schedule of one scope graph, simulated once per analysis when a rule first asks."""
    cache = analysis.cache.setdefault("schedule", {})
    if id(graph) not in cache:
        cache[id(graph)] = ScopeSchedule(graph)
    return cache[id(graph)]


def _rule_id(entry: Entry) -> int:
    return INIT if entry.stage is None else entry.stage.index


def _rules(graph: ScopeGraph) -> Dict[int, _Rule]:
    rules: Dict[int, _Rule] = {INIT: _Rule([], "prepublished")} if graph.scope.has_init else {}
    for stage in graph.stages:
        rules[stage.index] = _Rule(_expressions(graph, stage), _result_kind(Entry(str(stage.name), stage, graph.scope)))
    return rules


def _expressions(graph: ScopeGraph, stage: Stage) -> Optional[List[List[int]]]:
    readings = graph.dependencies.get(stage.index)
    if readings is None:
        return None  # a dependency type other than jsonpath_ready
    expressions = []
    for reading in readings:
        resolution = reading.resolution
        if resolution is None or not reading.understood:
            return None
        if any(r.level != "stage" or r.via is not r.entry or r.entry.kind in ("workflow", "multistep-workflow", "dynamic") for r in resolution.reached):
            return None  # readiness of a sub-workflow is its whole scope being done: not modelled
        expressions.append(sorted({_rule_id(r.entry) for r in resolution.reached}))
    return expressions


def _result_kind(entry: Entry) -> str:
    step = entry.stage.step if entry.stage is not None else None
    if entry.kind not in ("step", "multistep-step") or step is None:
        return "opaque"
    publisher = step.part_value("publisher")
    publisher_type = publisher.get("publisher_type")
    if publisher_type in _PREPUBLISHED or (publisher_type in _PREPUBLISHED_UNLESS_GLOB and not publisher.get("glob")):
        return "prepublished"
    return "runs"


def _order(graph: ScopeGraph) -> Tuple[int, ...]:
    stages = tuple(stage.index for stage in graph.stages)
    if not graph.scope.has_init:
        return stages
    return (INIT,) + stages if graph.scope.workflow.parent is not None else stages + (INIT,)


def _reads(graph: ScopeGraph) -> Dict[int, List[Tuple[int, int]]]:
    """For each reader stage, (selector number, target rule) for every stage of this scope its
    selectors name directly."""
    reads: Dict[int, List[Tuple[int, int]]] = {}
    for number, selector in enumerate(graph.selectors):
        resolution = selector.target.resolution
        if resolution is None or not selector.target.understood:
            continue
        for reached in resolution.reached:
            if reached.level == "stage" and reached.via is reached.entry and reached.entry.kind in ("init", "step", "multistep-step"):
                reads.setdefault(selector.stage.index, []).append((number, _rule_id(reached.entry)))
    return reads


def _explore(schedule: ScopeSchedule) -> Optional[Dict[Read, Set[str]]]:
    rules, reads = schedule.rules, schedule.reads
    if sum(1 for rule in rules.values() if rule.expressions is None) > _MAX_UNKNOWN:
        return None
    in_subworkflow = schedule.graph.scope.workflow.parent is not None
    outcomes: Dict[Read, Set[str]] = {}
    start = _State(schedule.order, frozenset(), frozenset(), frozenset())
    todo: List[Tuple[_State, bool]] = [(start, True)]
    seen: Set[Tuple[_State, bool]] = set()
    while todo:
        state, tick_start = todo.pop()
        if (state, tick_start) in seen:
            continue
        seen.add((state, tick_start))
        if len(seen) > _MAX_STATES:
            return None
        finishing = sorted(r for r in state.applied - state.visible if r in state.submitted or rules[r].result == "opaque")
        if len(finishing) > _MAX_PENDING:
            return None
        prepublished = frozenset(r for r in state.applied if rules[r].result == "prepublished")
        for count in range(len(finishing) + 1):
            for finished in combinations(finishing, count):
                visible = state.visible | prepublished | frozenset(finished)
                for remaining, applied_now in _passes(state.remaining, state.applied, visible, rules, reads, outcomes, in_subworkflow):
                    applied = state.applied | applied_now
                    if applied_now:
                        todo.append((_State(remaining, applied, visible, state.submitted), False))
                    else:  # the tick ends: its steps are submitted, and may finish by a later sync
                        submitted = state.submitted | frozenset(r for r in applied if rules[r].result == "runs")
                        if submitted - visible or any(rules[r].result == "opaque" for r in applied - visible):
                            todo.append((_State(remaining, applied, visible, submitted), True))
    return outcomes


def _passes(
    remaining: Tuple[int, ...],
    applied: FrozenSet[int],
    visible: FrozenSet[int],
    rules: Dict[int, _Rule],
    reads: Dict[int, List[Tuple[int, int]]],
    outcomes: Dict[Read, Set[str]],
    in_subworkflow: bool,
) -> Iterator[Tuple[Tuple[int, ...], FrozenSet[int]]]:
    """Every way one walk over the rules can go: (the rules left, the rules applied in it)."""
    starts = (0, 1) if in_subworkflow else (0,)  # a rule of the enclosing scope applied just before ours skips our first
    for start in starts:
        yield from _walk(list(remaining), start, applied, frozenset(), visible, rules, reads, outcomes)


def _walk(
    rules_left: List[int],
    index: int,
    applied: FrozenSet[int],
    applied_now: FrozenSet[int],
    visible: FrozenSet[int],
    rules: Dict[int, _Rule],
    reads: Dict[int, List[Tuple[int, int]]],
    outcomes: Dict[Read, Set[str]],
) -> Iterator[Tuple[Tuple[int, ...], FrozenSet[int]]]:
    while index < len(rules_left):
        rule = rules_left[index]
        readiness = _ready(rules[rule], applied | applied_now, visible)
        if readiness is None:  # not known: both ways
            yield from _walk(rules_left, index + 1, applied, applied_now, visible, rules, reads, outcomes)
            readiness = True
        if readiness:
            for number, target in reads.get(rule, ()):
                got = OK if target in visible else NO_RESULT if target in applied | applied_now else UNSCHEDULED
                outcomes.setdefault((rule, number, target), set()).add(got)
            rules_left = rules_left[:index] + rules_left[index + 1 :]
            applied_now = applied_now | {rule}
        index += 1  # after a pop, the list iterator has moved past the rule that took its place
    yield tuple(rules_left), applied_now


def _ready(rule: _Rule, applied: FrozenSet[int], visible: FrozenSet[int]) -> Optional[bool]:
    if rule.expressions is None:
        return None
    for targets in rule.expressions:
        matched = [t for t in targets if t in applied]
        if not matched or not all(t in visible for t in matched):
            return False
    return True
