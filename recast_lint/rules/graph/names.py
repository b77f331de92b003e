"""RL402-RL404: stage names the runtime cannot address, duplicates, and a stage called `init`."""

from __future__ import annotations

import re
from typing import Dict, Iterable

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis, Stage
from recast_lint.rules.registry import Finding, rule
from recast_lint.stagegraph import graphs
from recast_lint.stagepaths import (
    IDENTIFIER,
)


def _rename(name: str) -> str:
    fixed = re.sub(r"[^A-Za-z0-9_@-]+", "_", name).strip("_") or "stage"
    if not IDENTIFIER.match(fixed) or fixed == "where":
        fixed = f"stage_{fixed}"
    return fixed


@rule("RL402", "unaddressable-stage-name", Severity.WARNING, "a stage name that dependency expressions cannot name")
def unaddressable_stage_name(analysis: Analysis) -> Iterable[Finding]:
    """Catches stage names that are not one jsonpath-rw identifier (`[A-Za-z_@][A-Za-z0-9_@-]*`,
    not the reserved word `where`): `1stage`, `hello world`, `hello.world`, `a$b`.

    Why: dependencies and selectors are JSONPath. `1stage` and `hello world` are parse errors when
    the dependant is scheduled; `hello.world` reads as stage `hello`, field `world`, so its
    dependants silently never run. An error when some expression in the workflow names the stage,
    a warning otherwise (nothing can depend on it or read its outputs).

    Bad:

        - name: hello.world
        - name: plot
          dependencies: [hello.world]

    Fixed:

        - name: hello_world
        - name: plot
          dependencies: [hello_world]
    """
    for graph in graphs(analysis):
        for stage in graph.unaddressable:
            name = stage.name
            if "." in name:
                why = f"an expression reads it as stage '{name.split('.')[0]}', field '{name.split('.', 1)[1]}'"
            elif name == "where":
                why = "'where' is a reserved word of the expression language"
            else:
                why = "it is not one identifier, so an expression naming it fails to parse"
            referenced = graph.names_referenced(name)
            yield Finding.at(
                stage.loc.child("name"),
                f"stage name '{name}' cannot be used in dependencies or selectors: {why}",
                f"rename it to '{_rename(name)}'" + (" and update the expressions that name it" if referenced else ""),
                severity=Severity.ERROR if referenced else None,
            )


@rule("RL403", "duplicate-stage-name", Severity.ERROR, "two stages in one workflow share a name")
def duplicate_stage_name(analysis: Analysis) -> Iterable[Finding]:
    """Catches two stages with the same name in one workflow (each sub-workflow is its own scope).

    Why: both write into the same work directory `<run>/<name>`, a dependency on the name waits for
    both, and `{step: name, ...}` fails with a bare `AssertionError` because it selects two steps.

    Bad:

        - name: fit
          ...
        - name: fit

    Fixed: give each stage its own name (`fit_signal`, `fit_control`).
    """
    for graph in graphs(analysis):
        first: Dict[str, Stage] = {}
        for stage in graph.stages:
            if not isinstance(stage.name, str):
                continue
            if stage.name in first:
                earlier = first[stage.name]
                yield Finding.at(
                    stage.loc.child("name"),
                    f"stage name '{stage.name}' is already used in this workflow (line {earlier.loc.child('name').span().line})",
                    "rename one of them; both would write to the same directory and `{step: ...}` on the name fails",
                )
            else:
                first[stage.name] = stage


@rule("RL404", "stage-named-init", Severity.ERROR, "a stage named `init`")
def stage_named_init(analysis: Analysis) -> Iterable[Finding]:
    """Catches a stage named `init`.

    Why: the runtime adds its own `init` stage holding the initdata (in a sub-workflow: the
    parameters of the stage that runs it). With a second `init`, `{step: init, ...}` selects two
    steps and fails with `AssertionError`, and both write `<run>/init`. A warning where the runtime
    adds no `init` (no initdata), since the clash appears as soon as initdata is given.

    Bad:

        - name: init
          scheduler: ...

    Fixed:

        - name: prepare
          scheduler: ...
    """
    for graph in graphs(analysis):
        for stage in graph.stages:
            if stage.name == "init":
                yield Finding.at(
                    stage.loc.child("name"),
                    "stage name 'init' clashes with the `init` stage the runtime adds for the initdata",
                    "rename the stage, e.g. 'prepare'",
                    severity=None if graph.scope.has_init else Severity.WARNING,
                )
