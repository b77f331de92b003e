"""`recast-lint check` on an analysis nobody should trust (README, "Security"): it reads only files
inside it, runs no program it names, writes nothing, and prints nothing that would act on the
terminal. Each test builds the hostile repository itself (files, links, a `.git`) in a temporary
directory. The runner's side of the promise is in test_run.py and test_submit.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from recast_lint.lint import lint
from recast_lint.report import render
from tests.helpers import FIXTURES, run, where

needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _analysis(tmp_path: Path, name: str = "analysis") -> Path:
    root = tmp_path / name
    shutil.copytree(FIXTURES / "helloworld", root)
    return root


# -- the terminal -------------------------------------------------------------------------------


def test_a_snippet_shows_control_characters_escaped_with_the_caret_under_them(tmp_path: Path) -> None:
    root = _analysis(tmp_path)
    steps, workflow = root / "specs" / "steps.yml", root / "specs" / "workflow.yml"
    # an OSC sequence that retitles the terminal, a CSI that clears it, a carriage return that overwrites the line
    steps.write_text(steps.read_text() + 'extra:\n  cmd: "echo \x1b]0;owned\x07\x1b[2J\r hi"\n', encoding="utf-8")
    # a form feed, which `str.splitlines` takes for a line break: the snippet would show half the line
    workflow.write_text(workflow.read_text() + "# page\x0cbreak\n", encoding="utf-8")
    output = render("text", lint([root], cwd=root), color=False)
    assert not any(ch in output for ch in "\x1b\x07\r\x0c"), repr(output)
    lines = output.splitlines()
    shown = next(i for i, line in enumerate(lines) if "owned" in line)
    assert lines[shown].endswith('|   cmd: "echo \\x1b]0;owned\\x07\\x1b[2J\\r hi"')
    assert lines[shown - 1].startswith("specs/steps.yml:") and "RL101" in lines[shown - 1]
    caret = lines[shown + 1]
    assert lines[shown][caret.index("^"):].startswith("\\x1b") and caret.count("^") == len("\\x1b")
    assert any(line.endswith("| # page\\x0cbreak") for line in lines)


# -- programs the analysis names ----------------------------------------------------------------


def _marker_program(tmp_path: Path) -> Path:
    """A program that leaves a marker file when it runs; the marker's path."""
    marker = tmp_path / "it-ran"
    program = tmp_path / "bin" / "hook"
    program.parent.mkdir()
    program.write_text(f"#!/bin/sh\ntouch {marker}\n", encoding="utf-8")
    program.chmod(0o755)
    return marker


@needs_git
def test_linting_runs_no_program_the_repository_configuration_names(tmp_path: Path) -> None:
    root = _analysis(tmp_path)
    marker = _marker_program(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    # what an extracted archive may carry: a .git/config whose fsmonitor (run by any git command that
    # looks at the work tree), pager and filters are programs; and a getkrb.sh, so that git is asked
    with open(root / ".git" / "config", "a", encoding="utf-8") as config:
        config.write(f"[core]\n\tfsmonitor = {marker.parent / 'bin' / 'hook'}\n\tpager = {marker.parent / 'bin' / 'hook'}\n"
                     f"[pager]\n\tls-files = {marker.parent / 'bin' / 'hook'}\n"
                     f"[filter \"x\"]\n\tclean = {marker.parent / 'bin' / 'hook'}\n\tsmudge = {marker.parent / 'bin' / 'hook'}\n")
    (root / ".gitattributes").write_text("* filter=x\n", encoding="utf-8")
    (root / "authdir").mkdir()
    (root / "authdir" / "getkrb.sh").write_text("echo EXAMPLE | kinit analyst@CERN.CH\n", encoding="utf-8")
    index = (root / ".git" / "index").stat().st_mtime_ns
    assert where(run(root), "RL713") == [("authdir/getkrb.sh", 1, 1)]  # git was asked, and answered
    assert not marker.exists()
    assert (root / ".git" / "index").stat().st_mtime_ns == index  # and wrote nothing


@needs_git
def test_a_git_directory_outside_the_analysis_is_not_consulted(tmp_path: Path) -> None:
    # `.git` as a file naming a git directory elsewhere: its exclude file (or config) would decide
    root = _analysis(tmp_path)
    elsewhere = tmp_path / "elsewhere.git"
    subprocess.run(["git", "init", "-q", "--bare", str(elsewhere)], check=True)
    (elsewhere / "info").mkdir(exist_ok=True)
    (elsewhere / "info" / "exclude").write_text("authdir/\n", encoding="utf-8")
    (root / ".git").write_text(f"gitdir: {elsewhere}\n", encoding="utf-8")
    subprocess.run(["git", "-C", str(root), "config", "core.bare", "false"], check=True)
    (root / "authdir").mkdir()
    (root / "authdir" / "getkrb.sh").write_text("echo EXAMPLE | kinit analyst@CERN.CH\n", encoding="utf-8")
    # not followed: every file counts, as outside any work tree
    assert where(run(root), "RL713") == [("authdir/getkrb.sh", 1, 1)]
