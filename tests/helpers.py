"""Shared test helpers: lint real fixture files and look at what came out."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

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


def invoke(*args: str, cwd: Path):
    """`recast-lint ARGS` through click's test runner, run from ``cwd`` (paths in output are relative to it)."""
    from click.testing import CliRunner

    from recast_lint.cli import main

    previous = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, list(args), prog_name="recast-lint")
    finally:
        os.chdir(previous)


def tree(root: Path) -> Dict[str, bytes]:
    """Every file below ``root`` (relative POSIX path -> bytes)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
