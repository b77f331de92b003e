"""Generated analyses of every workflow shape the scaling benchmark measures, at any number of stages.

Each generator writes a whole analysis (`recast.yml`, `specs/workflow.yml`, `specs/steps.yml` and
the files the shape spreads its stages over) that lints clean, so the benchmark times the check
and not the report. Workflow generators such as recast_workflow compose files like these.

    chain        one scope, each stage waiting for the one before and reading its output; the
                 stages are `$ref`s into files of 1,000 (one document cannot hold 10,000 inline:
                 a document is limited to 100,000 YAML nodes, and even as `$ref`s, two nodes
                 each, a scope holds at most 49,999: ONE_SCOPE_LIMIT)
    chain-files  a chain of sub-workflows of 1,000 stages, one file each
    fan-out      one scope: a `prepare` stage and every other stage reading its output
    scatter      a chain of multistep stages scattering over the output before them, 1,000 per file
    nested       sub-workflows through `$ref`, 100 stages per file, ten sub-workflows per file
    placeholders a chain whose every stage has its own step, a command of 40 placeholders, 100 per file
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Dict, Iterator, List

STEPS = """\
work:
  process:
    process_type: string-interpolated-cmd
    cmd: 'cat {input} > {outputfile}'
  publisher:
    publisher_type: frompar-pub
    outputmap:
      result: outputfile
  environment:
    environment_type: docker-encapsulated
    image: busybox
    imagetag: '1.36.1'
"""

RECAST = """\
name: examples/generated
metadata:
  author: recast-lint benchmark
  short_description: A generated workflow for the scaling benchmark
spec:
  workflow: workflow.yml
example_inputs:
  default:
    initdata:
      name: [hello, world]
results:
  - name: first
    relpath: {relpath}
"""


def _head(name: str, after: str, scheduler_type: str = "singlestep-stage") -> List[str]:
    """A stage's first lines, down to `parameters:`."""
    return [f"- name: {name}", f"  dependencies: [{after}]", "  scheduler:", f"    scheduler_type: {scheduler_type}", "    parameters:"]


def _stage(name: str, after: str, source: str, key: str = "step", multistep: bool = False, indent: str = "  ") -> str:
    """One stage running the `work` step on the output of ``source`` (``init``: the initdata)."""
    output = "name" if source == "init" else "result"
    lines = [
        *_head(name, after, "multistep-stage" if multistep else "singlestep-stage"),
        f"      input: {{{key}: {source}, output: {output}}}",
        "      outputfile: '{workdir}/out.txt'",
    ]
    if multistep:
        lines.append("    scatter: {method: zip, parameters: [input]}")
    lines.append("    step: {$ref: 'steps.yml#/work'}")
    return "".join(f"{indent}{line}\n" for line in lines)


def _sub_workflow(name: str, after: str, target: str, indent: str = "  ") -> str:
    """A stage whose workflow is the file ``target``; its stages read the initdata through it."""
    lines = [
        *_head(name, after),
        "      name: {step: init, output: name}",
        f"    workflow: {{$ref: '{target}'}}",
    ]
    return "".join(f"{indent}{line}\n" for line in lines)


def _placeholder_stage(name: str, after: str, source: str, fields: int = 40) -> str:
    """A stage with a step of its own whose command has ``fields`` placeholders, one per parameter."""
    output = "name" if source == "init" else "result"
    names = [f"p{i:02d}" for i in range(fields - 1)]
    command = " ".join("{" + n + "}" for n in ["input", *names]) + " > {outputfile}"
    lines = [
        *_head(name, after),
        f"      input: {{step: {source}, output: {output}}}",
        *(f"      {n}: value-{n}" for n in names),
        "      outputfile: '{workdir}/out.txt'",
        "    step:",
        "      process:",
        "        process_type: string-interpolated-cmd",
        f"        cmd: 'cat {command}'",
        "      publisher: {publisher_type: frompar-pub, outputmap: {result: outputfile}}",
        "      environment: {environment_type: docker-encapsulated, image: busybox, imagetag: '1.36.1'}",
    ]
    return "".join(f"  {line}\n" for line in lines)


def _write(directory: Path, files: Dict[str, str], relpath: str, steps: bool = True) -> List[Path]:
    """The analysis, and the files a check of it reads (what the YAML floor reads too)."""
    specs = directory / "specs"
    specs.mkdir(parents=True)
    (directory / "recast.yml").write_text(RECAST.replace("{relpath}", relpath), encoding="utf-8")
    if steps:
        files = {"steps.yml": STEPS, **files}
    for name, text in files.items():
        (specs / name).write_text(text, encoding="utf-8")
    return [directory / "recast.yml", *(specs / name for name in files)]


