"""Graphviz DOT (`dot -Tsvg`), and SVG or PNG made by running Graphviz's `dot` on it.

Clusters are `subgraph cluster_…`; an edge that starts or ends on a cluster is drawn to a node
inside it and clipped at the border (`compound=true` with `ltail`/`lhead`). Tooltips (shown when
hovering in an SVG) say where each node is written and every diagnostic on it.
"""

from __future__ import annotations

import shutil
from typing import List, Optional

from recast_lint.diagnostics import Severity
from recast_lint.draw.graph import (
    ABSENT,
    CASES,
    INIT,
    INVALID,
    MISSING,
    MULTISTEP,
    MULTISTEP_WORKFLOW,
    NOTE,
    RESULT,
    ROOT,
    UNKNOWN,
    Edge,
    Element,
    Graph,
    Node,
)

FONT = "Helvetica,Arial,sans-serif"
RED, AMBER, GREY = "#d32f2f", "#f9a825", "#9e9e9e"
_SHAPES = {
    INIT: 'shape=ellipse, fillcolor="#e3f2fd"',
    MULTISTEP: 'shape=box3d, style=filled',
    CASES: 'shape=diamond, style=filled',
    RESULT: 'shape=note, style=filled, fillcolor="#e8f5e9"',
    NOTE: 'shape=note, style=filled, fillcolor="#fff8e1"',
    MISSING: f'style="dashed,filled", color="{RED}", fillcolor="#ffebee", fontcolor="#b71c1c"',
    INVALID: f'style="dashed,filled", color="{RED}", fillcolor="#ffebee", fontcolor="#b71c1c"',
    UNKNOWN: f'style="dashed,filled", color="{GREY}", fillcolor="#f5f5f5", fontcolor="#616161"',
}
_NEVER = 'style="rounded,dashed,filled", fillcolor="#eeeeee", fontcolor="#757575"'
_CLUSTER = {ROOT: 'style="dashed"', MULTISTEP_WORKFLOW: 'style="rounded,bold"'}
_NEVER_CLUSTER = 'style="rounded,dashed,filled", fillcolor="#f5f5f5", fontcolor="#757575"'


class GraphvizError(Exception):
    """`dot` is missing or failed (exit code 2)."""


