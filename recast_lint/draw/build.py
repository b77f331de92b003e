"""Build the one graph of a lint run: the workflows of its analyses as the model and the stage
graph read them, with each diagnostic drawn on the node or edge whose YAML it points into.

Nothing here parses a file or knows a rule: stages, selectors and the stages that never run
come from ``recast_lint.stagegraph``; diagnostics are placed by where they point.
"""

from __future__ import annotations

import bisect
import math
import os
import re
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Set, Tuple

from recast_lint.diagnostics import Diagnostic, Severity, display_path
from recast_lint.draw.graph import (
    CASE,
    CASE_BRANCH,
    CASE_WORKFLOW,
    CASES,
    INIT,
    INVALID,
    JQ,
    MISSING,
    MULTISTEP,
    MULTISTEP_WORKFLOW,
    NOTE,
    RESULT,
    RESULT_EDGE,
    ROOT,
    STAGE,
    UNKNOWN,
    WORKFLOW,
    Element,
    Graph,
    Node,
    problem_line,
)
from recast_lint.lint import LintResult, UsageError
from recast_lint.load import Document
from recast_lint.model import Analysis, Case, Loc, Stage, Step, Workflow, is_selector
from recast_lint.stagegraph import Reading, ScopeGraph, graphs, init_sources
from recast_lint.stagevalues import grouped_length, positive_count

DEFAULT_EXAMPLE = "default"
MAX_INPUTS = 8  # input lines shown on `init`; the rest is counted
MAX_VALUE = 40  # characters of an input value shown
MAX_NOTE_LINES = 8


def build(result: LintResult, cwd: Path, example: Optional[str] = None) -> Graph:
    """The graph of every workflow ``result`` read, with ``result``'s diagnostics on it. ``example``
    names the `example_inputs` entry whose initdata `init` shows (default: `default`)."""
    if example is not None:
        _check_example(result.analyses, example)
    drawing = _Drawing(Graph(), cwd, example or DEFAULT_EXAMPLE, {d.path for d in result.diagnostics})
    roots = [(analysis, root) for analysis in result.analyses for root in analysis.workflows]
    # a recast.yml whose workflow could not be read still has inputs and results to show
    unread = [a for a in result.analyses if a.entry is not None and a.entry.workflow is None and a.entry.doc.ok and not a.entry.is_index]
    several = len(roots) + len(unread) > 1
    for analysis, root in roots:
        drawing.root(analysis, root, several)
    for analysis in unread:
        drawing.unread_workflow(analysis, several)
    drawing.place(result.diagnostics)
    return drawing.graph


def _check_example(analyses: Sequence[Analysis], example: str) -> None:
    names = [str(ex.name) for analysis in analyses for ex in analysis.examples()]
    if example not in names:
        if not names:
            raise UsageError(f"--example {example!r}: no recast.yml with `example_inputs` was found")
        from recast_lint.rules.registry import did_you_mean

        raise UsageError(f"no example {example!r} in recast.yml; {did_you_mean(example, sorted(set(names)))}")


