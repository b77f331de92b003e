"""RL415-RL417: shapes that run but rarely do what was meant (a one-element list, a literal that looks like a selector, `cases` without a default)."""

from __future__ import annotations

from typing import Any, Iterable

from recast_lint.diagnostics import Severity
from recast_lint.model import SELECTOR_TARGET_KEYS, Analysis
from recast_lint.rules.dataflow.multistep import scatters_whole_list
from recast_lint.rules.dataflow.publishers import list_renderings
from recast_lint.rules.dataflow.yaml11 import format_misfits
from recast_lint.rules.graph.cases import undecided
from recast_lint.rules.listharm import speaks_for
from recast_lint.rules.registry import Finding, rule
from recast_lint.stagegraph import Selector, graphs
from recast_lint.stagevalues import single_target


@rule("RL415", "stages-selector-without-unwrap", Severity.INFO, "`{stages: X}` on a single-step stage gives a one-element list")
def stages_selector_without_unwrap(analysis: Analysis) -> Iterable[Finding]:
    """Reports `{stages: X, output: Y}` on a single-step stage (or `init`) without `unwrap: true`
    or `flatten: true`.

    Why: `stages:` always returns a list, one entry per step: the parameter is `['value']`, not
    `'value'`. A command renders it the same, but a frompar-pub passes the list on, and a
    downstream `{x[0]}` gets the whole string. Where the list does real harm, the rule that says
    so reports it instead: scattered (RL526), compared in a `cases` condition (RL419), rendered
    into a publish template (RL530), formatted with a number format (RL541).

    Bad:

        name: {stages: init, output: name}

    Fixed:

        name: {stages: init, output: name, unwrap: true}      # or {step: init, output: name}
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            if selector.key == "step" or selector.value.get("unwrap") or selector.value.get("flatten"):
                continue
            entry = single_target(selector)
            if entry is None or _consequence_reported(analysis, selector):
                continue
            yield Finding.at(
                selector.loc.child(selector.key),
                f"`stages: {selector.target.text}` gives a one-element list, since '{entry.name}' has one step",
                "add `unwrap: true` for the value itself, or use `step:`",
                key=True,
            )


def _consequence_reported(analysis: Analysis, selector: Selector) -> bool:
    """A rule that says what the one-element list breaks here: RL526 (scattered), RL419 (compared in a
    `cases` condition), RL530 (rendered by a publisher). Then that is the one report."""
    return (
        scatters_whole_list(analysis, selector)
        or speaks_for(undecided(analysis), selector)
        or speaks_for(list_renderings(analysis), selector)
        or speaks_for(format_misfits(analysis), selector)
    )


@rule("RL416", "literal-looks-like-selector", Severity.ERROR, "a literal mapping parameter with a `step`, `stages` or `steps` key")
def literal_looks_like_selector(analysis: Analysis) -> Iterable[Finding]:
    """Catches a mapping parameter with a `step`, `stages` or `steps` key whose value is not a
    stage expression (e.g. `cfg: {step: 3}`).

    Why: when `parameters` is a mapping, the loader (yadage-schemas `raw_with_defaults`) turns every
    parameter value that is a mapping with one of these keys into a stage-output selector, so the
    mapping is never passed as data, and yadage then reads the key's value as a stage expression.
    Verified with yadage 0.21.2: `{step: 0.5, max: 10}` fails with `TypeError: 'float' object is not
    subscriptable`, `{stages: 3}` with `TypeError: 'int' object ...`, `{steps: [1, 2]}` with
    `ValueError: Expected a string`. (Written as a `- {key: cfg, value: {step: 3}}` list item, the
    mapping is not converted and reaches the step as data.)

    Bad:

        binning: {step: 0.5, max: 10}

    Fixed: rename the key (`{width: 0.5, max: 10}`), or pass the settings in a file.
    """
    for stage in analysis.all_stages():
        for parameter in stage.parameters:
            value = parameter.value
            if not isinstance(value, dict) or parameter.key_loc.pointer[-1:] == ("key",):
                continue  # a `{key, value}` list item is passed as it is written
            keys = [k for k in SELECTOR_TARGET_KEYS if k in value]
            if keys and not isinstance(value[keys[0]], str):
                error = "ValueError" if isinstance(value[keys[0]], (list, dict)) else "TypeError"
                yield Finding.at(
                    parameter.loc.child(keys[0]),
                    f"this mapping has a `{keys[0]}` key, so the runtime reads it as a stage-output selector, not as data: "
                    f"the run fails with {error} when yadage reads {value[keys[0]]!r} as a stage name",
                    f"rename the `{keys[0]}` key",
                    key=True,
                )


def _always_true(condition: Any) -> bool:
    return condition is True or isinstance(condition, str) and condition.strip() == "true"


@rule("RL417", "cases-without-default", Severity.WARNING, "`cases` with no case that always matches")
def cases_without_default(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `cases` scheduler where no case has `if: 'true'` as a catch-all.

    Why: the runtime evaluates each `if` (a jq expression over the parameters) in order; when
    none matches, the stage schedules nothing, every stage after it never runs, and the only
    trace is an INFO log line. The run still reports success.

    Bad:

        cases:
        - {if: '.n == 0', step: {$ref: 'steps.yml#/empty'}}
        - {if: '.n > 0', step: {$ref: 'steps.yml#/fit'}}      # n < 0 runs nothing

    Fixed:

        cases:
        - {if: '.n == 0', step: {$ref: 'steps.yml#/empty'}}
        - {if: 'true', step: {$ref: 'steps.yml#/fit'}}
    """
    for stage in analysis.all_stages():
        scheduler = stage.scheduler
        cases = scheduler.get("cases") if scheduler is not None else None
        if not isinstance(cases, list) or not cases:
            continue
        if not any(isinstance(case, dict) and _always_true(case.get("if")) for case in cases):
            assert scheduler is not None
            yield Finding.at(
                scheduler.child("cases"),
                f"no case of stage '{stage.name}' always matches; when none does, it silently schedules nothing",
                "end with a catch-all case: `- if: 'true'`",
                key=True,
            )
