"""RL408-RL413: parameter selectors (`{step|stages|steps: X, output: Y}`): the stage they name and their keys."""

from __future__ import annotations

from typing import Dict, FrozenSet, Iterable, Iterator, List, Optional, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity, Span
from recast_lint.fix import Applicability, Fix
from recast_lint.model import SELECTOR_TARGET_KEYS, Analysis, Stage
from recast_lint.rules.graph.outputs import published_by, published_by_target
from recast_lint.rules.graph.wording import Prefer, no_match, quoted
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule, single_close_match
from recast_lint.schedule import NO_RESULT, OK, UNSCHEDULED, schedule_of
from recast_lint.stagegraph import ScopeGraph, Selector, graphs
from recast_lint.stagepaths import Resolution

SELECTOR_KEYS = SELECTOR_TARGET_KEYS + ("output", "unwrap", "flatten")
_SELECTOR_EXTRA_KEYS = ("expression_type",)  # written out by a few real workflows; the loader adds it anyway



@rule("RL408", "selector-unknown-stage", Severity.ERROR, "a `{step|stages: X}` selector names no stage", fix=Applicability.UNSAFE)
def selector_unknown_stage(analysis: Analysis) -> Iterable[Finding]:
    """Catches a parameter selector whose `step`/`stages`/`steps` expression matches no stage of
    the workflow (same expression language and scopes as `dependencies`).

    Why: `{stages: X}` silently yields `[]`, so the step runs with an empty value; `{step: X}`
    fails with a bare `AssertionError` ("Workflow failed: " and nothing after it).

    Bad:

        inputfile: {step: selct, output: outfile}

    Fixed:

        inputfile: {step: select, output: outfile}

    A stage that lives inside a sub-workflow is offered through its holder (`control[*].fit`),
    and only as an expression that resolves: when several stages hold one of that name, the one
    the reader waits for, and whose stage publishes the `output`, comes first; in a path such as
    `madevent.*.analysis` the stage meant is the last one written.
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            if selector.target.matches_nothing and not graph.blames_name(selector.target):
                yield no_match(selector.target, f"`{selector.key}:`", graph, _suits(analysis, graph, selector))


def _suits(analysis: Analysis, graph: ScopeGraph, selector: Selector) -> Prefer:
    """How well a repaired expression suits the selector: it reaches a stage the reader waits for,
    and that stage publishes the `output` the selector reads."""
    reader = selector.stage
    known = not graph.broken_above(reader)
    output = selector.value.get("output")

    def score(resolution: Resolution) -> int:
        upstream = known and any(entry.stage is not None and graph.waits_for(reader, entry.stage) for entry in resolution.via())
        return 2 * upstream + (output in published_by(analysis, graph, resolution))

    return score


@rule("RL409", "selector-not-upstream", Severity.WARNING, "a selector reads a stage the stage does not depend on", fix=Applicability.UNSAFE)
def selector_not_upstream(analysis: Analysis) -> Iterable[Finding]:
    """Catches a parameter selector whose stage (or `init`) is not among the stages this stage
    waits for, directly or through other stages.

    Why: yadage resolves a selector when it applies the stage, and only the stages it waits for are
    sure to have a result by then. The severity follows what yadage does with the workflow as
    written, simulated the way it schedules (recast_lint/schedule.py):

    - yadage keeps one list of stages in the order they are written, with `init` *last*
      (`yadage/creators.py`), and applies every ready stage in one walk over it
      (`adage/pollingexec.py` `update_dag`); the stage right after an applied one waits for the
      next walk (`adage/controllerutils.py` `apply_rules` pops from the list being walked). A
      stage's output is there from the walk after it was applied when its publisher is
      prepublished (`frompar-pub`, `constant-pub`, `interpolated-pub` without `glob`, `init`),
      otherwise only once its step has run.
    - **error** when the read fails on every schedule: the stage read is not applied yet
      (`{stages: X}` silently gives `[]`, `{step: X}` fails with `AssertionError`), or it is applied
      but has no result yet (`AttributeError: 'NoneType' object has no attribute 'asrefs'`). That is
      the case when both become ready in the same walk and the reader comes first, when the stage
      read has no result in the walk that applies the reader, for a stage with
      `dependencies: []` that reads `init`, and when the stage read waits for the reader.
    - **warning** when it depends on timing: which of two steps that must run finishes first.
    - **info** when it always works, but only because of the order of the stages.

    Verified with yadage 0.21.2 (`yadage-run`, foregroundasync and multiproc backends): `fit` and
    `select` both waiting for `init`, `fit` written first: AssertionError; `select` first: works;
    `select`, another stage, then `fit`: AttributeError; a stage with `dependencies: []` reading
    `{step: init}`: AssertionError, `{stages: init}`: runs with an empty value; a reader waiting for a
    step that sleeps 3 s while the stage it reads runs: AttributeError, without the sleep: works.

    Bad:

        - name: fit
          dependencies: [init]
          scheduler:
            parameters:
              histograms: {stages: select, output: hists}

    Fixed:

        - name: fit
          dependencies: [select]
    """
    # a workflow two roots run is judged once per root: a simulated verdict over a guess, then the worse one
    found: Dict[Tuple[int, Span], Tuple[Tuple[bool, int], Finding]] = {}
    for simulated, finding in _not_upstream(analysis):
        place, rank = (id(finding.doc), finding.span), (not simulated, (finding.severity or Severity.WARNING).rank)
        if place not in found or rank < found[place][0]:
            found[place] = (rank, finding)
    return [finding for _, finding in found.values()]


def _not_upstream(analysis: Analysis) -> Iterator[Tuple[bool, Finding]]:
    for graph in graphs(analysis):
        for number, selector in enumerate(graph.selectors):
            resolution = selector.target.resolution
            if resolution is None or not selector.target.understood:
                continue
            reader = selector.stage
            if graph.broken_above(reader):
                continue
            for entry in resolution.via():
                target = entry.stage
                if graph.waits_for_init(reader) if target is None else graph.waits_for(reader, target):
                    continue
                if target is not None and (target is reader or not graph.broken_above(target) and graph.waits_for(target, reader)):
                    why = "its own output" if target is reader else f"'{target.name}', which runs only after it"
                    yield True, Finding.at(
                        selector.target.loc,
                        f"'{reader.name}' reads {why}, so the value is never there",
                        "read a stage that runs before this one",
                        severity=Severity.ERROR,
                    )
                    continue
                outcomes = schedule_of(analysis, graph).outcome(number, selector, target)
                message, severity = _not_upstream_wording(selector, entry.name, outcomes)
                hint = f"add '{entry.name}' to the dependencies of '{reader.name}'"
                added = _add_dependency(reader, entry.name) if reader.loc.doc is selector.target.loc.doc else None
                yield bool(outcomes), Finding.at(selector.target.loc, message, hint, severity=severity, fix=added)


def _not_upstream_wording(selector: Selector, name: str, outcomes: Optional[FrozenSet[str]]) -> Tuple[str, Optional[Severity]]:
    """What reading ``name`` without waiting for it does, from the outcomes of the simulated schedule."""
    reader = f"'{selector.stage.name}' reads '{name}' but does not depend on it"
    if not outcomes:  # not simulated, or the reader is never applied (other rules say why)
        return f"{reader}; the value is there only if '{name}' happens to be scheduled first", None
    if outcomes == {OK}:
        return (
            f"'{selector.stage.name}' reads '{name}' without depending on it; it works only because yadage "
            f"applies '{name}' first, so reordering or changing the stages can break it",
            Severity.INFO,
        )
    if OK in outcomes:
        order = "which step finishes first"
        if selector.stage.workflow.parent is not None:
            order += ", and on what yadage applies around this sub-workflow"
        return f"{reader}; whether '{name}' has a result when '{selector.stage.name}' is applied depends on {order}", None
    if outcomes == {UNSCHEDULED}:
        result = "`stages:` gives [] and the step runs without the value" if selector.key != "step" else "`step:` fails with AssertionError"
        return f"{reader}, and yadage applies it before it schedules '{name}': {result}", Severity.ERROR
    if outcomes == {NO_RESULT}:
        return (
            f"{reader}, and yadage applies it while '{name}' has no result yet: the run fails with "
            "AttributeError ('NoneType' object has no attribute 'asrefs')",
            Severity.ERROR,
        )
    return f"{reader}, and yadage always applies it before '{name}' has a result: the read fails", Severity.ERROR


def _add_dependency(stage: Stage, name: str) -> Optional[Fix]:
    """`name` added to the stage's `dependencies` as they are written (`[a, b]`, `- a` lines, the
    `expressions` of a dependency mapping), or a `dependencies: [name]` line after its `name`.
    Unsafe: the stage then waits for that stage, so the order the stages run in changes."""
    title = f"add '{name}' to the dependencies of '{stage.name}'"
    item = fix.scalar(str(name))
    written = stage.loc.get("dependencies")
    if isinstance(written, list):
        return fix.make(title, [fix.append_item(stage.loc.child("dependencies"), item)], safe=False)
    if isinstance(written, dict) and isinstance(written.get("expressions"), list):
        return fix.make(title, [fix.append_item(stage.loc.child("dependencies", "expressions"), item)], safe=False)
    if not stage.loc.has("dependencies") and stage.loc.has("name"):
        return fix.make(title, [fix.add_entry(stage.loc.child("name"), "dependencies", f"[{item}]")], safe=False)
    return None


_MANY_STEPS = ("multistep-step", "multistep-workflow")


@rule("RL410", "step-selector-not-single", Severity.ERROR, "`step:` selects more than one step")
def step_selector_not_single(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{step: X}` where X is a multistep stage (one step per scattered value), a name two
    stages share, or a list of stages.

    Why: `step:` asserts that exactly one step matches; otherwise the run fails with a bare
    `AssertionError` ("Workflow failed: " and nothing else). `stages:` returns a list instead.

    Bad:

        files: {step: generate, output: outfile}      # generate is a multistep-stage

    Fixed:

        files: {stages: generate, output: outfile}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            resolution = selector.target.resolution
            if selector.key != "step" or resolution is None or not selector.target.understood:
                continue
            whole = [r.entry for r in resolution.reached if r.level == "stage"]
            multistep = [e for e in whole if e.kind in _MANY_STEPS]
            if multistep:
                yield Finding.at(
                    selector.target.loc,
                    f"`step:` selects '{multistep[0].name}', a multistep stage with one step per scattered value",
                    f"use `stages: {selector.target.text}` (a list; add `flatten: true` to join list outputs)",
                )
            elif len(resolution.reached) > 1:
                names = [r.entry.name for r in resolution.reached]
                why = f"{len(names)} stages are named '{names[0]}'" if len(set(names)) == 1 else f"it matches {quoted(names)}"
                yield Finding.at(selector.target.loc, f"`step:` must select exactly one step, but {why}", "use `stages:` for a list, or name one stage")


@rule("RL411", "selector-conflicting-keys", Severity.ERROR, "a selector has more than one of `step`, `stages`, `steps`")
def selector_conflicting_keys(analysis: Analysis) -> Iterable[Finding]:
    """Catches a selector with both `stages` and `steps` (aliases), or `step` next to either.

    Why: with both `stages` and `steps` the runtime fails with "stages and steps are aliases. pick
    one."; next to `stages`/`steps`, a `step` key is silently ignored.

    Bad:

        x: {stages: fit, steps: fit, output: result}

    Fixed:

        x: {stages: fit, output: result}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            present = [k for k in SELECTOR_TARGET_KEYS if k in selector.value]
            if len(present) > 1:
                second = present[1]
                message = (
                    "`stages` and `steps` are aliases; the runtime refuses both"
                    if {"stages", "steps"} <= set(present)
                    else f"`step` next to `{second}` is ignored by the runtime"
                )
                yield Finding.at(selector.loc.child(second), message, f"keep only one of {quoted(present)}", key=True)