class _Drawing:
    def __init__(self, graph: Graph, cwd: Path, example: str, paths_with_diagnostics: Set[str]) -> None:
        self.graph = graph
        self.cwd = cwd
        self.example = example
        self.regions = _Regions(self.path, paths_with_diagnostics)
        self.stages: Dict[int, Node] = {}  # id(stage) -> its node
        self.inits: Dict[int, Node] = {}  # id(workflow) -> the node of its `init`
        self.parents: Dict[int, Optional[str]] = {}  # id(workflow) -> the cluster its nodes are drawn in
        self.absent: Dict[Tuple[str, int, str], Node] = {}
        self.step_users: Dict[int, Tuple[Step, List[Node]]] = {}
        self.scopes: Dict[int, ScopeGraph] = {}
        self._paths: Dict[int, str] = {}

    def path(self, doc: Document) -> str:
        shown = self._paths.get(id(doc))
        if shown is None:
            shown = self._paths[id(doc)] = display_path(doc.path, self.cwd)
        return shown

    def where(self, loc: Loc) -> Tuple[str, int]:
        return self.path(loc.doc), loc.span().line

    # -- workflows --------------------------------------------------------------------------------

    def root(self, analysis: Analysis, root: Workflow, several: bool) -> None:
        self.scopes.update((id(sg.scope.workflow), sg) for sg in graphs(analysis))
        parent = None
        if several:  # one cluster per root, named by its file and what runs it
            origin = {"recast": "recast.yml", "reana": "reana.yaml", "loose": "loose workflow"}.get(root.origin, root.origin)
            parent = self.graph.add(ROOT, self.path(root.loc.doc), None, [origin], self.where(root.loc)).id
        inputs, region, values = self._init_inputs(analysis, root)
        self.scope(root, parent, inputs, region, values, never=False)
        if root.origin == "recast" and analysis.entry is not None:
            self.results(analysis, root, parent)

    def unread_workflow(self, analysis: Analysis, several: bool) -> None:
        entry = analysis.entry
        assert entry is not None
        parent = self.graph.add(ROOT, self.path(entry.doc), None, ["workflow not read"], self.where(entry.loc)).id if several else None
        inputs, region, _ = self._init_inputs(analysis, None)
        init = self.graph.add(INIT, "init", parent, inputs or [])
        if region is not None:
            init.where = self.where(region)
            self.regions.add(region, init)
        self.results(analysis, None, parent)

    def _init_inputs(self, analysis: Analysis, root: Optional[Workflow]) -> Tuple[Optional[List[str]], Optional[Loc], Dict[Any, Any]]:
        """What `init` of a root (None: the one recast.yml names) shows (None: nothing to show), where
        that is written, and the values."""
        if root is None or root.origin == "recast":
            chosen = next((ex for ex in analysis.examples() if str(ex.name) == self.example), None)
            if chosen is None:
                return [f"no example {self.example!r}"], None, {}
            data = chosen.initdata if isinstance(chosen.initdata, dict) else {}
            return _input_lines(data) or [f"example {self.example!r} has no initdata"], chosen.loc, data
        sources = init_sources(analysis, root)
        if sources:
            _, loc, data = sources[0]
            data = data if isinstance(data, dict) else {}
            return _input_lines(data) or ["no parameters"], loc, data
        return (["given at run time"] if root.origin == "loose" else None), None, {}

    def scope(self, workflow: Workflow, parent: Optional[str], inputs: Optional[List[str]], inputs_at: Optional[Loc],
              values: Dict[Any, Any], never: bool) -> None:
        graph = self.scopes.get(id(workflow))
        if graph is None:
            return
        self.parents[id(workflow)] = parent
        if graph.scope.has_init and (workflow.parent is not None or inputs is not None or _reads_init(graph)):
            init = self.graph.add(INIT, "init", parent, inputs or [])
            if inputs_at is not None:
                init.where = self.where(inputs_at)
                self.regions.add(inputs_at, init)
            self.inits[id(workflow)] = init
        never_run = graph.never_run()
        for stage in workflow.stages:
            self.stage(stage, parent, values, never or stage.index in never_run)
        self.flow(graph)

    def stage(self, stage: Stage, parent: Optional[str], values: Dict[Any, Any], never: bool) -> None:
        name = "(no name)" if stage.name is None else str(stage.name)
        multistep = stage.scheduler_type == "multistep-stage"
        details = [_scatter(stage, values)] if multistep else []
        if stage.subworkflow is not None:
            kind = MULTISTEP_WORKFLOW if multistep else WORKFLOW
        elif stage.cases:
            kind = CASES
        elif stage.scheduler_type == "jq-stage":
            kind, details = JQ, ["jq-stage"]
        else:
            kind = MULTISTEP if multistep else STAGE
            step_name = _step_name(stage.step.loc) if stage.step is not None else None
            if step_name is not None and step_name != name:
                details.insert(0, f"step {step_name}")
        node = self.graph.add(kind, name, parent, details, self.where(stage.loc), stage.path)
        node.never_runs = never
        self.stages[id(stage)] = node
        self.regions.add(stage.loc, node)
        if stage.scheduler is not None and stage.scheduler.doc is not stage.loc.doc:  # a scheduler reached through `$ref`
            self.regions.add(stage.scheduler, node)
        if stage.step is not None:
            self._uses(stage.step, node)
        if stage.subworkflow is not None:
            self.sub_workflow(stage.subworkflow, node, [str(p.key) for p in stage.parameters], never)
        for number, case in enumerate(stage.cases, 1):
            self.case(node, number, case, [str(p.key) for p in stage.parameters], never)

    def sub_workflow(self, workflow: Workflow, cluster: Node, parameters: List[str], never: bool) -> None:
        self.regions.add(workflow.loc, cluster)
        shown = parameters[:MAX_INPUTS] + ([f"+{len(parameters) - MAX_INPUTS} more"] if len(parameters) > MAX_INPUTS else [])
        self.scope(workflow, cluster.id, [", ".join(shown)] if shown else ["no parameters"], None, {}, never)

    def case(self, stages_node: Node, number: int, case: Case, parameters: List[str], never: bool) -> None:
        if case.workflow is not None:
            node = self.graph.add(CASE_WORKFLOW, f"case {number}", stages_node.parent, ["workflow"], self.where(case.loc))
            node.never_runs = never
            self.regions.add(case.loc, node)
            self.sub_workflow(case.workflow, node, parameters, never)
        else:
            step_name = _step_name(case.step.loc) if case.step is not None else None
            node = self.graph.add(CASE, step_name or f"case {number}", stages_node.parent, [], self.where(case.loc))
            node.never_runs = never
            self.regions.add(case.loc, node)
            if case.step is not None:
                self._uses(case.step, node)
        edge = self.graph.edge(stages_node.id, node.id, CASE_BRANCH)
        edge.condition = _short(case.condition) if case.condition is not None else "(no condition)"

    def _uses(self, step: Step, node: Node) -> None:
        """A problem inside a step is drawn on every stage that runs it (its regions are added once, in ``place``)."""
        self.step_users.setdefault(id(step), (step, []))[1].append(node)

    # -- edges ------------------------------------------------------------------------------------

    def flow(self, graph: ScopeGraph) -> None:
        for stage in graph.stages:
            target = self.stages[id(stage)].id
            for reading in graph.dependencies.get(stage.index, []):
                for source in self.sources(reading, graph, precise=False):
                    edge = self.graph.edge(source, target)
                    edge.waits = True
                    self.regions.add(reading.loc, edge)
        for selector in graph.selectors:
            target = self.stages[id(selector.stage)].id
            output = selector.value.get("output")
            carried = "(no output)" if output is None else _short(output)
            for source in self.sources(selector.target, graph, precise=True):
                edge = self.graph.edge(source, target)
                if carried not in edge.outputs:
                    edge.outputs.append(carried)
                self.regions.add(selector.parameter.key_loc, edge, key=True, until=selector.loc)

    def sources(self, reading: Reading, graph: ScopeGraph, precise: bool) -> List[str]:
        """The nodes an expression reads from: the stages (or `init`) it reaches, and a node for each
        name it misses. ``precise``: the stage reached (a selector reads `map[*].inner`'s output from
        `inner`), else the stage of this scope it goes through (a dependency waits for `map`)."""
        workflow = graph.scope.workflow
        if reading.error is not None:
            if reading.error.unsupported:
                return [self._absent(UNKNOWN, workflow, reading.text, "not modelled").id]
            return [self._absent(INVALID, workflow, reading.text, "not a stage expression").id]
        resolution = reading.resolution
        assert resolution is not None
        found: List[str] = []
        entries = [r.entry for r in resolution.reached] if precise else resolution.via()
        for entry in entries:
            node = self.inits.get(id(entry.scope.workflow)) if entry.stage is None else self.stages.get(id(entry.stage))
            if node is not None and node.id not in found:
                found.append(node.id)
        for miss in resolution.misses:
            why = "no initdata" if miss.name == "init" else "no such stage"
            found.append(self._absent(MISSING, miss.scope.workflow, miss.name, why).id)
        if resolution.matches_nothing and not resolution.misses:
            found.append(self._absent(MISSING, workflow, reading.text, "matches no stage").id)
        elif resolution.uncertain and not resolution.reached:
            found.append(self._absent(UNKNOWN, workflow, reading.text, "known at run time").id)
        return found

    def _absent(self, kind: str, workflow: Workflow, label: str, why: str) -> Node:
        key = (kind, id(workflow), label)
        node = self.absent.get(key)
        if node is None:
            node = self.absent[key] = self.graph.add(kind, label, self.parents.get(id(workflow)), [why])
        return node

    # -- results ----------------------------------------------------------------------------------

    def results(self, analysis: Analysis, root: Optional[Workflow], parent: Optional[str]) -> None:
        entry = analysis.entry
        assert entry is not None
        items = entry.loc.get("results")
        for index, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            loc = entry.loc.child("results", index)
            relpath = item.get("relpath")
            label = "(no name)" if item.get("name") is None else _short(item.get("name"))
            node = self.graph.add(RESULT, label, parent, [_short(relpath)] if relpath is not None else [], self.where(loc))
            self.regions.add(loc, node)
            writer = _writer(root, relpath) if root is not None and isinstance(relpath, str) else None
            if writer is not None and id(writer) in self.stages:
                self.graph.edge(self.stages[id(writer)].id, node.id, RESULT_EDGE)

    # -- diagnostics ------------------------------------------------------------------------------

    def place(self, diagnostics: Sequence[Diagnostic]) -> None:
        for step, nodes in self.step_users.values():
            for loc in [step.loc, *step.parts.values()]:
                self.regions.add(loc, *nodes)
        self.regions.finish()
        for diagnostic in diagnostics:
            elements = self.regions.find(diagnostic)
            if elements is None:
                self.graph.unplaced.append(diagnostic)
            for element in elements or []:
                element.diagnostics.append(diagnostic)
        shown = [d for d in self.graph.unplaced if d.severity is not Severity.INFO]
        if shown:  # what is wrong off the picture (recast.yml metadata, CI, unreadable files) is still said on it
            by_path: Dict[str, List[Diagnostic]] = {}
            for d in shown:
                by_path.setdefault(d.path, []).append(d)
            lines = [f"{path}: {problem_line(found)}" for path, found in by_path.items()]
            if len(lines) > MAX_NOTE_LINES:
                lines = lines[: MAX_NOTE_LINES - 1] + [f"and {len(lines) - MAX_NOTE_LINES + 1} more files"]
            note = self.graph.add(NOTE, "not on the picture", None, lines)
            note.diagnostics = list(shown)


