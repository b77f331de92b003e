"""RL520-RL527: multistep stages (`scatter`, batching), what they scatter, and stages without a step."""

from __future__ import annotations

import os
from typing import Dict, Iterable, Iterator, List, Optional, Set, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability
from recast_lint.model import Analysis, Loc, Parameter, Stage, is_selector
from recast_lint.records import Record
from recast_lint.rules.dataflow.literals import is_list_value
from recast_lint.rules.dataflow.templates import passed_names
from recast_lint.rules.listharm import once_per_analysis
from recast_lint.rules.registry import Finding, did_you_mean, rule, single_close_match
from recast_lint.stagegraph import Selector
from recast_lint.stagevalues import Sourced, grouped_length, literal, parameter_values, published, selector_of, single_target

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


SHARED_HINT = "take the parameter out of `scatter.parameters` to give every step the same value"


class Scattered(Record):
    """A multistep stage's scattered parameter and the value it holds when the stage is applied."""

    stage: Stage
    parameter: Parameter
    values: List[Sourced]  # one per example whose initdata it depends on
    whole_list: Optional[Severity]  # what RL526 makes of it: a `{stages: X}` on one step


@once_per_analysis
def scattered_parameters(analysis: Analysis) -> List[Tuple[Loc, List[Scattered]]]:
    """Each multistep stage's `scatter`, with its scattered parameters (those the stage passes)."""
    found = []
    for stage, scheduler in _scheduled(analysis, "multistep-stage"):
        scatter = _scatter(scheduler)
        names = scatter.get("parameters") if scatter is not None else None
        if scatter is None or not isinstance(names, list):
            continue
        wanted = [str(name) for name in names]
        chosen = sorted((p for p in stage.parameters if str(p.key) in wanted), key=lambda p: wanted.index(str(p.key)))
        items = [Scattered(stage, p, parameter_values(analysis, stage, p), _whole_list_severity(analysis, stage, p)) for p in chosen]
        found.append((scatter, items))
    return found


def where_written(analysis: Analysis, loc: Optional[Loc]) -> str:
    """` (recast.yml:7)`: where a value that came from elsewhere is written, for a message."""
    if loc is None:
        return ""
    return f" ({os.path.relpath(loc.doc.path, analysis.root)}:{loc.span().line})"


def _source(source: Optional[str]) -> str:
    return f" in {source}" if source else ""


@rule("RL525", "scatter-not-a-list", Severity.ERROR, "a scattered parameter holds a single value, not a list")
def scatter_not_a_list(analysis: Analysis) -> Iterable[Finding]:
    """Catches a scattered parameter whose value is a single value: a literal string, number or
    mapping, or a selector whose output is a single value (`{step: init, output: mass}` with
    `mass: 1000` in the initdata, a `frompar-pub` output of a string parameter, ...).

    Why (yadage 0.21.2, run with `yadage-run` and local steps): the scheduler iterates over each
    scattered value. A literal string is scattered character by character (`abc` ran three steps
    with `a`, `b` and `c`), a literal mapping key by key; a literal number fails with `TypeError: 'int' object is not iterable`;
    a selected single value, string or number, fails with `TypeError: 'outputReference' object is
    not iterable` before any step runs ("Workflow failed"). A selector whose value is a list
    (`{step: init, output: masses}` with `masses: [100, 200]`) scatters fine.

    Bad:

        parameters: {inputfile: a.root, mass: {step: init, output: mass}}
        scatter: {method: zip, parameters: [inputfile, mass]}

    Fixed: scatter lists (`inputfile: [a.root]`, `masses: [1000, 2000]` in the initdata), or
    take a parameter every step shares out of `scatter.parameters`.
    """
    for _, parameters in scattered_parameters(analysis):
        for item in parameters:
            stage, parameter = item.stage, item.parameter
            name = f"scattered parameter '{parameter.key}' of stage '{stage.path}'"
            if not is_selector(parameter.value):
                value = parameter.value
                if isinstance(value, str):
                    shown = ", ".join(repr(c) for c in value[:3]) + (", ..." if len(value) > 3 else "")
                    message = f"{name} is the string {value!r}, which is scattered character by character ({shown})"
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    message = f"{name} is the number {value}; scattering it fails with TypeError"
                elif isinstance(value, dict) and literal(value, None) is not None:
                    message = f"{name} is a mapping, which is scattered key by key"
                else:
                    continue  # a list, or a boolean/null that RL511 reports
                example = f"[{value}]" if not isinstance(value, dict) else "[...]"
                yield Finding.at(parameter.loc, message, f"write a list, e.g. {example}, or {SHARED_HINT}")
                continue
            for sourced in item.values:
                value = sourced.value
                if value is not None and (value.is_scalar or value.kind == "object") and value.wrapped is None:
                    output = parameter.value.get("output")
                    yield Finding.at(
                        parameter.loc,
                        f"{name} selects '{output}', a single {value.kind}{_source(sourced.source)}{where_written(analysis, value.loc)}; "
                        "scattering it fails with TypeError",
                        f"scatter a list, or {SHARED_HINT}",
                    )
                    break


