"""`recast-lint graph`: the workflow as a picture, drawn from the same lint run as `check`.

    lint(PATH) ──build──▶ Graph ──mermaid | dot | json──▶ text ──dot──▶ svg | png

``build`` makes one graph from the model, the stage graph and the diagnostics; each format module
draws that graph and knows nothing else. Nothing here is imported unless `graph` runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional, Tuple, Union

from recast_lint.draw.graph import Graph
from recast_lint.lint import LintResult, UsageError, lint

TEXT_FORMATS = ("mermaid", "dot", "json")
IMAGE_FORMATS = ("svg", "png")
FORMATS = TEXT_FORMATS + IMAGE_FORMATS


class DrawError(Exception):
    """A picture that cannot be made or written (exit code 2)."""


def draw(path: Path, toplevel: Optional[Path] = None, example: Optional[str] = None, cwd: Optional[Path] = None) -> Tuple[LintResult, Graph]:
    """Lint ``path`` as `check` does and build the graph of what was read, diagnostics drawn on it."""
    from recast_lint.draw.build import build

    cwd = (cwd or Path.cwd()).resolve()
    result = lint([path], toplevel, cwd=cwd)
    if not result.diagnostics and not any(analysis.workflows or analysis.entry for analysis in result.analyses):
        raise UsageError(f"nothing to draw in {path}: no workflow (a file with `stages:`) and no recast.yml")
    return result, build(result, cwd, example)


def render(format_name: str, graph: Graph) -> Union[str, bytes]:
    if format_name == "mermaid":
        from recast_lint.draw import mermaid

        return mermaid.render(graph)
    if format_name == "json":
        from recast_lint.draw import json_format

        return json_format.render(graph)
    from recast_lint.draw import dot

    text = dot.render(graph)
    if format_name == "dot":
        return text
    try:
        return dot.image(text, format_name)
    except dot.GraphvizError as exc:
        raise DrawError(str(exc)) from exc


def update_readme(readme: Path, mermaid_text: str) -> bool:
    """Rewrite the workflow block of ``readme``; True when it changed (an unchanged file is not written)."""
    from recast_lint.draw.readme import MarkerError, replace_block

    try:
        with open(readme, encoding="utf-8", newline="") as handle:  # newline="": CRLF stays CRLF
            text = handle.read()
    except UnicodeDecodeError as exc:
        raise DrawError(f"{readme} is not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise DrawError(f"cannot read {readme}: {exc.strerror or exc}") from exc
    try:
        updated = replace_block(text, mermaid_text, str(readme))
    except MarkerError as exc:
        raise DrawError(str(exc)) from exc
    if updated == text:
        return False
    try:
        with open(readme, "w", encoding="utf-8", newline="") as handle:
            handle.write(updated)
    except OSError as exc:
        raise DrawError(f"cannot write {readme}: {exc.strerror or exc}") from exc
    return True