class _Regions:
    """Where each drawn element is written, to find the innermost one a diagnostic points into.

    YAML nodes nest, so per file the regions form a tree: sorted by start, each region's parent is
    the nearest earlier region that contains it, and a lookup walks up from the last region that
    starts before the diagnostic (10,000 stages and as many diagnostics take milliseconds)."""

    def __init__(self, path_of: Callable[[Document], str], wanted: Set[str]) -> None:
        self.path_of = path_of
        self.wanted = wanted  # only files some diagnostic points into need their regions
        self.spans: Dict[str, Dict[Tuple[Tuple[int, int], Tuple[int, int]], Dict[int, Element]]] = {}
        self.sorted: Dict[str, Tuple[List[Tuple[int, int]], List[Tuple[int, int]], List[List[Element]], List[int]]] = {}

    def add(self, loc: Loc, *elements: Element, key: bool = False, until: Optional[Loc] = None) -> None:
        """The value at ``loc`` (from its key with ``key``, to the end of ``until``'s value if given)."""
        path = self.path_of(loc.doc)
        if path not in self.wanted:
            return
        span = loc.span(key=key)
        end_span = (until or loc).span()
        start, end = (span.line, span.column), (end_span.end_line, end_span.end_column)
        if key:
            value = loc.span()
            start = min(start, (value.line, value.column))
        # keyed by identity: one step used by 10,000 stages is one region with 10,000 elements
        self.spans.setdefault(path, {}).setdefault((start, end), {}).update((id(element), element) for element in elements)

    def finish(self) -> None:
        for path, regions in self.spans.items():
            ordered = sorted(regions, key=lambda r: (r[0], (-r[1][0], -r[1][1])))
            parents: List[int] = []
            open_regions: List[int] = []
            for i, (start, end) in enumerate(ordered):
                while open_regions and not (ordered[open_regions[-1]][1] >= end and ordered[open_regions[-1]][0] <= start):
                    open_regions.pop()
                parents.append(open_regions[-1] if open_regions else -1)
                open_regions.append(i)
            self.sorted[path] = ([r[0] for r in ordered], [r[1] for r in ordered], [list(regions[r].values()) for r in ordered], parents)

    def find(self, diagnostic: Diagnostic) -> Optional[List[Element]]:
        found = self.sorted.get(diagnostic.path)
        if found is None:
            return None
        starts, ends, elements, parents = found
        span = diagnostic.span
        start, end = (span.line, span.column), (span.end_line, span.end_column)
        index = bisect.bisect_right(starts, start) - 1
        while index >= 0:
            if ends[index] >= end:
                return elements[index]
            index = parents[index]
        return None


