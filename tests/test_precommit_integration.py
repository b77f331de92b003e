"""The hooks under the real pre-commit, in a real git repository, stopping real commits.

pre-commit builds the hook environment with pip from the package registry (hence `network`). It
installs the hook repository at a commit, and `pre-commit try-repo <checkout>` only carries staged
and modified *tracked* files into its shadow commit, never untracked ones. So the hook repository
here is a snapshot of this working tree (tracked and untracked files, minus ignored ones)
committed to a fresh repository: the test exercises the code as it is on disk.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, Sequence, Tuple

import pytest
import yaml

pytestmark = pytest.mark.network

CHECKOUT = Path(__file__).resolve().parents[1]
HOOK_IDS = ["recast-lint", "recast-lint-no-credentials"]


def isolated_env(pre_commit_home: Path) -> Dict[str, str]:
    """Git without the user's configuration, and a pre-commit cache of our own."""
    return dict(
        os.environ,
        PRE_COMMIT_HOME=str(pre_commit_home),
        PRE_COMMIT_COLOR="never",
        GIT_CONFIG_GLOBAL=os.devnull,
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Analyst",
        GIT_AUTHOR_EMAIL="analyst@example.org",
        GIT_COMMITTER_NAME="Analyst",
        GIT_COMMITTER_EMAIL="analyst@example.org",
    )


def run(cwd: Path, env: Dict[str, str], *command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)


def git(cwd: Path, env: Dict[str, str], *args: str) -> str:
    result = run(cwd, env, "git", *args)
    assert result.returncode == 0, result.stdout
    return result.stdout


def pre_commit(cwd: Path, env: Dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return run(cwd, env, sys.executable, "-m", "pre_commit", *args)


def commit_everything(repo: Path, env: Dict[str, str], message: str) -> str:
    git(repo, env, "add", "-A")
    git(repo, env, "commit", "--quiet", "--no-verify", "-m", message)
    return git(repo, env, "rev-parse", "HEAD").strip()


def snapshot_checkout(snapshot: Path, env: Dict[str, str]) -> str:
    """Commit this checkout's working tree (tracked and untracked files, minus ignored ones) to a new repository at ``snapshot``."""
    listed = git(CHECKOUT, env, "ls-files", "-z", "--cached", "--others", "--exclude-standard").split("\0")
    for name in filter(None, listed):
        source = CHECKOUT / name
        if source.is_symlink():  # recast_lint/template: as a clone has it, so the installed package holds the template
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(os.readlink(source), snapshot / name)
        elif source.is_file():  # tracked files deleted in the working tree are listed too
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git(snapshot, env, "init", "--quiet")
    return commit_everything(snapshot, env, "working tree of recast-lint")


def create_analysis(root: Path, env: Dict[str, str], hook_repo: Path, rev: str, args: Sequence[str] = ()) -> None:
    """`recast-lint new` at ``root``, committed, with the hooks of its pre-commit configuration taken from ``hook_repo`` at ``rev``
    (and ``args`` for the `recast-lint` hook)."""
    created = run(root.parent, env, sys.executable, "-m", "recast_lint", "new", "--no-input", str(root))
    assert created.returncode == 0, created.stdout
    config_file = root / ".pre-commit-config.yaml"
    config = yaml.safe_load(config_file.read_text())
    ours = [repo for repo in config["repos"] if any(hook["id"] in HOOK_IDS for hook in repo["hooks"])]
    assert [hook["id"] for repo in ours for hook in repo["hooks"]] == HOOK_IDS
    # only our repository: the template's other hooks would be cloned from GitHub
    config["repos"] = [dict(repo, repo=str(hook_repo), rev=rev) for repo in ours]
    for hook in config["repos"][0]["hooks"]:
        if hook["id"] == "recast-lint" and args:
            hook["args"] = list(args)
    config_file.write_text(yaml.safe_dump(config))
    git(root, env, "init", "--quiet")
    commit_everything(root, env, "analysis")
    installed = pre_commit(root, env, "install")
    assert installed.returncode == 0, installed.stdout


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    return isolated_env(tmp_path_factory.mktemp("pre-commit-home"))


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: Dict[str, str]) -> Tuple[Path, str]:
    snapshot = tmp_path_factory.mktemp("recast-lint-snapshot")
    return snapshot, snapshot_checkout(snapshot, env)


