"""JSON, for tools: every node and edge with the diagnostics on it, and those on nothing drawn.

    {"nodes": [{"id", "kind", "label", "details", "parent", "cluster", "stage", "path", "line",
                "never_runs", "severity", "diagnostics"}],
     "edges": [{"source", "target", "kind", "waits", "outputs", "condition", "severity", "diagnostics"}],
     "unplaced": [diagnostic], "summary": {"errors", "warnings", "infos"}}

A diagnostic is the object of `recast-lint check --format json`.
"""

from __future__ import annotations

import json
from typing import Any, Dict

from recast_lint.diagnostics import Severity
from recast_lint.draw.graph import Element, Graph


def _common(element: Element) -> Dict[str, Any]:
    severity = element.severity
    return {"severity": severity.value if severity else None, "diagnostics": [d.as_dict() for d in element.diagnostics]}


def render(graph: Graph) -> str:
    nodes = [
        {
            "id": node.id,
            "kind": node.kind,
            "label": node.label,
            "details": node.details,
            "parent": node.parent,
            "cluster": node.cluster,
            "stage": node.stage,
            "path": node.where[0] if node.where else None,
            "line": node.where[1] if node.where else None,
            "never_runs": node.never_runs,
            **_common(node),
        }
        for node in graph.nodes
    ]
    edges = [
        {
            "source": edge.source,
            "target": edge.target,
            "kind": edge.kind,
            "waits": edge.waits,
            "outputs": edge.outputs,
            "condition": edge.condition,
            **_common(edge),
        }
        for edge in graph.edges
    ]
    summary = {"errors": graph.count(Severity.ERROR), "warnings": graph.count(Severity.WARNING), "infos": graph.count(Severity.INFO)}
    document = {"nodes": nodes, "edges": edges, "unplaced": [d.as_dict() for d in graph.unplaced], "summary": summary}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
