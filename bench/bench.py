#!/usr/bin/env python3
"""Wall-time benchmark: recast-lint against the reference validator, in one run, on this machine.

    python3 bench/bench.py [--runs N] [--corpus DIR] [--many-results]

Two virtualenvs under bench/.envs/ (gitignored) are created on first use, so both tools start
the way a user's install would: `reference` holds yadage (`yadage-validate`, which pins
jsonschema<=4.9.1 and so never shares the project's environment) and `recast-lint` holds this
checkout. Creating them needs the package registry; measuring does not.

Measured:
  1. `recast-lint check` on the bundled helloworld analysis vs `yadage-validate` on its workflow
     alone (median of N runs each);
  2. `recast-lint check` on the whole corpus in one process vs `yadage-validate` invoked once per
     workflow file of the corpus (with the toplevel the corpus verdicts record);
  3. if `bench/precommit_overhead.py` exists, the pre-commit hook's overhead on a one-file change;
  4. with --many-results (and then only that): `recast-lint check` in every format on a recast.yml
     whose `results:` holds 10,000 and then 20,000 entries, each one diagnostic (RL603), so a
     format whose cost grows faster than the number of diagnostics shows as a ratio above 2.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
ENVS = HERE / ".envs"
HELLOWORLD = PROJECT / "tests" / "fixtures" / "helloworld"
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus"


def venv(name: str, *packages: str) -> Path:
    """The bin/ directory of bench/.envs/NAME, created with PACKAGES installed if it is missing."""
    bindir = ENVS / name / "bin"
    if not (bindir / "python").exists():
        print(f"creating bench/.envs/{name} (installing {' '.join(packages)}) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(ENVS / name)], check=True)
        subprocess.run([str(bindir / "pip"), "install", "--quiet", *packages], check=True)
    return bindir


def wall(argv: Sequence[str], cwd: Path) -> Tuple[float, int]:
    started = time.perf_counter()
    completed = subprocess.run(list(argv), cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, completed.returncode


def median_wall(argv: Sequence[str], cwd: Path, runs: int) -> float:
    wall(argv, cwd)  # warm the file cache; first runs are not what a user sees on the second commit
    return statistics.median(wall(argv, cwd)[0] for _ in range(runs))


def corpus_workflows(corpus: Path) -> List[Tuple[Path, Path]]:
    """(workflow file, toplevel) for every workflow file in the corpus verdicts."""
    pairs = []
    with open(corpus / "VERDICTS.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            path = corpus / row["path"]
            if path.name.startswith("reana") or path.name == "recast.yml" or "recast spec" in row["note"]:
                continue
            toplevel = path.parent
            if "needs toplevel=" in row["note"]:
                toplevel = path.parent / row["note"].split("needs toplevel=")[1].split()[0].rstrip(",;|")
            pairs.append((path, toplevel.resolve()))
    return pairs


def row(label: str, ours: float, theirs: float) -> str:
    return f"{label:<44} {ours:>9.3f} s {theirs:>9.3f} s {ours / theirs:>8.2f}x {theirs / ours:>8.1f}x faster"


FORMATS = ("concise", "text", "json", "gitlab", "sarif", "github")


def many_results(lint: str, runs: int) -> None:
    """Every format on 10,000 and 20,000 diagnostics in one file: the time should double, not quadruple."""
    print(f"{'format':<10} {'10,000 results':>15} {'20,000 results':>15} {'ratio':>7}   (median of {runs} runs)")
    with tempfile.TemporaryDirectory() as scratch:
        roots = {}
        for count in (10_000, 20_000):
            root = Path(scratch) / f"results-{count}"
            shutil.copytree(HELLOWORLD, root)
            subprocess.run(["git", "init", "--quiet", str(root)], check=True)
            entry = (root / "recast.yml").read_text(encoding="utf-8").split("results:")[0]
            items = "".join(f"  - name: r{i}\n    relpath: nostage/r{i}.txt\n" for i in range(count))
            (root / "recast.yml").write_text(f"{entry}results:\n{items}", encoding="utf-8")
            roots[count] = root
        for name in FORMATS:
            seconds = [median_wall([lint, "check", "--format", name, str(roots[count])], roots[count], runs) for count in (10_000, 20_000)]
            print(f"{name:<10} {seconds[0]:>13.2f} s {seconds[1]:>13.2f} s {seconds[1] / seconds[0]:>6.2f}x")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=10, help="runs per small measurement (median reported)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--many-results", action="store_true", help="only the report formats on 10,000 and 20,000 diagnostics")
    args = parser.parse_args(argv)

    ours = venv("recast-lint", str(PROJECT))
    subprocess.run([str(ours / "pip"), "install", "--quiet", "--no-deps", "--force-reinstall", str(PROJECT)], check=True)
    lint = str(ours / "recast-lint")
    if args.many_results:
        many_results(lint, min(args.runs, 3))
        return 0
    reference = venv("reference", "yadage")
    validate = str(reference / "yadage-validate")

    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores; median of {args.runs} runs unless noted\n")
    print(f"{'':<44} {'recast-lint':>11} {'yadage-validate':>15} {'ratio':>9}")
    with tempfile.TemporaryDirectory() as scratch:
        # a repository of its own, as an analysis is: nothing above it is this project's
        analysis = Path(scratch) / "helloworld"
        shutil.copytree(HELLOWORLD, analysis)
        subprocess.run(["git", "init", "--quiet", str(analysis)], check=True)
        specs = analysis / "specs"
        hello_ours = median_wall([lint, "check", str(analysis)], analysis, args.runs)
        hello_theirs = median_wall([validate, "-t", str(specs), "workflow.yml"], specs, args.runs)
    print(row("helloworld analysis (ours: whole repo)", hello_ours, hello_theirs))

    if (args.corpus / "VERDICTS.tsv").is_file():
        workflows = corpus_workflows(args.corpus)
        corpus_ours, _ = wall([lint, "check", "--format", "concise", str(args.corpus)], PROJECT)
        corpus_theirs = sum(wall([validate, "-t", str(top), str(path)], path.parent)[0] for path, top in workflows)
        print(row(f"corpus, one process vs {len(workflows)} invocations (1 run)", corpus_ours, corpus_theirs))
    else:
        print(f"corpus not found at {args.corpus}; skipped")

    overhead = HERE / "precommit_overhead.py"
    if overhead.is_file():
        print()
        subprocess.run([sys.executable, str(overhead)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
