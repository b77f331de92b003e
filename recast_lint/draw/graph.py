"""The picture of a workflow as one graph object that every format draws.

Nodes are what a reader sees as boxes: the `init` of a scope, stages, the branches of `cases`,
the results of `recast.yml`, and the red "missing" nodes a dependency on nothing points from.
Stages that hold a workflow (and the roots, when there are several) are clusters: nodes other
nodes sit in. Edges go the way data flows, from the stage that runs first to the one that waits.
Each node and edge carries the diagnostics that fall on it; formats read only this module.
"""

from __future__ import annotations

from typing import Dict, Iterator, List, Optional, Sequence, Tuple

from recast_lint.diagnostics import Diagnostic, Severity

# kinds of node; the clusters hold other nodes
INIT, STAGE, MULTISTEP, CASES, CASE, JQ, RESULT, MISSING, INVALID, UNKNOWN, NOTE = (
    "init", "stage", "multistep", "cases", "case", "jq", "result", "missing", "invalid", "unknown", "note",
)
WORKFLOW, MULTISTEP_WORKFLOW, CASE_WORKFLOW, ROOT = "workflow", "multistep-workflow", "case-workflow", "root"
CLUSTERS = (WORKFLOW, MULTISTEP_WORKFLOW, CASE_WORKFLOW, ROOT)
# nodes that stand for something that is not there: the edges from them are drawn as broken
ABSENT = (MISSING, INVALID, UNKNOWN)

# kinds of edge
FLOW, CASE_BRANCH, RESULT_EDGE = "flow", "case", "result"


def worst(diagnostics: Sequence[Diagnostic]) -> Optional[Severity]:
    """The severity a drawing shows: error or warning (infos go in tooltips only)."""
    ranks = [d.severity for d in diagnostics if d.severity is not Severity.INFO]
    return min(ranks, key=lambda s: s.rank) if ranks else None


def codes(diagnostics: Sequence[Diagnostic], severity: Optional[Severity] = None) -> List[str]:
    return sorted({d.code for d in diagnostics if severity is None or d.severity is severity})


def problem_line(diagnostics: Sequence[Diagnostic]) -> Optional[str]:
    """`error RL401; warning RL507`: the codes a label shows, worst first; None when there are none."""
    parts = []
    for severity in (Severity.ERROR, Severity.WARNING):
        found = codes(diagnostics, severity)
        if found:
            parts.append(f"{severity.value} {', '.join(found)}")
    return "; ".join(parts) or None


class Element:
    """What nodes and edges share: the diagnostics drawn on them."""

    def __init__(self) -> None:
        self.diagnostics: List[Diagnostic] = []

    @property
    def severity(self) -> Optional[Severity]:
        return worst(self.diagnostics)

    def problem_line(self) -> Optional[str]:
        return problem_line(self.diagnostics)

    def tooltip(self) -> List[str]:
        """One line per diagnostic: `error RL401 specs/workflow.yml:3:18 dependency 'inti' matches no stage`."""
        return [f"{d.severity.value} {d.code} {d.path}:{d.span.line}:{d.span.column} {d.message}" for d in self.diagnostics]


class Node(Element):
    def __init__(self, node_id: str, kind: str, label: str, parent: Optional[str], details: Sequence[str] = (),
                 where: Optional[Tuple[str, int]] = None, stage: Optional[str] = None) -> None:
        super().__init__()
        self.id = node_id
        self.kind = kind
        self.label = label  # the first line: a name
        self.details = list(details)  # the lines under it
        self.parent = parent  # the cluster it is drawn in
        self.where = where  # (display path, line) where it is written
        self.stage = stage  # the dotted path of the stage it stands for, e.g. `signal.fit`
        self.never_runs = False

    @property
    def cluster(self) -> bool:
        return self.kind in CLUSTERS

    def tooltip(self) -> List[str]:
        return (["never runs"] if self.never_runs else []) + super().tooltip()

    def lines(self) -> List[str]:
        """The text drawn: the name, the details, then the codes of the problems on it."""
        problems = self.problem_line() if self.kind != NOTE else None  # a note lists them itself
        return [self.label, *self.details] + ([problems] if problems else [])


class Edge(Element):
    def __init__(self, source: str, target: str, kind: str = FLOW) -> None:
        super().__init__()
        self.source = source
        self.target = target
        self.kind = kind
        self.waits = False  # the target lists the source among its dependencies
        self.outputs: List[str] = []  # outputs of the source its parameters read, `{step: X, output: Y}`
        self.condition: Optional[str] = None  # the `if` of a case

    def label(self) -> Optional[str]:
        """The condition of a case, or the outputs carried, then the codes of the problems on it."""
        if self.condition is not None:
            text = f"if {self.condition}"
        else:
            text = ", ".join(self.outputs[:3] + ([f"+{len(self.outputs) - 3} more"] if len(self.outputs) > 3 else []))
        problems = self.problem_line()
        if problems:
            text = f"{text} · {problems}" if text else problems
        return text or None


class Graph:
    """Nodes in drawing order (a cluster before what it holds) and edges in reading order."""

    def __init__(self) -> None:
        self.nodes: List[Node] = []
        self.edges: List[Edge] = []
        self.unplaced: List[Diagnostic] = []  # diagnostics that fall on nothing drawn (shown in a note)
        self._by_id: Dict[str, Node] = {}
        self._edges: Dict[Tuple[str, str, str], Edge] = {}
        self._children: Optional[Dict[Optional[str], List[Node]]] = None

    def add(self, kind: str, label: str, parent: Optional[str], details: Sequence[str] = (),
            where: Optional[Tuple[str, int]] = None, stage: Optional[str] = None) -> Node:
        node = Node(f"n{len(self.nodes)}", kind, label, parent, details, where, stage)
        self.nodes.append(node)
        self._by_id[node.id] = node
        self._children = None
        return node

    def node(self, node_id: str) -> Node:
        return self._by_id[node_id]

    def edge(self, source: str, target: str, kind: str = FLOW) -> Edge:
        """The edge from ``source`` to ``target``, made on first use: a dependency and the outputs
        read along it are one arrow."""
        key = (source, target, kind)
        found = self._edges.get(key)
        if found is None:
            found = self._edges[key] = Edge(source, target, kind)
            self.edges.append(found)
        return found

    def children(self, parent: Optional[str]) -> List[Node]:
        if self._children is None:
            self._children = {}
            for node in self.nodes:
                self._children.setdefault(node.parent, []).append(node)
        return self._children.get(parent, [])

    def elements(self) -> Iterator[Element]:
        yield from self.nodes
        yield from self.edges

    def count(self, severity: Severity) -> int:
        """Diagnostics of ``severity`` on the picture, each counted once however many elements show it."""
        seen = {id(d): d for element in self.elements() for d in element.diagnostics}
        seen.update({id(d): d for d in self.unplaced})
        return sum(1 for d in seen.values() if d.severity is severity)
