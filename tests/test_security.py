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


@needs_git
@pytest.mark.parametrize("config", [
    "[core]\n\texcludesFile = {exclude}\n",
    "[include]\n\tpath = {outside_config}\n",
    "[includeIf \"gitdir:/\"]\n\tpath = {outside_config}\n",
], ids=["excludesFile", "include", "includeIf"])
def test_a_git_configuration_that_names_a_file_outside_is_not_handed_to_git(tmp_path: Path, config: str) -> None:
    # git would read the file named (here an exclude list hiding authdir/): it decides nothing here
    root = _analysis(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    exclude = tmp_path / "outside-exclude"
    exclude.write_text("authdir/\n", encoding="utf-8")
    outside_config = tmp_path / "outside.gitconfig"
    outside_config.write_text(f"[core]\n\texcludesFile = {exclude}\n", encoding="utf-8")
    with open(root / ".git" / "config", "a", encoding="utf-8") as written:
        written.write(config.format(exclude=exclude, outside_config=outside_config))
    (root / "authdir").mkdir()
    (root / "authdir" / "getkrb.sh").write_text("echo EXAMPLE | kinit analyst@CERN.CH\n", encoding="utf-8")
    # not asked: every file counts, as outside any work tree (git itself would have hidden it)
    assert where(run(root), "RL713") == [("authdir/getkrb.sh", 1, 1)]


# -- reads outside the analysis -----------------------------------------------------------------


def _outside(tmp_path: Path) -> Path:
    """A directory beside the analysis whose file names must not reach any output."""
    outside = tmp_path / "outside"
    (outside / "inputz").mkdir(parents=True)
    for name in ("entry.yaml", "private-notes.yml", "steps.yml"):
        (outside / name).write_text("hello: {process: {process_type: string-interpolated-cmd, cmd: 'echo'}}\n", encoding="utf-8")
    return outside


def test_hints_list_no_directory_and_probe_no_file_outside_the_analysis(tmp_path: Path) -> None:
    outside = _outside(tmp_path)
    # an index entry that climbs out: RL613 offered the names of the files beside its target
    index = tmp_path / "index"
    index.mkdir()
    (index / "recast.yml").write_text("name: atlas/index\nrecast_catalogue_entries: [../outside/entry.yml]\n", encoding="utf-8")
    # an initdir under a link that leads out: RL607 offered the directories beside it
    root = _analysis(tmp_path)
    (root / "linked").symlink_to(outside)
    recast = root / "recast.yml"
    recast.write_text(recast.read_text().replace("      name: hello\n", "      name: hello\n    dataopts: {initdir: linked/inputs}\n"), encoding="utf-8")
    # a loose workflow whose `$ref` names a file that exists only above it: the did-you-mean looked up to /
    loose = outside / "wf"
    loose.mkdir()
    shutil.copy(FIXTURES / "discovery" / "ancestor" / "wf" / "flow.yml", loose / "flow.yml")
    (loose / "flow.yml").write_text((loose / "flow.yml").read_text().replace("wf/steps.yml", "steps.yml"), encoding="utf-8")
    for target in (index, root, loose / "flow.yml"):
        output = render("concise", lint([target], cwd=tmp_path))
        assert not [name for name in ("entry.yaml", "private-notes", "inputz", "exists relative to") if name in output], output
    assert "RL608" in render("concise", lint([root], cwd=tmp_path))  # what the link leads to is outside: said so


@pytest.mark.parametrize("name, text", [(".recast-lint.yml", "ignroe: [RL2]\n"), ("pyproject.toml", "[tool.recast-lint]\nsecret_key = 1\n")])
def test_a_configuration_file_linked_from_outside_is_refused_unread(tmp_path: Path, name: str, text: str) -> None:
    from recast_lint.config import ConfigError, load_config

    outside = tmp_path / "home" / "private.conf"
    outside.parent.mkdir()
    outside.write_text(text, encoding="utf-8")
    root = _analysis(tmp_path)
    subprocess.run(["git", "init", "-q", str(root)], check=True) if shutil.which("git") else (root / ".git").mkdir()
    (root / name).symlink_to(outside)
    with pytest.raises(ConfigError) as refused:
        load_config(root)
    message = str(refused.value)
    assert "symbolic link that leads out of the repository" in message
    assert "ignroe" not in message and "secret_key" not in message and "private" not in message
    # a link that stays inside the repository is read as usual
    (root / name).unlink()
    (root / "shared").mkdir()
    (root / "shared" / name).write_text(text.replace("ignroe", "ignore").replace("secret_key = 1", "ignore = ['RL2']"), encoding="utf-8")
    (root / name).symlink_to(root / "shared" / name)
    assert load_config(root).ignore == ["RL2"]
