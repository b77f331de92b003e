"""RL520-RL525: multistep stages (`scatter`, batching) and stages without a step."""

from __future__ import annotations

from typing import Any, Iterable, Iterator, List, Optional, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability
from recast_lint.model import Analysis, Loc, Parameter, Stage
from recast_lint.rules.dataflow.literals import is_list_value
from recast_lint.rules.dataflow.templates import passed_names
from recast_lint.rules.registry import Finding, did_you_mean, rule, single_close_match

SCATTER_METHODS = ("zip", "cartesian")



def _scheduled(analysis: Analysis, scheduler_type: str) -> Iterator[Tuple[Stage, Loc]]:
    for stage in analysis.all_stages():
        if stage.scheduler is not None and stage.scheduler_type == scheduler_type:
            yield stage, stage.scheduler


def _scatter(scheduler: Loc) -> Optional[Loc]:
    return scheduler.child("scatter") if isinstance(scheduler.get("scatter"), dict) else None


def _list_parameters(stage: Stage) -> str:
    """The stage's parameters that hold lists, the usual candidates for scattering."""
    return ", ".join(str(p.key) for p in stage.parameters if is_list_value(p.value)) or "<list parameter>"


@rule("RL520", "scatter-missing", Severity.ERROR, "a multistep stage without a complete `scatter`")
def scatter_missing(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `multistep-stage` without `scatter`, or whose `scatter` lacks `method` or
    `parameters`.

    Why: the schema does not require them, but the scheduler reads `scatter['method']` and
    `scatter['parameters']` and fails with `KeyError`.

    Bad:

        scheduler:
          scheduler_type: multistep-stage
          parameters: {inputfile: [a.root, b.root]}
          step: {$ref: 'steps.yml#/select'}

    Fixed: add `scatter: {method: zip, parameters: [inputfile]}`.
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        if scatter is None:
            yield Finding.at(
                scheduler.child("scatter") if scheduler.has("scatter") else scheduler.child("scheduler_type"),
                f"multistep stage '{stage.path}' has no `scatter` mapping",
                f"add `scatter: {{method: zip, parameters: [{_list_parameters(stage)}]}}`",
            )
            continue
        for key in ("method", "parameters"):
            if not scatter.has(key):
                example = "method: zip" if key == "method" else f"parameters: [{_list_parameters(stage)}]"
                yield Finding.at(scatter, f"`scatter` of stage '{stage.path}' has no `{key}`", f"add `{example}`", key=True)
        if scatter.get("parameters") == []:
            yield Finding.at(scatter.child("parameters"), f"`scatter` of stage '{stage.path}' scatters no parameter", "name the list parameters to scatter")


@rule("RL521", "scatter-method", Severity.ERROR, "`scatter.method` is neither `zip` nor `cartesian`", fix=Applicability.UNSAFE)
def scatter_method(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `scatter.method` other than `zip` or `cartesian`.

    Why: the schema accepts any string, but the scheduler knows only these two; any other value
    silently schedules zero steps, stages downstream never run, and the run reports success.

    Bad:

        scatter: {method: zipp, parameters: [inputfile]}

    Fixed:

        scatter: {method: zip, parameters: [inputfile]}
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        if scatter is not None and scatter.has("method") and scatter.get("method") not in SCATTER_METHODS:
            method = scatter.get("method")
            message = f"scatter method '{method}' of stage '{stage.path}' schedules no steps"
            meant = single_close_match(method, SCATTER_METHODS)
            # unsafe: the run succeeds now, scheduling nothing; fixed, the stages below it run
            retype = fix.make(f"change '{method}' to '{meant}'", [fix.replace_value(scatter.child("method"), meant)], safe=False) if meant else None
            yield Finding.at(scatter.child("method"), message, did_you_mean(method, SCATTER_METHODS), fix=retype)


@rule("RL522", "scatter-unknown-parameter", Severity.ERROR, "a scattered parameter is not in `parameters`", fix=Applicability.SAFE)
def scatter_unknown_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `scatter.parameters` entry that the stage's `parameters` do not define.

    Why: the scheduler pops each scattered name from the parameters: `KeyError` before any step
    is scheduled.

    Bad:

        parameters: {inputfiles: [...]}
        scatter: {method: zip, parameters: [inputfile]}

    Fixed:

        scatter: {method: zip, parameters: [inputfiles]}
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        scattered = scatter.get("parameters") if scatter is not None else None
        if not isinstance(scattered, list):
            continue
        names = passed_names(stage)
        for i, name in enumerate(scattered):
            if str(name) not in names:
                meant = single_close_match(name, names)
                rename = fix.make(f"change '{name}' to '{meant}'", [fix.replace_value(scatter.child("parameters", i), fix.scalar(meant))]) if meant else None
                yield Finding.at(
                    scatter.child("parameters", i),
                    f"scattered parameter '{name}' is not a parameter of stage '{stage.path}'",
                    did_you_mean(name, names) or "add it to the stage's `parameters`",
                    fix=rename,  # safe: the scheduler fails with KeyError on what is written
                )


@rule("RL523", "batchsize-and-partitionsize", Severity.ERROR, "`batchsize` and `partitionsize` together")
def batchsize_and_partitionsize(analysis: Analysis) -> Iterable[Finding]:
    """Catches a multistep stage that sets both `batchsize` and `partitionsize`.

    Why: they are alternative ways of grouping the scattered values (groups of N, or N groups);
    the runtime's schema allows only one of them.

    Bad:

        batchsize: 10
        partitionsize: 4

    Fixed: keep one of them.
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        if scheduler.has("batchsize") and scheduler.has("partitionsize"):
            yield Finding.at(
                scheduler.child("partitionsize"),
                f"stage '{stage.path}' sets both `batchsize` and `partitionsize`",
                "keep `batchsize` (values per step) or `partitionsize` (number of steps), not both",
                key=True,
            )


@rule("RL524", "stage-without-step", Severity.ERROR, "a stage has no (or several) `step`, `workflow` or `cases`")
def stage_without_step(analysis: Analysis) -> Iterable[Finding]:
    """Catches a single-step or multistep stage with none of `step`, `workflow` and `cases`, and
    a single-step stage with more than one of them.

    Why: the scheduler does not know what to run: `RuntimeError: do not know what kind of stage
    spec we are dealing with`. The multistep schema misses this (it declares `oneOf` twice), so
    the reference validator accepts it.

    Bad:

        scheduler:
          scheduler_type: multistep-stage
          scatter: {method: zip, parameters: [inputfile]}

    Fixed: add `step: {$ref: 'steps.yml#/select'}`.
    """
    for scheduler_type in ("singlestep-stage", "multistep-stage"):
        for stage, scheduler in _scheduled(analysis, scheduler_type):
            present = [k for k in ("step", "workflow", "cases") if scheduler.has(k)]
            if not present:
                yield Finding.at(
                    scheduler.child("scheduler_type"),
                    f"stage '{stage.path}' has no `step`, `workflow` or `cases`, so nothing is scheduled",
                    "add `step: {$ref: 'steps.yml#/<name>'}`",
                )
            elif len(present) > 1 and scheduler_type == "singlestep-stage":
                yield Finding.at(
                    scheduler.child(present[1]),
                    f"stage '{stage.path}' has both `{present[0]}` and `{present[1]}`; a stage runs exactly one",
                    f"keep `{present[0]}` or `{present[1]}`",
                    key=True,
                )


@rule("RL525", "scatter-over-string", Severity.WARNING, "a scattered parameter is a literal string")
def scatter_over_string(analysis: Analysis) -> Iterable[Finding]:
    """Catches a scattered parameter whose value is a literal string or number.

    Why: scattering iterates over the value, so a string is scattered character by character
    (one step per letter) and a number fails.

    Bad:

        parameters: {inputfile: a.root}
        scatter: {method: zip, parameters: [inputfile]}

    Fixed:

        parameters: {inputfile: [a.root]}
    """
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        scattered = scatter.get("parameters") if scatter is not None else None
        if not isinstance(scattered, list):
            continue
        for parameter in _scattered(stage, scattered):
            if isinstance(parameter.value, (str, int, float)) and not isinstance(parameter.value, bool):
                yield Finding.at(
                    parameter.loc,
                    f"scattered parameter '{parameter.key}' of stage '{stage.path}' is a single value, not a list",
                    f"write a list: [{parameter.value}]",
                )


def _scattered(stage: Stage, scattered: List[Any]) -> Iterator[Parameter]:
    wanted = {str(name) for name in scattered}
    return (p for p in stage.parameters if str(p.key) in wanted)
