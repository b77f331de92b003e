"""Shared test helpers: lint real fixture files and look at what came out."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Sequence, Tuple

from recast_lint.diagnostics import Diagnostic
from recast_lint.lint import lint

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
REPO = Path(__file__).resolve().parents[1]
ENVS = REPO / "bench" / ".envs"  # reference tools, each in a virtualenv of its own (gitignored)


def no_reference_env(name: str, tool: str, package: str) -> str:
    """Why a test that needs ``tool`` from the virtualenv bench/.envs/``name`` is skipped, and the
    command that creates it (``python3 bench/bench.py`` creates `reference` too)."""
    return (
        f"no {tool} in bench/.envs/{name}; create it with "
        f"`python3 -m venv bench/.envs/{name} && bench/.envs/{name}/bin/pip install {package}`"
    )


def run(*paths: Path, toplevel: Optional[Path] = None, cwd: Optional[Path] = None) -> List[Diagnostic]:
    return lint(list(paths), toplevel=toplevel, cwd=cwd or (paths[0] if paths[0].is_dir() else paths[0].parent)).diagnostics


def where(diagnostics: Sequence[Diagnostic], code: str) -> List[Tuple[str, int, int]]:
    """(path, line, column) of every diagnostic with ``code``."""
    return [(d.path, d.span.line, d.span.column) for d in diagnostics if d.code == code]


def only(diagnostics: Sequence[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {[(d.path, d.span.line, d.message) for d in diagnostics]}"
    return found[0]