def _unknown_keys(selector: Selector) -> List[str]:
    return [k for k in selector.value if k not in SELECTOR_KEYS + _SELECTOR_EXTRA_KEYS]


@rule("RL412", "selector-without-output", Severity.ERROR, "a selector has no `output`")
def selector_without_output(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `{step|stages: X}` selector without `output`.

    Why: the runtime then selects `$`, the whole published result, so the step receives a
    dictionary such as `{'name': 'hello'}` instead of the value, and nothing fails until the
    physics is wrong.

    Bad:

        name: {step: init}

    Fixed:

        name: {step: init, output: name}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            if "output" in selector.value or any(closest(k, ["output"]) for k in _unknown_keys(selector)):
                continue  # a misspelt `output` is reported once, as an unknown key
            outputs = published_by_target(analysis, graph, selector)
            choices = f" naming one of: {', '.join(sorted(outputs))}" if outputs else ""
            yield Finding.at(
                selector.loc,
                "selector has no `output`, so the step gets the whole published result",
                f"add `output:`{choices}",
            )


@rule("RL413", "selector-unknown-key", Severity.ERROR, "a selector has a key the runtime does not read", fix=Applicability.SAFE)
def selector_unknown_key(analysis: Analysis) -> Iterable[Finding]:
    """Catches selector keys other than `step`, `stages`, `steps`, `output`, `unwrap` and
    `flatten` (e.g. `ouput`, `unwarp`).

    Why: the runtime ignores them. A misspelt `output` passes the whole published result; a
    misspelt `unwrap` or `flatten` changes the shape of the value. Nothing reports it.

    Bad:

        name: {step: init, ouput: name}

    Fixed:

        name: {step: init, output: name}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            for key in _unknown_keys(selector):
                meant = single_close_match(key, SELECTOR_KEYS)
                yield Finding.at(
                    selector.loc.child(key),
                    f"selector key '{key}' is ignored by the runtime",
                    did_you_mean(key, SELECTOR_KEYS),
                    key=True,
                    fix=fix.rename_key(selector.loc.child(key), meant) if meant else None,
                )
