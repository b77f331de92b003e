"""RL408-RL413: parameter selectors (`{step|stages|steps: X, output: Y}`): the stage they name and their keys."""

from __future__ import annotations

from typing import Iterable, List, Optional

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability, Fix
from recast_lint.model import SELECTOR_TARGET_KEYS, Analysis, Stage
from recast_lint.rules.graph.outputs import published_by, published_by_target
from recast_lint.rules.graph.wording import Prefer, no_match, quoted
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule, single_close_match
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
    closure = graph.closure(selector.stage) or set()
    output = selector.value.get("output")

    def score(resolution: Resolution) -> int:
        upstream = any(entry.stage is not None and entry.stage.index in closure for entry in resolution.via())
        return 2 * upstream + (output in published_by(analysis, graph, resolution))

    return score


@rule("RL409", "selector-not-upstream", Severity.WARNING, "a selector reads a stage the stage does not depend on", fix=Applicability.UNSAFE)
def selector_not_upstream(analysis: Analysis) -> Iterable[Finding]:
    """Catches a parameter selector whose stage is not among the stages this stage waits for,
    directly or through other stages. `init` is exempt: it is always scheduled first.

    Why: parameters are resolved when the stage is scheduled. A stage it does not wait for may not
    be scheduled yet: `{stages: X}` then silently yields `[]` and the step runs with an empty value,
    `{step: X}` fails with `AssertionError`. A warning when it depends on timing (it often works
    for a stage without dependencies, which is scheduled first); an error when X is the stage
    itself or waits for it, so X is never scheduled in time.

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
    for graph in graphs(analysis):
        for selector in graph.selectors:
            resolution = selector.target.resolution
            if resolution is None or not selector.target.understood:
                continue
            closure = graph.closure(selector.stage)
            if closure is None:
                continue
            reader = selector.stage
            for target in [e.stage for e in resolution.via() if e.stage is not None and e.stage.index not in closure]:
                if target is reader or reader.index in (graph.closure(target) or set()):
                    why = "its own output" if target is reader else f"'{target.name}', which runs only after it"
                    yield Finding.at(
                        selector.target.loc,
                        f"'{reader.name}' reads {why}, so the value is never there",
                        "read a stage that runs before this one",
                        severity=Severity.ERROR,
                    )
                else:
                    yield Finding.at(
                        selector.target.loc,
                        f"'{reader.name}' reads '{target.name}' but does not depend on it; "
                        f"the value is there only if '{target.name}' happens to be scheduled first",
                        f"add '{target.name}' to the dependencies of '{reader.name}'",
                        fix=_add_dependency(reader, target.name) if reader.loc.doc is selector.target.loc.doc else None,
                    )


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
