"""What value a stage parameter holds when the runtime applies the stage, as far as the spec tells.

yadage resolves a parameter selector when it applies a stage (``../shared/reference/runtime-semantics.md``
B.2): `{step: X, output: Y}` is the value X published under Y; `{stages: X, output: Y}` is a list with
one entry per step of X, which `unwrap: true` replaces by its sole entry and `flatten: true` joins when
the entries are lists. What a step publishes is known from the spec for `init` (the example's
initdata), `frompar-pub` (the value of the parameter it names), `constant-pub` (the literal) and
`interpolated-pub` without `glob` (one string per template); `fromglob-pub` always publishes a list.
`fromyaml-pub` and the jq publishers are known only at run time, and so is anything reached through
a selector this module does not model: such a value is unknown, never guessed.

The rules that judge scatters (RL52x) and `cases` conditions (RL41x) read values from here.
"""

from __future__ import annotations

from typing import Any, List, Optional

from recast_lint.model import Analysis, Loc, Parameter, Stage, is_selector
from recast_lint.records import Record
from recast_lint.stagegraph import Selector, graphs, init_sources, initfiles_given, root_of
from recast_lint.stagepaths import Entry

_GLOB_CHARS = "*?["
_MAX_DEPTH = 8  # parameters that forward a selector that forwards a selector...; real chains are short


class Value(Record):
    """A value as jq and Python see it: its kind, and what is known about it."""

    kind: str  # null | boolean | number | string | array | object
    length: Optional[int] = None  # an array's number of elements, when known
    loc: Optional[Loc] = None  # where the value is written, when it is a literal of the spec or initdata
    wrapped: Optional[Selector] = None  # a one-element list made by this `{stages: X}` selector without `unwrap`

    @property
    def is_list(self) -> bool:
        return self.kind == "array"

    @property
    def is_scalar(self) -> bool:
        return self.kind in ("null", "boolean", "number", "string")


class Sourced(Record):
    """A value and the initdata it comes from (`example 'default'`), or None when it is the same for every run."""

    source: Optional[str]
    value: Optional[Value]  # None: known only at run time


def kind_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def literal(value: Any, loc: Optional[Loc]) -> Optional[Value]:
    """The value of a literal written in the spec; None for a selector or typed value inside it."""
    if isinstance(value, dict) and (is_selector(value) or "$type" in value or "expression_type" in value):
        return None
    return Value(kind_of(value), len(value) if isinstance(value, list) else None, loc)


def selector_of(analysis: Analysis, stage: Stage, parameter: Parameter) -> Optional[Selector]:
    index = analysis.cache.get("selectors-by-parameter")
    if index is None:
        index = {(id(s.stage), str(s.parameter.key)): s for graph in graphs(analysis) for s in graph.selectors}
        analysis.cache["selectors-by-parameter"] = index
    return index.get((id(stage), str(parameter.key)))


def single_target(selector: Selector) -> Optional[Entry]:
    """The one step the selector reads: `init` or a single-step stage, named directly in its scope."""
    resolution = selector.target.resolution
    if resolution is None or not selector.target.understood or len(resolution.reached) != 1:
        return None
    reached = resolution.reached[0]
    if reached.level == "stage" and reached.via is reached.entry and reached.entry.kind in ("init", "step"):
        return reached.entry
    return None


def selects_many_steps(selector: Selector) -> bool:
    """Whether `stages:` names only multistep stages directly: a list with one entry per scattered step."""
    resolution = selector.target.resolution
    if resolution is None or not selector.target.understood or not resolution.reached:
        return False
    return all(r.level == "stage" and r.via is r.entry and r.entry.kind == "multistep-step" for r in resolution.reached)


def parameter_values(analysis: Analysis, stage: Stage, parameter: Parameter, depth: int = 0) -> List[Sourced]:
    """The value ``parameter`` holds when ``stage`` is applied: one entry per initdata it depends on."""
    if not is_selector(parameter.value):
        return [Sourced(None, literal(parameter.value, parameter.loc))]
    selector = selector_of(analysis, stage, parameter)
    if selector is None or depth > _MAX_DEPTH:
        return [Sourced(None, None)]
    return selected_values(analysis, selector, depth)