def quote(value: str) -> str:
    escaped = "".join(ch if ch.isprintable() else " " for ch in value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _lines(lines: List[str]) -> str:
    """Several lines as one DOT string (without its quotes): Graphviz centres each at `\\n`."""
    return "\\n".join(quote(line)[1:-1] for line in lines)


def _label(node: Node) -> str:
    return _lines(node.lines())


def _tooltip(element: Element, where: Optional[str] = None) -> List[str]:
    """The `tooltip` attribute (an SVG shows it on hover): where it is written, then each diagnostic."""
    lines = ([where] if where else []) + element.tooltip()
    return [f'tooltip="{_lines(lines)}"'] if lines else []


def _severity_attributes(element: Element) -> List[str]:
    if element.severity is Severity.ERROR:
        return [f'color="{RED}"', "penwidth=2.5"]
    if element.severity is Severity.WARNING:
        return [f'color="{AMBER}"', "penwidth=2.5"]
    return []


def render(graph: Graph) -> str:
    out = [
        "digraph workflow {",
        f'  graph [rankdir=TB, compound=true, fontname="{FONT}", fontsize=12];',
        f'  node [shape=box, style="rounded,filled", fillcolor="#ffffff", color="#37474f", fontname="{FONT}", fontsize=11];',
        f'  edge [color="#546e7a", fontname="{FONT}", fontsize=10];',
    ]

    def draw(parent: Optional[str], depth: int) -> None:
        pad = "  " * depth
        children = graph.children(parent)
        if parent is not None and _anchor(graph, parent, last=False) is None:  # edges need a node to meet
            out.append(f"{pad}{parent}_anchor [shape=point, style=invis];")
        for node in children:
            where = f"{node.where[0]}:{node.where[1]}" if node.where else None
            if node.cluster:
                look = _NEVER_CLUSTER if node.never_runs else _CLUSTER.get(node.kind, 'style="rounded"')
                attributes = [f'label="{_label(node)}"', look, 'color="#90a4ae"']
                attributes += _severity_attributes(node) + _tooltip(node, where)
                out.append(f"{pad}subgraph cluster_{node.id} {{")
                out.append(f"{pad}  graph [{', '.join(attributes)}];")
                draw(node.id, depth + 1)
                out.append(f"{pad}}}")
                continue
            attributes = [f'label="{_label(node)}"']
            if node.kind in _SHAPES:
                attributes.append(_SHAPES[node.kind])
            if node.never_runs and node.kind not in ABSENT:
                attributes.append(_NEVER if node.kind not in _SHAPES else 'fillcolor="#eeeeee", fontcolor="#757575"')
            attributes += _severity_attributes(node) + _tooltip(node, where)
            out.append(f"{pad}{node.id} [{', '.join(attributes)}];")

    draw(None, 1)
    for edge in graph.edges:
        out.append(_edge(graph, edge))
    out.append("}")
    return "\n".join(out) + "\n"


def _anchor(graph: Graph, cluster_id: str, last: bool) -> Optional[str]:
    """The node inside a cluster that edges into it meet (its first, an `init`) or leave from (its
    last stage, not a "missing" node), clipped at the border; None when it holds no node at all."""
    children = graph.children(cluster_id)
    ordered = sorted(reversed(children), key=lambda n: n.kind in ABSENT) if last else children
    for child in ordered:
        found = _anchor(graph, child.id, last) if child.cluster else child.id
        if found is not None:
            return found
    return None


def _inside(graph: Graph, node_id: str, cluster_id: str) -> bool:
    current: Optional[str] = node_id
    while current is not None:
        if current == cluster_id:
            return True
        current = graph.node(current).parent
    return False


def _edge(graph: Graph, edge: Edge) -> str:
    source, target = graph.node(edge.source), graph.node(edge.target)
    tail, head = source.id, target.id
    attributes = []
    if source.cluster:
        tail = _anchor(graph, source.id, last=True) or f"{source.id}_anchor"
        if not _inside(graph, target.id, source.id):
            attributes.append(f"ltail=cluster_{source.id}")
    if target.cluster:
        head = _anchor(graph, target.id, last=False) or f"{target.id}_anchor"
        if not _inside(graph, source.id, target.id):
            attributes.append(f"lhead=cluster_{target.id}")
    label = edge.label()
    if label:
        attributes.append(f"label={quote(label)}")
    if source.kind in ABSENT:
        attributes.append("style=dashed")
    if source.kind in (MISSING, INVALID) and edge.severity is None:
        attributes.append(f'color="{RED}"')
    attributes += _severity_attributes(edge)
    attributes += _tooltip(edge)
    return f"  {tail} -> {head}" + (f" [{', '.join(attributes)}];" if attributes else ";")


def image(dot_text: str, format_name: str) -> bytes:
    """SVG or PNG from Graphviz's `dot` (Debian's `graphviz`), or GraphvizError saying what to do."""
    import subprocess  # only when a picture is asked for

    program = shutil.which("dot")
    if program is None:
        raise GraphvizError(f"--format {format_name} needs Graphviz's `dot` on PATH; install graphviz (e.g. `apt-get install graphviz`) or use --format dot")
    try:
        done = subprocess.run([program, f"-T{format_name}"], input=dot_text.encode("utf-8"), capture_output=True, check=False)
    except OSError as exc:
        raise GraphvizError(f"cannot run {program}: {exc.strerror or exc}") from exc
    if done.returncode != 0:
        reason = next((line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()), f"exit code {done.returncode}")
        raise GraphvizError(f"dot -T{format_name} failed: {reason}")
    return done.stdout
