"""RL514-RL515: the example's `initdata`, as the stages reading `init` receive it."""

from __future__ import annotations

import os
from typing import Iterable, Optional, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis, Loc, Stage, Workflow
from recast_lint.rules.dataflow.literals import brace_problems, literal_strings
from recast_lint.rules.dataflow.templates import ESCAPE_HINT, READDIR
from recast_lint.rules.dataflow.unused import selector_targets, selectors_in
from recast_lint.rules.registry import Finding, rule
from recast_lint.stagepaths import roots


def _reads_init(stage: Stage) -> Optional[Loc]:
    """Where ``stage`` depends on or selects from `init`, or None."""
    for expression in stage.dependencies:
        if isinstance(expression.text, str) and "init" in roots(expression.text):
            return expression.loc
    for parameter in stage.parameters:
        if any("init" in selector_targets(s) for s in selectors_in(parameter.value)):
            return parameter.loc
    return None


def _init_reader(workflow: Optional[Workflow]) -> Optional[Tuple[Stage, Loc]]:
    """The first top-level stage that depends on or selects from `init`, and where it does."""
    for stage in workflow.stages if workflow else []:
        read_at = _reads_init(stage)
        if read_at is not None:
            return stage, read_at
    return None


@rule("RL514", "empty-initdata", Severity.ERROR, "an example's `initdata` is empty while stages read `init`")
def empty_initdata(analysis: Analysis) -> Iterable[Finding]:
    """Catches an example in `recast.yml` whose `initdata` is empty (`{}` or null) while other
    examples give initdata and a stage of the workflow depends on `init` or selects from it.

    Why: yadage creates the `init` stage only when initdata is non-empty, so with this example
    every stage that waits for `init` never runs, and the run reports success having done
    nothing. (When no example gives initdata, RL401/RL408 report each use of `init` instead.)

    Bad:

        example_inputs:
          default:
            initdata: {name: hello}
          quick:
            initdata: {}

    Fixed:

        example_inputs:
          quick:
            initdata: {name: hi}
    """
    entry = analysis.entry
    reader = _init_reader(entry.workflow if entry else None)
    if entry is None or reader is None or not any(example.initdata for example in entry.examples):
        return
    stage, read_at = reader
    for example in entry.examples:
        if example.loc.has("initdata") and not example.initdata:
            where = f"{os.path.relpath(read_at.doc.path, analysis.root)}:{read_at.span().line}"
            yield Finding.at(
                example.loc.child("initdata"),
                f"initdata of example '{example.name}' is empty, so no `init` stage is created and stage '{stage.path}' ({where}) never runs",
                "give the inputs the workflow reads from `init`",
            )


@rule("RL515", "braces-in-initdata", Severity.ERROR, "initdata with braces other than `{readdirN}`")
def braces_in_initdata(analysis: Analysis) -> Iterable[Finding]:
    """Catches `{workdir}` and other braces except `{readdirN}` in initdata values (recast
    examples and `reana.yaml` `inputs.parameters`).

    Why: the `init` stage renders its values with only the read-only input directories
    (`{readdir0}`, ...); it has no workdir, so `{workdir}` raises `KeyError: 'workdir'`, and
    `${VAR}` or JSON text fail the same way.

    Bad:

        initdata: {outdir: '{workdir}/out'}

    Fixed: let the stage that writes the output name it, `outdir: '{workdir}/out'` in its
    parameters.
    """
    for label, loc, value in analysis.initdata_sources():
        if not isinstance(value, dict):
            continue
        for key in value:
            for leaf in literal_strings(loc.child(key)):
                for problem in brace_problems(leaf.value, READDIR):
                    if problem.root == "workdir":
                        hint = "initdata has no workdir; name output paths in the stage parameters with `{workdir}`"
                    else:
                        hint = "only `{readdirN}` (the input directory) is expanded in initdata; " + ESCAPE_HINT
                    yield problem.finding(leaf, f"initdata '{key}' of {label} holds {problem.shown}, which the runtime cannot expand", hint)