def _whole_list_severity(analysis: Analysis, stage: Stage, parameter: Parameter) -> Optional[Severity]:
    """How wrong scattering a `{stages: X}` on one step is: error when X's output is a list (one step
    gets all of it), warning when unknown, info when it is one value (exactly one step)."""
    selector = selector_of(analysis, stage, parameter) if is_selector(parameter.value) else None
    value = parameter.value
    if selector is None or selector.key == "step" or value.get("unwrap") or value.get("flatten"):
        return None
    entry = single_target(selector)
    if entry is None:
        return None
    outputs = [s.value for s in published(analysis, entry, value.get("output"), 0)]
    if any(v is not None and v.is_list for v in outputs):
        return Severity.ERROR
    return Severity.WARNING if any(v is None for v in outputs) else Severity.INFO


def scatters_whole_list(analysis: Analysis, selector: Selector) -> bool:
    """Whether RL526 judges this selector (RL415 then says nothing about it)."""
    return id(selector.parameter) in _whole_list_parameters(analysis)


@once_per_analysis
def _whole_list_parameters(analysis: Analysis) -> Set[int]:
    return {id(item.parameter) for _, items in scattered_parameters(analysis) for item in items if item.whole_list is not None}


@rule("RL526", "scatter-whole-list", Severity.ERROR, "a scattered `{stages: X}` without `unwrap` gives one step the whole list")
def scatter_whole_list(analysis: Analysis) -> Iterable[Finding]:
    """Catches a scattered parameter selected with `{stages: X, output: Y}` where X is `init` or a
    single-step stage, without `unwrap: true` or `flatten: true`.

    Why (yadage 0.21.2, run with `yadage-run` and local steps): `stages:` returns a list with one
    entry per step of X, here one: `[[100, 200, 300]]` for `masses: [100, 200, 300]` in the
    initdata. Scattering it schedules exactly one step, which gets the whole list; the run reports
    success. An error when Y is a list (in the initdata, or a `fromglob-pub` output), a warning
    when only the run knows, an info when Y is a single value (then one step is what you get).

    Bad:

        parameters: {mass: {stages: init, output: masses}}
        scatter: {method: zip, parameters: [mass]}

    Fixed:

        parameters: {mass: {stages: init, output: masses, unwrap: true}}   # or {step: init, output: masses}
    """
    for _, parameters in scattered_parameters(analysis):
        for item in parameters:
            severity = item.whole_list
            if severity is None:
                continue
            target = item.parameter.value.get("stages") or item.parameter.value.get("steps")
            outcome, hint = {
                Severity.ERROR: ("so one step gets the whole list", "add `unwrap: true` to scatter the list itself"),
                Severity.WARNING: ("so the stage runs one step, which gets the whole value", "add `unwrap: true` to scatter the value itself"),
                Severity.INFO: ("so the stage runs exactly one step", "use a `singlestep-stage` for one step, or `unwrap: true` once the output is a list"),
            }[severity]
            yield Finding.at(
                item.parameter.loc,
                f"scattered parameter '{item.parameter.key}' of stage '{item.stage.path}' is a one-element list "
                f"(`stages: {target}` without `unwrap`), {outcome}",
                hint,
                severity=None if severity is Severity.ERROR else severity,
            )


