#!/usr/bin/env python3
"""Benchmark: recast-lint against the reference validator and against reading the YAML, in one run.

    python3 bench/bench.py [--runs N] [--corpus DIR] [--sizes 100,1000,10000] [--large]
                           [--shapes chain,...] [--only helloworld,corpus,scaling,precommit] [--many-results]

Two virtualenvs under bench/.envs/ (gitignored) are created on first use, so both tools start
the way a user's install would: `reference` holds yadage (`yadage-validate`, which pins
jsonschema<=4.9.1 and so never shares the project's environment) and `recast-lint` holds this
checkout. Creating them needs the package registry; measuring does not.

Every figure is a whole process: wall time, CPU time (user + system, from the kernel's account of
the finished child: on a shared machine the wall time can be twice the CPU time) and peak memory
(the child's maximum resident set, read by a small launcher, since Linux would count this
script's own peak in it). Commands compared are run in turn, A B A B ..., after one warm-up
each, and medians are reported.

Measured:
  1. the helloworld: `recast-lint check` on the bundled analysis vs `yadage-validate` on its
     workflow alone;
  2. the corpus: one `recast-lint check` of the whole corpus vs one `yadage-validate` per workflow
     file, each run the way the corpus verdicts were made (from the workflow's directory, with the
     toplevel the verdicts record) and its exit code compared with VERDICTS.tsv;
  3. scaling: generated analyses of each shape in bench/shapes.py at each size, `recast-lint
     check` vs the YAML floor (a process that only runs `yaml.load` with CSafeLoader over the
     same files), with the ratios;
  4. if `bench/precommit_overhead.py` exists, the pre-commit hook's overhead on a one-file change;
  5. with --many-results (and then only that): `recast-lint check` in every format on a recast.yml
     whose `results:` holds 10,000 and then 20,000 entries, each one diagnostic (RL603), so a
     format whose cost grows faster than the number of diagnostics shows as a ratio above 2.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import List, NamedTuple, Optional, Sequence, Tuple

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
ENVS = HERE / ".envs"
HELLOWORLD = PROJECT / "tests" / "fixtures" / "helloworld"
DEFAULT_CORPUS = PROJECT.parent / "shared" / "corpus"
DEFAULT_SIZES = (100, 1000, 10_000)
LARGE_SIZE = 50_000
# what yadage-validate exits with for each verdict: 1 for a ValidationError, 2 for any other exception
VERDICT_EXIT = {"valid": 0, "invalid": 1, "error": 2}
FLOOR = """\
import sys, yaml
held = []  # a linter holds every file at once
for name in sys.argv[1:]:
    with open(name, "rb") as f:
        held.append(yaml.load(f, Loader=yaml.CSafeLoader))
