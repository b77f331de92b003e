#!/usr/bin/env python3
"""Overhead of the `recast-lint` pre-commit hook on a one-file change, on this machine.

    python3 bench/precommit_overhead.py [--runs N]

Sets up what tests/test_precommit_integration.py sets up: this working tree committed as the hook
repository (bench/.envs/hook-repo, with fixed commit dates so an unchanged tree keeps its commit
and pre-commit reuses its environment, which lives in bench/.envs/pre-commit and is built once
with pip from the package registry) and a committed helloworld analysis with both hooks
installed. A one-line change to specs/steps.yml is staged, then each command is timed N times,
round-robin after one warm-up round (median and fastest):

  1. `pre-commit run`: what `git commit` runs (the credentials hook is skipped: no file matches);
  2. `pre-commit run recast-lint`;
  3. the hook entry alone, `recast-lint-precommit specs/steps.yml`, from the hook environment;
  4. `recast-lint check --format concise specs/steps.yml`, from the hook environment.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

from bench import ENVS, wall

sys.path.append(str(Path(__file__).resolve().parents[1]))  # appended: `bench` above must stay bench/bench.py

from tests.test_precommit_integration import create_analysis, git, isolated_env, pre_commit, snapshot_checkout  # noqa: E402

FIXED_DATE = "2026-01-01T00:00:00+00:00"
CHANGED = "specs/steps.yml"


def hook_bindir(pre_commit_home: Path, repo: Path, rev: str) -> Path:
    """The bin/ of the environment pre-commit built for ``repo`` at ``rev`` (from pre-commit's own store)."""
    with sqlite3.connect(pre_commit_home / "db.db") as db:
        (path,) = db.execute("SELECT path FROM repos WHERE repo = ? AND ref = ?", (str(repo), rev)).fetchone()
    (bindir,) = Path(path).glob("py_env-*/bin")
    return bindir


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    pre_commit_home = ENVS / "pre-commit"
    env = dict(isolated_env(pre_commit_home), GIT_AUTHOR_DATE=FIXED_DATE, GIT_COMMITTER_DATE=FIXED_DATE)
    os.environ.update(env)  # `wall` runs its commands with this process's environment
    hook_repo = ENVS / "hook-repo"
    shutil.rmtree(hook_repo, ignore_errors=True)
    hook_repo.mkdir(parents=True)
    rev = snapshot_checkout(hook_repo, env)

    with tempfile.TemporaryDirectory() as tmp:
        analysis = Path(tmp) / "analysis"
        create_analysis(analysis, env, hook_repo, rev)
        steps = analysis / CHANGED
        steps.write_text(steps.read_text().replace("1.36.1", "1.36.0"))
        git(analysis, env, "add", CHANGED)

        first = pre_commit(analysis, env, "run")  # builds the hook environment on first use
        if first.returncode != 0:
            sys.exit(f"pre-commit fails on the benchmark change, nothing to measure:\n{first.stdout}")
        run = [sys.executable, "-m", "pre_commit", "run"]
        bindir = hook_bindir(pre_commit_home, hook_repo, rev)
        commands = {
            "pre-commit run (both hooks, as on git commit)": run,
            "pre-commit run recast-lint": [*run, "recast-lint"],
            "recast-lint-precommit specs/steps.yml": [str(bindir / "recast-lint-precommit"), CHANGED],
            "recast-lint check specs/steps.yml": [str(bindir / "recast-lint"), "check", "--format", "concise", CHANGED],
        }
        # round-robin, so that load from elsewhere on the machine hits every command alike
        times: Dict[str, List[float]] = {label: [] for label in commands}
        for _ in range(args.runs + 1):
            for label, argv in commands.items():
                times[label].append(wall(argv, analysis)[0])
        pre_commit(analysis, env, "gc")  # drop the environments of earlier snapshots

    print(f"pre-commit hook on a one-file change (wall time over {args.runs} runs after a warm-up: median, fastest)")
    for label, samples in times.items():
        print(f"  {label:<48} {statistics.median(samples[1:]) * 1000:6.0f} ms {min(samples[1:]) * 1000:6.0f} ms")
    hook, check = (statistics.median(times[label][1:]) for label in ("pre-commit run recast-lint", "recast-lint check specs/steps.yml"))
    print(f"  overhead of pre-commit and the hook glue over check alone (medians): {(hook - check) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
