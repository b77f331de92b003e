"""Mermaid flowchart, for GitLab and GitHub Markdown (a ```mermaid block renders as the picture).

Only syntax both render (Mermaid 9 and later): subgraphs that edges may end on, classDef/class
for nodes, style for subgraphs, linkStyle by edge number. Text is written in entity codes where
Mermaid or Markdown would read a character (`"`, `#`, `<`, `|`, braces), so the output is also
safe inside a Jinja template such as the analysis template's README.
"""

from __future__ import annotations

from typing import Dict, List, Optional

from recast_lint.diagnostics import Severity
from recast_lint.draw.graph import (
    ABSENT,
    CASES,
    INIT,
    INVALID,
    MISSING,
    MULTISTEP,
    NOTE,
    RESULT,
    UNKNOWN,
    Edge,
    Graph,
    Node,
)

# GitHub and GitLab render with Mermaid's defaults: a larger diagram shows an error box instead
MAX_TEXT = 50_000
MAX_EDGES = 500

_ESCAPED = {ch: f"#{ord(ch)};" for ch in '"#<>&{}`|\\'}
_SHAPES = {INIT: ('(["', '"])'), MULTISTEP: ('[["', '"]]'), CASES: ('{"', '"}'), RESULT: ('[/"', '"/]'), NOTE: ('>"', '"]')}
_CLASSES = {
    "error": "stroke:#d32f2f,stroke-width:3px",
    "warning": "stroke:#f9a825,stroke-width:3px",
    "never": "fill:#eeeeee,color:#757575,stroke-dasharray:4 3",
    "missing": "fill:#ffebee,stroke:#d32f2f,color:#b71c1c,stroke-dasharray:4 3",
    "unknown": "fill:#f5f5f5,stroke:#9e9e9e,color:#616161,stroke-dasharray:4 3",
}
_CLUSTER_STYLES = {name: _CLASSES[name] for name in ("error", "warning")}  # subgraphs take `style`, not `class`
_NEVER_CLUSTER = "fill:#f5f5f5,color:#757575,stroke-dasharray:4 3"
_EDGE_COLOURS = {"error": "#d32f2f", "warning": "#f9a825", "unknown": "#9e9e9e"}


def text(value: str) -> str:
    return "".join(_ESCAPED.get(ch, ch if ch.isprintable() else " ") for ch in value)


def _lines(node: Node) -> str:
    return "<br/>".join(text(line) for line in node.lines())


def render(graph: Graph) -> str:
    out = ["flowchart TD"]
    classes: Dict[str, List[str]] = {}
    cluster_styles: List[str] = []

    def draw(parent: Optional[str], depth: int) -> None:
        pad = "  " * depth
        for node in graph.children(parent):
            look = _look(node)
            if node.cluster:
                out.append(f'{pad}subgraph {node.id} ["{_lines(node)}"]')
                draw(node.id, depth + 1)
                out.append(f"{pad}end")
                styles = [_NEVER_CLUSTER] if node.never_runs else []
                styles += [_CLUSTER_STYLES[name] for name in look if name in _CLUSTER_STYLES]
                if styles:
                    cluster_styles.append(f"  style {node.id} {','.join(styles)}")
                continue
            opening, closing = _SHAPES.get(node.kind, ('["', '"]'))
            out.append(f"{pad}{node.id}{opening}{_lines(node)}{closing}")
            for name in look:
                classes.setdefault(name, []).append(node.id)

    draw(None, 1)
    edge_colours: Dict[str, List[str]] = {}
    for number, edge in enumerate(graph.edges):
        out.append(f"  {edge.source} {_arrow(graph, edge)} {edge.target}")
        colour = _edge_colour(graph, edge)
        if colour:
            edge_colours.setdefault(colour, []).append(str(number))
    out += [f"  classDef {name} {_CLASSES[name]}" for name in _CLASSES if name in classes]
    out += [f"  class {','.join(ids)} {name}" for name, ids in classes.items()]
    out += cluster_styles
    out += [f"  linkStyle {','.join(numbers)} stroke:{colour},color:{colour}" for colour, numbers in edge_colours.items()]
    return "\n".join(out) + "\n"


def _look(node: Node) -> List[str]:
    """The classes a node is drawn with: what it is (missing, unknown, never runs), then its worst diagnostic."""
    names = []
    if node.kind in (MISSING, INVALID):
        names.append("missing")
    elif node.kind == UNKNOWN:
        names.append("unknown")
    elif node.never_runs:
        names.append("never")
    if node.severity is not None:
        names.append(node.severity.value)
    return names


def _arrow(graph: Graph, edge: Edge) -> str:
    label = edge.label()
    broken = graph.node(edge.source).kind in ABSENT
    arrow = "-.->" if broken else "-->"
    return f'{arrow}|"{text(label)}"|' if label else arrow


def _edge_colour(graph: Graph, edge: Edge) -> Optional[str]:
    if edge.severity is Severity.ERROR or graph.node(edge.source).kind in (MISSING, INVALID):
        return _EDGE_COLOURS["error"]
    if edge.severity is Severity.WARNING:
        return _EDGE_COLOURS["warning"]
    if graph.node(edge.source).kind == UNKNOWN:
        return _EDGE_COLOURS["unknown"]
    return None


def too_large(rendered: str, graph: Graph) -> Optional[str]:
    """Why GitHub and GitLab would show an error box instead of this diagram, or None."""
    if len(rendered) > MAX_TEXT:
        return f"{len(rendered):,} characters, over the {MAX_TEXT:,} Mermaid renders by default"
    if len(graph.edges) > MAX_EDGES:
        return f"{len(graph.edges):,} edges, over the {MAX_EDGES} Mermaid draws by default"
    return None