def _reads_init(graph: ScopeGraph) -> bool:
    readings = [r for rs in graph.dependencies.values() for r in rs] + [s.target for s in graph.selectors]
    return any(
        entry.stage is None and entry.scope.workflow is graph.scope.workflow
        for reading in readings
        if reading.resolution is not None
        for entry in [r.entry for r in reading.resolution.reached]
    )


def _step_name(loc: Loc) -> Optional[str]:
    """A step reached through `$ref` is known by its key in the steps file (`steps.yml#/fit`: fit)."""
    return str(loc.pointer[-1]) if loc.pointer and isinstance(loc.pointer[-1], str) and loc.pointer[-1] != "step" else None


def _short(value: Any) -> str:
    """A value as one short line."""
    if isinstance(value, list):
        text = "[" + ", ".join(_short(v) for v in value) + "]"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{_short(k)}: {_short(v)}" for k, v in value.items()) + "}"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def _input_lines(data: Dict[Any, Any]) -> List[str]:
    lines = [f"{_short(key)} = {_short(value)}" for key, value in list(data.items())[:MAX_INPUTS]]
    if len(data) > MAX_INPUTS:
        lines.append(f"+{len(data) - MAX_INPUTS} more")
    return lines


def _scatter(stage: Stage, init_values: Dict[Any, Any]) -> str:
    """`3 steps · zip(x, y)`: how many steps a multistep stage schedules, when the spec and the
    example say (`?` otherwise), and what it scatters."""
    scheduler = stage.scheduler
    scatter = scheduler.get("scatter") if scheduler is not None else None
    if scheduler is None or not isinstance(scatter, dict):
        return "? steps · no scatter"
    method, names = scatter.get("method"), scatter.get("parameters")
    names = [str(n) for n in names] if isinstance(names, list) else []
    batch, parts = scheduler.get("batchsize"), scheduler.get("partitionsize")
    count = _step_count(stage, method, names, init_values)
    text = f"{'?' if count is None else count} {'step' if count == 1 else 'steps'} · {_short(method)}({', '.join(names)})"
    if positive_count(batch):
        text += f" · batches of {batch}"
    elif positive_count(parts):
        text += f" · {parts} parts"
    return text