"""

sys.path.insert(0, str(HERE))
from shapes import LABELS, SHAPES, stages_of  # noqa: E402


class Run(NamedTuple):
    wall: float  # seconds
    cpu: float  # seconds, user + system
    memory: float  # MB, peak resident set
    code: Optional[int]  # None: killed at the timeout


def venv(name: str, *packages: str) -> Path:
    """The bin/ directory of bench/.envs/NAME, created with PACKAGES installed if it is missing."""
    bindir = ENVS / name / "bin"
    if not (bindir / "python").exists():
        print(f"creating bench/.envs/{name} (installing {' '.join(packages)}) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(ENVS / name)], check=True)
        subprocess.run([str(bindir / "pip"), "install", "--quiet", *packages], check=True)
    return bindir


# Linux carries a process's peak resident size across fork and exec: a command started by this
# benchmark (tens of MB by the time it has generated a workflow) would report at least that much.
# So a small launcher starts each command and reports the command's own account, wall time included.
LAUNCHER = """\
import os, sys, time
report, argv = sys.argv[1], sys.argv[2:]
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execvp(argv[0], argv)
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
with open(report, "w") as out:
    out.write(f"{time.perf_counter() - started} {usage.ru_utime + usage.ru_stime} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def measure(argv: Sequence[str], cwd: Path, timeout: Optional[float] = None) -> Run:
    """One run of ``argv`` as a whole process, with the kernel's account of its CPU time and memory
    (peak resident set, as small as the launcher's few MB: no less can be read)."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "usage"
        started = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(report), *argv], cwd=cwd,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        timer = threading.Timer(timeout, lambda: os.killpg(child.pid, signal.SIGKILL)) if timeout else None
        if timer:
            timer.start()
        child.wait()
        elapsed = time.perf_counter() - started
        if timer:
            timer.cancel()
        if not report.exists():  # killed at the timeout: its CPU time was at most its wall time
            return Run(elapsed, elapsed, 0.0, None)
        wall_seconds, cpu, memory, code = report.read_text().split()
    return Run(float(wall_seconds), float(cpu), int(memory) / 1024, int(code))


def wall(argv: Sequence[str], cwd: Path) -> Tuple[float, int]:
    """Wall time and exit code of one run (bench/precommit_overhead.py times its commands with it)."""
    run = measure(argv, cwd)
    return run.wall, run.code if run.code is not None else -1


def paired(a: Tuple[Sequence[str], Path], b: Tuple[Sequence[str], Path], runs: int, timeout: Optional[float] = None) -> Tuple[List[Run], List[Run]]:
    """``runs`` runs of each command in turn, A B A B, after one warm-up each (the file cache, then
    what a user sees on their second commit), so that load from elsewhere hits both alike."""
    first = measure(*a, timeout)
    if first.code is None:  # over the timeout: once is all it gets
        return [first], [measure(*b, timeout)]
    measure(*b, timeout)
    ours: List[Run] = []
    theirs: List[Run] = []
    for _ in range(runs):
        ours.append(measure(*a, timeout))
        theirs.append(measure(*b, timeout))
    return ours, theirs


def median(runs: List[Run]) -> Run:
    codes = {r.code for r in runs}
    return Run(*(statistics.median(getattr(r, f) for r in runs) for f in ("wall", "cpu", "memory")), codes.pop() if len(codes) == 1 else -1)


def corpus_workflows(corpus: Path) -> List[Tuple[Path, str, int]]:
    """(workflow file, toplevel relative to its directory, expected exit code) for every workflow file
    in the corpus verdicts: the verdicts were made with `cd <dir> && yadage-validate <file> -t .`, or
    with the ancestor their note names when the `$ref`s only resolve from there."""
    found = []
    with open(corpus / "VERDICTS.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            path = corpus / row["path"]
            spec = path.name == "recast.yml" or "recast spec" in row["note"] or path.name.startswith("reana") or "reana: workflow.file=" in row["note"]
            if spec or row["verdict"] not in VERDICT_EXIT:  # catalogue entries and REANA specs are no workflow files
                continue
            toplevel = "."
            if "needs toplevel=" in row["note"]:
                toplevel = row["note"].split("needs toplevel=")[1].split()[0].rstrip(",;|")
            found.append((path, toplevel, VERDICT_EXIT[row["verdict"]]))
    return found


def _ratio_row(label: str, ours: Run, theirs: Run) -> str:
    return (
        f"{label:<46} {ours.wall:>8.3f} s {theirs.wall:>8.3f} s {ours.wall / theirs.wall:>6.2f}x   "
        f"(CPU {ours.cpu:.3f} s / {theirs.cpu:.3f} s = {ours.cpu / theirs.cpu:.2f}x)"
    )


def helloworld(lint: str, validate: str, runs: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        # a repository of its own, as an analysis is: nothing above it is this project's
        analysis = Path(scratch) / "helloworld"
        shutil.copytree(HELLOWORLD, analysis)
        subprocess.run(["git", "init", "--quiet", str(analysis)], check=True)
        specs = analysis / "specs"
        ours, theirs = paired(([lint, "check", str(analysis)], analysis), ([validate, "-t", ".", "workflow.yml"], specs), runs)
    print(_ratio_row(f"helloworld analysis (median of {runs} pairs)", median(ours), median(theirs)))
    pairs = sorted(o.wall / t.wall for o, t in zip(ours, theirs))
    print(f"{'':<46} wall ratio pair by pair: min {pairs[0]:.2f}x, median {statistics.median(pairs):.2f}x, max {pairs[-1]:.2f}x")


def corpus(lint: str, validate: str, directory: Path) -> None:
    if not (directory / "VERDICTS.tsv").is_file():
        print(f"corpus not found at {directory}; skipped")
        return
    workflows = corpus_workflows(directory)
    ours = measure([lint, "check", "--format", "concise", str(directory)], PROJECT)
    # yadage-validate reads the workflow at TOPLEVEL/WORKFLOW: the file is named relative to the toplevel
    theirs = [measure([validate, "-t", top, os.path.relpath(path, path.parent / top)], path.parent) for path, top, _ in workflows]
    total = Run(sum(r.wall for r in theirs), sum(r.cpu for r in theirs), max(r.memory for r in theirs), None)
    print(_ratio_row(f"corpus: one check vs {len(workflows)} invocations (1 run)", ours, total) + f" {total.wall / ours.wall:.0f}x faster")
    agree = sum(run.code == expected for run, (_, _, expected) in zip(theirs, workflows))
    print(f"{'':<46} yadage-validate exit codes agreeing with VERDICTS.tsv: {agree} of {len(workflows)}")
    for run, (path, toplevel, expected) in zip(theirs, workflows):
        if run.code != expected:
            print(f"{'':<48}{path.relative_to(directory)} (-t {toplevel}): exit {run.code}, verdict says {expected}")


def scaling(lint: str, python: str, shapes: Sequence[str], sizes: Sequence[int], runs: int, timeout: float) -> None:
    print("\nscaling: `recast-lint check` of a generated analysis vs the YAML floor (yaml.load with CSafeLoader over the same files);")
    print(f"median of {runs} pairs (1 when over {timeout:.0f} s); CPU and wall in seconds, peak memory in MB\n")
    header = f"{'floor CPU':>9} {'wall':>6} {'MB':>5} | {'lint CPU':>8} {'wall':>7} {'MB':>6} | {'CPU x':>6} {'MB x':>5}"
    print(f"{'shape':<34} {'stages':>7} {'files':>5} | {header}")
    for shape in shapes:
        for size in sizes:
            with tempfile.TemporaryDirectory() as scratch:
                analysis = Path(scratch) / "analysis"
                files = SHAPES[shape](analysis, size)
                subprocess.run(["git", "init", "--quiet", str(analysis)], check=True)
                ours, floor = paired(
                    ([lint, "check", "--format", "concise", str(analysis)], analysis),
                    ([python, "-c", FLOOR, *map(str, files)], analysis),
                    runs if size < LARGE_SIZE else 1,
                    timeout,
                )
            o, f = median(ours), median(floor)
            status = "" if o.code == 0 else (f"  killed at {timeout:.0f} s" if o.code is None else f"  exit {o.code}")
            print(
                f"{LABELS[shape]:<34} {stages_of(shape, size):>7,} {len(files):>5} | {f.cpu:>9.2f} {f.wall:>6.2f} {f.memory:>5.0f} | "
                f"{o.cpu:>8.2f} {o.wall:>7.2f} {o.memory:>6.0f} | {o.cpu / f.cpu:>5.2f}x {o.memory / f.memory:>4.2f}x{status}"
            )


FORMATS = ("concise", "text", "json", "gitlab", "sarif", "github")


def many_results(lint: str, runs: int) -> None:
    """Every format on 10,000 and 20,000 diagnostics in one file: the time should double, not quadruple."""
    print(f"{'format':<10} {'10,000 results':>15} {'20,000 results':>15} {'ratio':>7}   (median of {runs} runs, wall)")
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
            seconds = []
            for count in (10_000, 20_000):
                argv = [lint, "check", "--format", name, str(roots[count])]
                measure(argv, roots[count])  # warm the file cache
                seconds.append(median([measure(argv, roots[count]) for _ in range(runs)]).wall)
            print(f"{name:<10} {seconds[0]:>13.2f} s {seconds[1]:>13.2f} s {seconds[1] / seconds[0]:>6.2f}x")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="pairs of runs on the helloworld (median reported)")
    parser.add_argument("--scale-runs", type=int, default=3, help="pairs of runs per scaling measurement (1 at 50,000 stages)")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="stage counts of the scaling table")
    parser.add_argument("--large", action="store_true", help=f"add {LARGE_SIZE:,} stages to the scaling table (minutes)")
    parser.add_argument("--shapes", default=",".join(SHAPES), help=f"shapes of the scaling table ({', '.join(SHAPES)})")
    parser.add_argument("--timeout", type=float, default=600, help="seconds after which a scaling run is killed")
    parser.add_argument("--only", default="helloworld,corpus,scaling,precommit", help="which parts to measure")
    parser.add_argument("--many-results", action="store_true", help="only the report formats on 10,000 and 20,000 diagnostics")
    args = parser.parse_args(argv)
    parts = set(args.only.split(","))

    ours = venv("recast-lint", str(PROJECT))
    subprocess.run([str(ours / "pip"), "install", "--quiet", "--no-deps", "--force-reinstall", str(PROJECT)], check=True)
    lint = str(ours / "recast-lint")
    if args.many_results:
        many_results(lint, min(args.runs, 3))
        return 0
    reference = venv("reference", "yadage")
    validate = str(reference / "yadage-validate")

    print(f"python {sys.version.split()[0]} on {os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}\n")
    print(f"{'':<46} {'recast-lint':>10} {'yadage-validate':>10} {'ratio':>7}")
    if "helloworld" in parts:
        helloworld(lint, validate, args.runs)
    if "corpus" in parts:
        corpus(lint, validate, args.corpus)
    if "scaling" in parts:
        sizes = [int(s) for s in args.sizes.split(",") if s] + ([LARGE_SIZE] if args.large else [])
        scaling(lint, str(ours / "python"), [s for s in args.shapes.split(",") if s], sizes, args.scale_runs, args.timeout)
    overhead = HERE / "precommit_overhead.py"
    if "precommit" in parts and overhead.is_file():
        print()
        subprocess.run([sys.executable, str(overhead)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
