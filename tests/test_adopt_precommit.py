"""After `init`, `upgrade` and `check --add-suppressions`, the real pre-commit runs the hooks.

As in tests/test_precommit_integration.py (whose helpers this uses): the hook repository is a
snapshot of this working tree committed to a fresh repository, tagged with this version so that
the `rev: v<version>` that `upgrade` writes resolves; pre-commit builds the hook environment from
the package registry (hence `network`). The analyses' configurations name the snapshot instead of
the GitLab URL the template writes; nothing else of them is changed by the test.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path
from typing import Dict, Tuple

import pytest
import yaml

from recast_lint import __version__
from tests.helpers import FIXTURES
from tests.test_precommit_integration import commit_everything, git, isolated_env, pre_commit, run, snapshot_checkout

pytestmark = pytest.mark.network

TEMPLATE_URL = "https://gitlab.cern.ch/recast-atlas/recast-lint"


@pytest.fixture(scope="module")
def precommit_env(tmp_path_factory: pytest.TempPathFactory) -> Dict[str, str]:
    return isolated_env(tmp_path_factory.mktemp("pre-commit-home"))


@pytest.fixture(scope="module")
def tagged_hooks(tmp_path_factory: pytest.TempPathFactory, precommit_env: Dict[str, str]) -> Tuple[Path, str]:
    snapshot = tmp_path_factory.mktemp("recast-lint-snapshot")
    snapshot_checkout(snapshot, precommit_env)
    git(snapshot, precommit_env, "tag", f"v{__version__}")
    return snapshot, f"v{__version__}"


def recast_lint(repo: Path, env: Dict[str, str], *args: str):
    return run(repo, env, sys.executable, "-m", "recast_lint", *args)


def adopted(name: str, tmp_path: Path, env: Dict[str, str], hooks: Tuple[Path, str]) -> Path:
    """The fixture ``name`` as a git repository, after `recast-lint init`, its hooks taken from the
    snapshot, committed, with pre-commit installed."""
    repo = Path(shutil.copytree(FIXTURES / "adopt" / name, tmp_path / name))
    git(repo, env, "init", "--quiet")
    commit_everything(repo, env, "the analysis as it was")
    done = recast_lint(repo, env, "init")
    assert done.returncode == 0, done.stdout
    config = repo / ".pre-commit-config.yaml"
    config.write_text(config.read_text().replace(TEMPLATE_URL, str(hooks[0])).replace(f"rev: v{__version__}", f"rev: {hooks[1]}"))
    commit_everything(repo, env, "lint with recast-lint")
    assert pre_commit(repo, env, "install").returncode == 0
    return repo


def test_the_hooks_init_adds_to_the_tarball_helloworld_run_and_stop_a_typo(tmp_path: Path, precommit_env: Dict[str, str],
                                                                          tagged_hooks: Tuple[Path, str]) -> None:
    repo = adopted("helloworld", tmp_path, precommit_env, tagged_hooks)

    everything = pre_commit(repo, precommit_env, "run", "--all-files")

    assert everything.returncode == 0, everything.stdout  # the helloworld has warnings only
    assert "recast-lint....." in everything.stdout and "no RECAST credentials or run directories....." in everything.stdout
    steps = repo / "specs" / "steps.yml"
    steps.write_text(steps.read_text().replace("{name}", "{nmae}"))
    git(repo, precommit_env, "add", "specs/steps.yml")
    refused = run(repo, precommit_env, "git", "commit", "-m", "typo")
    assert refused.returncode != 0 and "RL501" in refused.stdout and "did you mean 'name'?" in refused.stdout, refused.stdout


def test_the_hooks_run_beside_the_repositorys_own_and_pass_once_findings_are_suppressed(
    tmp_path: Path, precommit_env: Dict[str, str], tagged_hooks: Tuple[Path, str]
) -> None:
    repo = adopted("legacy-search", tmp_path, precommit_env, tagged_hooks)

    legacy = pre_commit(repo, precommit_env, "run", "--all-files")

    assert legacy.returncode != 0
    assert "specs/steps.yml:9:44: error RL501" in legacy.stdout, legacy.stdout  # line 9: init put a modeline on top
    assert "no tabs in the specs....." in legacy.stdout and "Check for useless excludes....." in legacy.stdout
    suppressed = recast_lint(repo, precommit_env, "check", "--add-suppressions", "legacy, to be fixed in v2")
    assert suppressed.returncode == 0, suppressed.stdout
    git(repo, precommit_env, "add", "-A")  # pre-commit runs on what is staged
    strict = pre_commit(repo, precommit_env, "run", "--all-files")
    assert strict.returncode == 0, strict.stdout


def test_upgrade_moves_the_hooks_to_this_version_and_pre_commit_runs_them(tmp_path: Path, precommit_env: Dict[str, str],
                                                                          tagged_hooks: Tuple[Path, str]) -> None:
    repo = Path(shutil.copytree(FIXTURES / "fix" / "RL660" / "before", tmp_path / "analysis"))
    config_file = repo / ".pre-commit-config.yaml"
    config = yaml.safe_load(config_file.read_text())
    # only our hooks (the hygiene hooks would be cloned from GitHub), from the snapshot, at the old rev
    config["repos"] = [dict(entry, repo=str(tagged_hooks[0])) for entry in config["repos"] if entry["repo"] == TEMPLATE_URL]
    assert config["repos"][0]["rev"] == "v0.0.1"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    git(repo, precommit_env, "init", "--quiet")
    commit_everything(repo, precommit_env, "an analysis of recast-lint 0.0.1")

    done = recast_lint(repo, precommit_env, "upgrade")

    assert done.returncode == 0 and f"the recast-lint hooks: v0.0.1 → v{__version__}" in done.stdout, done.stdout
    assert yaml.safe_load(config_file.read_text())["repos"][0]["rev"] == tagged_hooks[1]
    git(repo, precommit_env, "add", "-A")
    ran = pre_commit(repo, precommit_env, "run", "--all-files")
    assert ran.returncode == 0 and "recast-lint....." in ran.stdout, ran.stdout