def _step_count(stage: Stage, method: Any, names: List[str], init_values: Dict[Any, Any]) -> Optional[int]:
    """What yadage's scatter makes of the values (handlers/scheduler_handlers.py): each list grouped
    into batches or parts, then zipped (the shortest wins) or multiplied; any other method makes none."""
    if method not in ("zip", "cartesian"):
        return 0 if isinstance(method, str) else None
    if not names:
        return None
    values = {p.key: p.value for p in stage.parameters}
    lengths = []
    for name in names:
        length = _length(values.get(name), init_values)
        if length is None:
            return None
        lengths.append(grouped_length(length, stage.scheduler))  # type: ignore[arg-type]  (a scatter has a scheduler)
    return min(lengths) if method == "zip" else math.prod(lengths)


def _length(value: Any, init_values: Dict[Any, Any]) -> Optional[int]:
    if isinstance(value, (list, str)):  # a literal string scatters its characters, as the runtime does
        return len(value)
    if not is_selector(value) or not isinstance(value.get("output"), str):
        return None
    key = next(k for k in ("step", "stages", "steps") if k in value)
    if value[key] != "init" or value["output"] not in init_values:
        return None  # known only once the stage it reads has run
    selected = init_values[value["output"]]
    if key != "step" and not value.get("unwrap") and not (value.get("flatten") and isinstance(selected, list)):
        return 1  # `{stages: init}` is a list of one value, the init output
    return len(selected) if isinstance(selected, list) else None


def _writer(root: Workflow, relpath: str) -> Optional[Stage]:
    """The stage whose work directory holds ``relpath``: `<stage>/...`, `<stage>_<i>/...` for the
    steps of a multistep stage, `<stage>/<inner>/...` inside a sub-workflow."""
    workflow: Optional[Workflow] = root
    found: Optional[Stage] = None
    for part in os.path.normpath(relpath).split(os.sep):
        if workflow is None:
            break
        named = workflow.stages_named(part)
        if not named:
            scattered = re.fullmatch(r"(.+)_\d+", part)
            named = [s for s in workflow.stages_named(scattered.group(1)) if s.scheduler_type == "multistep-stage"] if scattered else []
        if not named:
            break
        found = named[0]
        workflow = found.subworkflow
    return found