@pytest.fixture
def analysis(tmp_path: Path, env: Dict[str, str], hook_repo: Tuple[Path, str]) -> Path:
    create_analysis(tmp_path / "analysis", env, *hook_repo)
    return tmp_path / "analysis"


def commit(root: Path, env: Dict[str, str]) -> subprocess.CompletedProcess:
    """`git commit` of what is staged, through the installed pre-commit hook."""
    return run(root, env, "git", "commit", "-m", "change")


def test_try_repo_passes_on_the_clean_analysis(analysis: Path, env: Dict[str, str], hook_repo: Tuple[Path, str]) -> None:
    result = pre_commit(analysis, env, "try-repo", str(hook_repo[0]), "--ref", hook_repo[1], "--all-files")
    assert result.returncode == 0, result.stdout
    assert "recast-lint....." in result.stdout and "Passed" in result.stdout


def test_a_placeholder_typo_stops_the_commit_with_its_place_and_the_fix(analysis: Path, env: Dict[str, str]) -> None:
    steps = analysis / "specs" / "steps.yml"
    steps.write_text(steps.read_text().replace("{name}", "{nmae}"))
    line = next(number for number, text in enumerate(steps.read_text().splitlines(), 1) if "{nmae}" in text)
    head = git(analysis, env, "rev-parse", "HEAD")
    git(analysis, env, "add", "specs/steps.yml")

    result = commit(analysis, env)

    assert result.returncode != 0
    reported = [text for text in result.stdout.splitlines() if text.startswith(f"specs/steps.yml:{line}:")]
    assert reported and "RL501" in reported[0] and "did you mean 'name'?" in reported[0], result.stdout
    assert git(analysis, env, "rev-parse", "HEAD") == head


def test_committing_getkrb_is_refused_and_the_advice_works(analysis: Path, env: Dict[str, str]) -> None:
    (analysis / "authdir").mkdir()
    (analysis / "authdir" / "getkrb.sh").write_text("echo hunter2 | kinit analyst@CERN.CH\n")
    git(analysis, env, "add", "--force", "authdir")  # the template's .gitignore has authdir/: forcing is how it gets in

    refused = commit(analysis, env)

    assert refused.returncode != 0
    assert "authdir/getkrb.sh: " in refused.stdout
    advice = [line.strip() for line in refused.stdout.splitlines() if line.strip().startswith(("git rm", "printf"))]
    assert advice == ["git rm -r --cached authdir"]  # the template's .gitignore has authdir/ already

    for line in advice:
        assert run(analysis, env, "sh", "-c", line).returncode == 0
    # it was only staged: after the advice nothing of it is left to commit, and git ignores it
    assert git(analysis, env, "status", "--porcelain") == ""
    assert git(analysis, env, "ls-files", "authdir") == ""
    assert (analysis / "authdir" / "getkrb.sh").is_file()


def test_with_fix_the_hook_fixes_in_place_stops_the_commit_and_the_restaged_fix_commits(
    tmp_path: Path, env: Dict[str, str], hook_repo: Tuple[Path, str]
) -> None:
    root = tmp_path / "analysis"
    create_analysis(root, env, *hook_repo, args=["--fix"])
    steps = root / "specs" / "steps.yml"
    edited = steps.read_text() + "# greets whoever the example names\n"  # the change being committed
    steps.write_text(edited.replace("{name}", "{nmae}"))  # with a typo in it
    head = git(root, env, "rev-parse", "HEAD")
    git(root, env, "add", "specs/steps.yml")

    stopped = commit(root, env)

    # like ruff's hook: nothing is left to report, but pre-commit fails a hook that changed files
    assert stopped.returncode != 0
    assert "files were modified by this hook" in stopped.stdout, stopped.stdout
    assert "recast-lint: fixed specs/steps.yml (1 fix)" in stopped.stdout
    assert steps.read_text() == edited
    assert git(root, env, "rev-parse", "HEAD") == head

    git(root, env, "add", "specs/steps.yml")
    committed = commit(root, env)
    assert committed.returncode == 0, committed.stdout
    assert git(root, env, "show", "HEAD:specs/steps.yml") == edited
