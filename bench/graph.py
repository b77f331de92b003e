#!/usr/bin/env python3
"""How long `recast-lint graph` takes to draw a large workflow, on this machine.

    .venv/bin/python bench/graph.py [--stages N] [--runs N] [--process]

Run it with the project's virtualenv (it imports this checkout). It generates an analysis of N
stages (default 10,000): a top workflow of sub-workflow stages, each holding 1,000 stages in
chains of ten that pass an output along, every 100th stage waiting for a stage that does not
exist (so diagnostics, "missing" nodes and stages that never run are drawn too), plus one
multistep stage of 500 steps. It lints it once, as `check` would (reported for scale: that is the
lint, not the drawing), then times in process, as the median of N runs (wall and CPU time), with the
cyclic garbage collector off as the command has it, what `graph` adds:
building the graph from that lint result, and rendering each text format. `--process` also times
one whole `recast-lint graph` process per format next to one `recast-lint check`.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, List, Tuple

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from recast_lint.draw import TEXT_FORMATS, render  # noqa: E402
from recast_lint.draw.build import build  # noqa: E402
from recast_lint.lint import lint, without_cyclic_gc  # noqa: E402

PER_SUB_WORKFLOW = 1000
CHAIN = 10
STEPS = """\
echo:
  process: {process_type: string-interpolated-cmd, cmd: 'echo {value} > {outputfile}'}
  publisher: {publisher_type: frompar-pub, outputmap: {output: outputfile}}
  environment: {environment_type: docker-encapsulated, image: busybox, imagetag: '1.36.1'}
"""


def _stage(name: str, upstream: str, output: str) -> str:
    return (f"- {{name: {name}, dependencies: [{upstream}], scheduler: {{scheduler_type: singlestep-stage, parameters: "
            f"{{value: {{step: {upstream}, output: {output}}}, outputfile: '{{workdir}}/out.txt'}}, step: {{$ref: 'steps.yml#/echo'}}}}}}")


def generate(root: Path, stages: int) -> None:
    specs = root / "specs"
    specs.mkdir(parents=True)
    (specs / "steps.yml").write_text(STEPS, encoding="utf-8")
    values = ", ".join(str(i) for i in range(500))
    top = ["stages:", f"- {{name: scan, dependencies: [init], scheduler: {{scheduler_type: multistep-stage, parameters: {{value: [{values}], "
                      "outputfile: '{workdir}/out.txt'}, scatter: {method: zip, parameters: [value]}, step: {$ref: 'steps.yml#/echo'}}}"]
    left, part = stages - 1, 0
    while left > 0:
        size = min(PER_SUB_WORKFLOW, left)
        lines = ["stages:"]
        for i in range(size):
            if i % 100 == 99:
                lines.append(_stage(f"s{i}", f"gone{i}", "output"))  # a dependency on nothing
            elif i % CHAIN == 0:
                lines.append(_stage(f"s{i}", "init", "value"))
            else:
                lines.append(_stage(f"s{i}", f"s{i - 1}", "output"))
        (specs / f"part{part}.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        top.append(f"- {{name: part{part}, dependencies: [init], scheduler: {{scheduler_type: singlestep-stage, "
                   f"parameters: {{value: {{step: init, output: value}}}}, workflow: {{$ref: 'part{part}.yml'}}}}}}")
        left -= size
        part += 1
    (specs / "workflow.yml").write_text("\n".join(top) + "\n", encoding="utf-8")
    (root / "recast.yml").write_text(
        "name: bench/large\nmetadata: {author: bench, short_description: generated}\nspec: {workflow: workflow.yml}\n"
        "example_inputs: {default: {initdata: {value: 1}}}\nresults: [{name: first, relpath: part0/s0/out.txt}]\n",
        encoding="utf-8",
    )


def median(action: Callable[[], object], runs: int) -> Tuple[float, float]:
    """Median wall and CPU seconds: on a shared machine the CPU time is the steadier figure."""
    walls: List[float] = []
    cpus: List[float] = []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        action()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stages", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5, help="runs of each in-process measurement (median reported)")
    parser.add_argument("--process", action="store_true", help="also time whole `recast-lint graph` and `check` processes once")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch) / "large"
        generate(root, args.stages)
        with without_cyclic_gc():  # as the `graph` command runs (the collector would walk the lint's model at every allocation burst)
            linted = median(lambda: lint([root], cwd=root), 1)
            result = lint([root], cwd=root)
            graph = build(result, root)
            print(f"{args.stages:,} stages: {len(graph.nodes):,} nodes, {len(graph.edges):,} edges, {len(result.diagnostics):,} diagnostics drawn")
            print(f"lint (the run `check` does, once; wall / CPU seconds): {linted[0]:.2f} / {linted[1]:.2f}\n")
            print(f"what `graph` adds, in process (median of {args.runs}; wall / CPU seconds):")
            built = median(lambda: build(result, root), args.runs)
            print(f"  {'build the graph':<20} {built[0]:.3f} / {built[1]:.3f}")
            for name in TEXT_FORMATS:
                rendered = median(lambda name=name: render(name, graph), args.runs)
                total = (built[0] + rendered[0], built[1] + rendered[1])
                print(f"  {'render ' + name:<20} {rendered[0]:.3f} / {rendered[1]:.3f}   build + render: {total[0]:.3f} / {total[1]:.3f}")
        if args.process:
            tool = Path(sys.executable).parent / "recast-lint"
            print("\nwhole processes (one run each):")
            for argv in [["check"], *(["graph", "--format", name] for name in TEXT_FORMATS)]:
                started = time.perf_counter()
                subprocess.run([str(tool), *argv, str(root)], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
                print(f"  recast-lint {' '.join(argv):<24} {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
