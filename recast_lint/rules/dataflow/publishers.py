"""RL508: what a step's publisher reads from its parameters."""

from __future__ import annotations

from typing import Iterable

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis
from recast_lint.rules.dataflow.templates import checked_steps, missing_everywhere, outputmap_leaves, parameter_hint, stage_list, templates, union_names
from recast_lint.rules.registry import Finding, rule
from recast_lint.rules.spelling import Misspelt, step_misspelling


@rule("RL508", "outputmap-unknown-parameter", Severity.ERROR, "a frompar-pub outputmap value names no parameter")
def outputmap_unknown_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `frompar-pub` outputmap value (leaf) that no stage using the step passes as a
    parameter.

    Why: the publisher replaces each leaf by ``parameters[leaf]``; an unknown name raises
    `KeyError` after the step has run. The keys are the published output names; the values must
    be parameter names.

    Bad:

        outputmap:
          outputfile: outfile      # the parameter is `outputfile`

    Fixed:

        outputmap:
          outputfile: outputfile

    A name the command reads as well (`{hepmc}` in `cmd`, `hepmc: hepmc` in the outputmap) is
    reported here too when RL501's fix is a rename, since renaming the command's placeholder
    leaves the outputmap broken; when the fix is to pass the parameter, RL501 alone says so.
    """
    for step, users in checked_steps(analysis):
        names = union_names(users)
        in_templates = {f.root for t in templates(step) for f in t.named()}
        for leaf in outputmap_leaves(step):
            if not missing_everywhere(leaf.value, users):
                continue
            candidate, side = step_misspelling(analysis, step, users, leaf.value)
            if side is Misspelt.CANDIDATE:
                continue  # the stage's parameter is the misspelt one: RL502 reports it there
            if leaf.value in in_templates and (candidate is None or side is Misspelt.NEITHER):
                continue  # passing the parameter, as RL501 says, fixes the command and the outputmap at once
            yield Finding.at(
                leaf,
                f"outputmap value '{leaf.value}' is not a parameter of {stage_list(users)}",
                parameter_hint(leaf.value, names, rename=side is not Misspelt.NEITHER),
            )