def _chunks(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(start + size, total))


ONE_SCOPE_LIMIT = 49_000  # stages one workflow document can list as `$ref`s under the loader's 100,000-node limit


def stages_of(shape: str, stages: int) -> int:
    """How many stages a generated analysis of ``shape`` has when ``stages`` are asked for."""
    return min(stages, ONE_SCOPE_LIMIT) if shape in ("chain", "fan-out") else stages


def _one_scope(directory: Path, stages: int, source_of: Callable[[int], str]) -> List[Path]:
    """Every stage in the root workflow's scope, written as a `$ref` into a file of 1,000 stages."""
    files: Dict[str, str] = {}
    refs = []
    for part, indices in enumerate(_chunks(stages, 1000)):
        name = f"stages-{part:03d}.yml"
        body = []
        for place, i in enumerate(indices):
            source = source_of(i)
            body.append(_stage(f"s{i}", source, source, indent=""))
            refs.append(f"  - {{$ref: '{name}#/{place}'}}\n")
        files[name] = "".join(body)
    files["workflow.yml"] = "stages:\n" + "".join(refs)
    return _write(directory, files, "s0/out.txt")


def chain(directory: Path, stages: int) -> List[Path]:
    return _one_scope(directory, stages_of("chain", stages), lambda i: f"s{i - 1}" if i else "init")


def fan_out(directory: Path, stages: int) -> List[Path]:
    return _one_scope(directory, stages_of("fan-out", stages), lambda i: "s0" if i else "init")


def _chain_of_files(directory: Path, stages: int, per_file: int, write_part: Callable[[range], str], steps: bool = True) -> List[Path]:
    files: Dict[str, str] = {}
    root = []
    for part, indices in enumerate(_chunks(stages, per_file)):
        name = f"part-{part:03d}.yml"
        files[name] = "stages:\n" + write_part(indices)
        root.append(_sub_workflow(f"part{part}", f"part{part - 1}" if part else "init", name))
    files["workflow.yml"] = "stages:\n" + "".join(root)
    return _write(directory, files, "part0/s0/out.txt", steps)


def _chain_part(indices: range, multistep: bool = False) -> str:
    first = indices[0]
    key = "stages" if multistep else "step"
    return "".join(
        _stage(f"s{i}", f"s{i - 1}" if i > first else "init", f"s{i - 1}" if i > first else "init", key if i > first else "step", multistep)
        for i in indices
    )


def chain_of_files(directory: Path, stages: int) -> List[Path]:
    return _chain_of_files(directory, stages, 1000, _chain_part)


def scatter_chain(directory: Path, stages: int) -> List[Path]:
    return _chain_of_files(directory, stages, 1000, lambda indices: _chain_part(indices, multistep=True))


def placeholders(directory: Path, stages: int) -> List[Path]:
    def part(indices: range) -> str:
        first = indices[0]
        return "".join(_placeholder_stage(f"s{i}", f"s{i - 1}" if i > first else "init", f"s{i - 1}" if i > first else "init") for i in indices)

    return _chain_of_files(directory, stages, 100, part, steps=False)  # every stage has its own step


def nested(directory: Path, stages: int, per_file: int = 100, fan: int = 10) -> List[Path]:
    """A tree of files: file k holds ``per_file`` stages, the first of which are the sub-workflows
    in files fan*k+1 ... fan*k+fan (as many as the total allows), the rest a chain."""
    count = max(1, -(-stages // per_file))
    files: Dict[str, str] = {}
    for k in range(count):
        children = [c for c in range(fan * k + 1, fan * k + fan + 1) if c < count]
        body = [_sub_workflow(f"sub{c}", "init", f"nested-{c:04d}.yml") for c in children]
        for i in range(len(children), per_file):
            source = f"s{i - 1}" if i > len(children) else "init"
            body.append(_stage(f"s{i}", source, source))
        files["workflow.yml" if k == 0 else f"nested-{k:04d}.yml"] = "stages:\n" + "".join(body)
    return _write(directory, files, f"s{min(fan, count - 1)}/out.txt")


SHAPES: Dict[str, Callable[[Path, int], List[Path]]] = {
    "chain": chain,
    "chain-files": chain_of_files,
    "fan-out": fan_out,
    "scatter": scatter_chain,
    "nested": nested,
    "placeholders": placeholders,
}

LABELS = {
    "chain": "chain in one scope",
    "chain-files": "chain, 1,000 per file",
    "fan-out": "wide fan-out",
    "scatter": "multistep scatter chain",
    "nested": "nested through $ref, 100 per file",
    "placeholders": "40 placeholders per command",
}
