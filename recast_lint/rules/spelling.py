"""Which side of a mismatched name is the misspelt one: the spelling that is written nowhere else.

A name travels through an analysis: an initdata key is what `init` publishes, a selector's
`output` reads it, a stage passes it under a parameter name, the step reads that as `{name}`, a
`tests:` entry passes it again, an outputmap publishes it. When two of these places disagree
(`{nmae}` in the step, `name` in the stage) a did-you-mean must fix the wrong one, never copy the
typo into the place that was right. The wrong one is the spelling no other place writes; the right
one is written in other places too. When both are written elsewhere they are two real names (a
`proc_card` is not a misspelt `param_card`), and no rename is offered at all.
"""

from __future__ import annotations

import enum
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

from recast_lint.model import Analysis, Loc, Stage, Step
from recast_lint.rules.dataflow.templates import outputmap_leaves, templates, union_names
from recast_lint.rules.listharm import once_per_analysis
from recast_lint.rules.registry import closest
from recast_lint.stagegraph import graphs
from recast_lint.stagepaths import IDENTIFIER


class Misspelt(enum.Enum):
    WRITTEN = "written"  # the name the rule stands at: the did-you-mean fixes it
    CANDIDATE = "candidate"  # the close name it was compared with: fix that one instead
    NEITHER = "neither"  # both are real names: a rename would pass the wrong value
    UNKNOWN = "unknown"  # neither is written anywhere else: a guess either way


Place = Tuple[Loc, str]  # where, and as what: an outputmap entry writes a name as its key and another as its value


@once_per_analysis
def places(analysis: Analysis) -> Dict[str, List[Place]]:
    """Every place a data-flow name is written: parameter keys, selector outputs, initdata keys,
    `{placeholders}`, outputmap keys and values, publish keys, test parameters, scattered names."""
    found: Dict[str, Dict[Place, None]] = {}

    def add(name: object, loc: Loc, role: str = "name") -> None:
        if isinstance(name, str):
            found.setdefault(name, {})[(loc, role)] = None

    for stage in analysis.all_stages():
        for parameter in stage.parameters:
            add(parameter.key, parameter.key_loc)
        scatter = stage.scheduler.get("scatter") if stage.scheduler is not None else None
        scattered = scatter.get("parameters") if isinstance(scatter, dict) else None
        for index, name in enumerate(scattered if isinstance(scattered, list) else []):
            add(name, stage.scheduler.child("scatter", "parameters", index))
    for graph in graphs(analysis):
        for selector in graph.selectors:
            output = selector.value.get("output")
            match = IDENTIFIER.match(output) if isinstance(output, str) else None
            if match is not None:
                add(match.group(0), selector.loc.child("output"))
    for step in analysis.steps:
        for template in templates(step):
            for field in template.named():
                add(field.root, template.loc)
        for leaf in outputmap_leaves(step):
            add(leaf.value, leaf)
            add(leaf.pointer[-1] if leaf.pointer else None, leaf, "key")  # the output name
        publisher = step.part("publisher")
        if publisher is not None and isinstance(publisher.get("publish"), dict):
            for key in publisher.get("publish"):
                add(key, publisher.child("publish", key))
    for _, loc, data in analysis.initdata_sources():
        for key in data if isinstance(data, dict) else ():
            add(key, loc.child(key))
    for test in analysis.entry.tests if analysis.entry is not None else []:
        parameters = test.loc.get("parameters")
        for key in parameters if isinstance(parameters, dict) else ():
            add(key, test.loc.child("parameters", key))
    return {name: list(locs) for name, locs in found.items()}


def written_elsewhere(analysis: Analysis, name: str, here: Iterable[Loc]) -> int:
    """How many places outside ``here`` (each a place, or a mapping such as a whole step) write ``name``."""
    sides = list(here)
    return sum(1 for loc, _ in places(analysis).get(name, []) if not any(_within(loc, side) for side in sides))


def _within(loc: Loc, side: Loc) -> bool:
    return loc.doc is side.doc and loc.pointer[: len(side.pointer)] == side.pointer


def misspelt(analysis: Analysis, written: str, written_at: Iterable[Loc], candidate: str, candidate_at: Iterable[Loc]) -> Misspelt:
    """Which of ``written`` (where a rule found it) and the close ``candidate`` is the typo."""
    written_count = written_elsewhere(analysis, written, written_at)
    candidate_count = written_elsewhere(analysis, candidate, candidate_at)
    if written_count and candidate_count:
        return Misspelt.NEITHER
    if candidate_count:
        return Misspelt.WRITTEN
    if written_count:
        return Misspelt.CANDIDATE
    return Misspelt.UNKNOWN


def read_at(step: Step, name: str) -> List[Loc]:
    """Where ``step`` reads parameter ``name``: the templates holding `{name}`, the outputmap leaves naming it."""
    found = [template.loc for template in templates(step) if any(field.root == name for field in template.named())]
    return found + [leaf for leaf in outputmap_leaves(step) if leaf.value == name]


def step_side(step: Step) -> List[Loc]:
    """The whole step, as one side of a mismatch: what it writes elsewhere in itself (an output
    named like the parameter) is no evidence for its own spelling."""
    return [step.loc, *step.parts.values()]


def step_misspelling(analysis: Analysis, step: Step, users: Sequence[Stage], name: str) -> Tuple[Optional[str], Misspelt]:
    """For a parameter ``step`` reads that no stage in ``users`` passes: the closest name they pass, and
    which of the two is misspelt (the step's, or the stages')."""
    candidate = closest(name, union_names(users))
    if candidate is None:
        return None, Misspelt.UNKNOWN
    passed = [p.key_loc for stage in users for p in stage.parameters if str(p.key) == candidate]
    return candidate, misspelt(analysis, name, step_side(step), candidate, passed)