def selected_values(analysis: Analysis, selector: Selector, depth: int = 0) -> List[Sourced]:
    output = selector.value.get("output")
    entry = single_target(selector)
    if selector.key == "step":
        return published(analysis, entry, output, depth) if entry is not None else [Sourced(None, None)]
    if entry is None:
        many = selects_many_steps(selector)
        return [Sourced(None, Value("array") if many and not selector.value.get("unwrap") else None)]
    outputs = published(analysis, entry, output, depth)
    if selector.value.get("unwrap"):
        return outputs
    if selector.value.get("flatten"):
        return [Sourced(s.source, s.value if s.value and s.value.is_list else Value("array", 1)) for s in outputs]
    return [Sourced(s.source, Value("array", 1, wrapped=selector)) for s in outputs]


def published(analysis: Analysis, entry: Entry, output: Any, depth: int) -> List[Sourced]:
    """What ``entry`` (`init` or a single-step stage) publishes under the plain key ``output``."""
    unknown = [Sourced(None, None)]
    if not isinstance(output, str):
        return unknown
    if entry.stage is None:
        return _init_published(analysis, entry, output, depth)
    step = entry.stage.step
    publisher = step.part_value("publisher") if step is not None else {}
    kind = publisher.get("publisher_type")
    if kind == "frompar-pub":
        outputmap = publisher.get("outputmap")
        name = outputmap.get(output) if isinstance(outputmap, dict) else None
        forwarded = next((p for p in entry.stage.parameters if str(p.key) == name), None)
        return parameter_values(analysis, entry.stage, forwarded, depth + 1) if forwarded is not None else unknown
    if kind == "fromglob-pub":
        return [Sourced(None, Value("array"))] if publisher.get("outputkey") == output else unknown
    publish = publisher.get("publish")
    if kind not in ("constant-pub", "interpolated-pub") or not isinstance(publish, dict) or output not in publish:
        return unknown
    value = publish[output]
    if kind == "interpolated-pub":
        if publisher.get("glob"):
            return unknown  # the matches when there are any, else the pattern string
        return [Sourced(None, Value(kind_of(value), len(value) if isinstance(value, list) else None))]
    step_loc = step.part("publisher") if step is not None else None
    return [Sourced(None, literal(value, step_loc.child("publish", output) if step_loc else None))]


def _init_published(analysis: Analysis, entry: Entry, output: str, depth: int) -> List[Sourced]:
    parent = entry.scope.workflow.parent
    if parent is not None:
        # a sub-workflow's `init` publishes the parameters of the stage that runs it
        scattered = parent.scheduler.get("scatter") if parent.scheduler is not None else None
        names = scattered.get("parameters") if isinstance(scattered, dict) else None
        if parent.scheduler_type != "singlestep-stage" and (not isinstance(names, list) or output in names):
            return [Sourced(None, None)]  # one element of the scattered list
        forwarded = next((p for p in parent.parameters if str(p.key) == output), None)
        return parameter_values(analysis, parent, forwarded, depth + 1) if forwarded is not None else [Sourced(None, None)]
    root = root_of(entry.scope.workflow)
    if initfiles_given(analysis, root):
        return [Sourced(None, None)]
    found: List[Sourced] = []
    for label, loc, data in init_sources(analysis, root):
        if not isinstance(data, dict) or not data or "$ref" in data or output not in data:
            continue  # no `init` at all, or a missing key: RL514 and RL414 say so
        value = data[output]
        if isinstance(value, str) and any(c in value for c in _GLOB_CHARS):
            found.append(Sourced(label, None))  # `init` globs its strings: a pattern becomes the list of matches
        else:
            found.append(Sourced(label, literal(value, loc.child(output))))
    return found or [Sourced(None, None)]


def positive_count(value: Any) -> bool:
    """A `batchsize` or `partitionsize` yadage groups by: a positive integer (a boolean is not one)."""
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def grouped_length(length: int, scheduler: Loc) -> int:
    """How many values a scattered list of ``length`` becomes after `batchsize`/`partitionsize`."""
    batchsize, partitionsize = scheduler.get("batchsize"), scheduler.get("partitionsize")
    if positive_count(batchsize):
        return -(-length // batchsize)
    if positive_count(partitionsize):
        return min(partitionsize, length)
    return length