def _lengths(parameters: List[Scattered]) -> Dict[Optional[str], Dict[int, Tuple[int, Optional[Loc]]]]:
    """For each initdata source, the number of values (and where they are written, when they come
    from that source) of every scattered parameter whose length is known, by its place in ``parameters``."""
    sources = list(dict.fromkeys(s.source for item in parameters for s in item.values if s.source is not None)) or [None]
    found: Dict[Optional[str], Dict[int, Tuple[int, Optional[Loc]]]] = {source: {} for source in sources}
    for index, item in enumerate(parameters):
        if item.whole_list in (Severity.ERROR, Severity.WARNING):
            continue  # RL526 reports it
        for sourced in item.values:
            value = sourced.value
            if value is None or not value.is_list or value.length is None:
                continue
            for source in sources if sourced.source is None else [sourced.source]:
                found[source][index] = (value.length, value.loc if sourced.source else None)
    return found


@rule("RL527", "scatter-lengths", Severity.ERROR, "`zip` over lists of different lengths, or a scatter over an empty list")
def scatter_lengths(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `zip` scatter whose lists have different lengths (literal lists in the stage, or
    lists in an example's initdata), counted after `batchsize`/`partitionsize`, and a scatter over
    a list that is empty.

    Why (recast-atlas 0.4.2 / yadage 0.21.2, `recast run --backend local`): `zip` stops at the
    shortest list. With `masses: [100, 200, 300]` and `xsecs: [1.5, 2.5]` the run scheduled two
    steps, said "workflow completed successfully", and the point for 300 was silently missing. An
    empty list schedules no step at all, and every stage after it never runs.

    Bad:

        initdata: {masses: [100, 200, 300], xsecs: [1.5, 2.5]}
        parameters: {mass: {step: init, output: masses}, xsec: {step: init, output: xsecs}}
        scatter: {method: zip, parameters: [mass, xsec]}

    Fixed: give every zipped list one value per step (`xsecs: [1.5, 2.5, 3.5]`), or use
    `method: cartesian` for every combination.
    """
    for scatter, parameters in scattered_parameters(analysis):
        if not parameters:
            continue
        stage = parameters[0].stage
        assert stage.scheduler is not None
        reported: Set[Tuple[int, ...]] = set()
        for source, lengths in _lengths(parameters).items():
            empty = [index for index, (length, _) in lengths.items() if length == 0]
            if empty:
                if (0,) not in reported:
                    reported.add((0,))
                    item = parameters[empty[0]]
                    yield Finding.at(
                        item.parameter.loc,
                        f"scattered parameter '{item.parameter.key}' of stage '{stage.path}' is an empty list{_source(source)}"
                        f"{where_written(analysis, lengths[empty[0]][1])}, so the stage runs no step and the stages after it never run",
                        "give it at least one value",
                    )
                continue
            counts = {index: grouped_length(length, stage.scheduler) for index, (length, _) in lengths.items()}
            key = tuple(sorted(counts.items()))
            if scatter.get("method") != "zip" or len(set(counts.values())) < 2 or key in reported:
                continue
            reported.add(key)
            shortest = min(counts.values())
            longest = max(counts, key=lambda index: counts[index])
            item = parameters[longest]
            listing = ", ".join(f"'{parameters[index].parameter.key}' {count}" for index, count in sorted(counts.items()))
            dropped = counts[longest] - shortest
            lost = "the last value" if dropped == 1 else f"the last {dropped} values"
            yield Finding.at(
                item.parameter.loc,
                f"`zip` over lists of different lengths{_source(source)} ({listing}): it stops at the shortest, "
                f"so {shortest} {'step runs' if shortest == 1 else 'steps run'} and {lost} of '{item.parameter.key}'"
                f"{where_written(analysis, lengths[longest][1])} {'is' if dropped == 1 else 'are'} silently dropped",
                "give every zipped list one value per step, or use `method: cartesian` for every combination",
            )
