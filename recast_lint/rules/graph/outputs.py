"""RL414: a selector's `output` must be published by the stage (or the initdata) it reads."""

from __future__ import annotations

from typing import Dict, Iterable, Iterator, List, Optional

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability, Fix
from recast_lint.model import Analysis, Loc, Stage
from recast_lint.records import Record
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule, single_close_match
from recast_lint.rules.spelling import Misspelt, misspelt
from recast_lint.stagegraph import ScopeGraph, Selector, graphs, init_sources, initfiles_given, root_of
from recast_lint.stagepaths import IDENTIFIER, Entry, Resolution


class Published(Record):
    """What one source publishes: each output name and where it is written (for a rename hint)."""

    label: Optional[str]  # the initdata source (`example 'default'`), None for a stage
    names: Dict[str, Loc]


def _publisher_outputs(stage: Stage) -> Optional[Dict[str, Loc]]:
    """The output names the step of ``stage`` publishes, or None when only the run knows them."""
    if stage.step is None:
        return None
    publisher_loc = stage.step.part("publisher")
    publisher = stage.step.part_value("publisher")
    kind = publisher.get("publisher_type")
    if kind == "frompar-pub":
        field = "outputmap"
    elif kind in ("interpolated-pub", "constant-pub"):
        field = "publish"
    elif kind == "fromglob-pub":
        key = publisher.get("outputkey")
        return {key: publisher_loc.child("outputkey")} if isinstance(key, str) and publisher_loc is not None else None
    else:
        return None  # fromyaml-pub, fromparjq-pub: what is published is only known at run time
    keys = publisher.get(field)
    if not isinstance(keys, dict) or "$ref" in keys or publisher_loc is None:
        return None
    return {str(k): publisher_loc.child(field, k) for k in keys}


def published_by_target(analysis: Analysis, graph: ScopeGraph, selector: Selector) -> List[str]:
    return published_by(analysis, graph, selector.target.resolution)


def published_by(analysis: Analysis, graph: ScopeGraph, resolution: Optional[Resolution]) -> List[str]:
    """The output names of every stage an expression reaches."""
    names: List[str] = []
    for entry in _reached_entries(resolution):
        for published in _entry_outputs(analysis, graph, entry):
            names.extend(k for k in published.names if k not in names)
    return names


def _output_entries(selector: Selector) -> List[Entry]:
    return _reached_entries(selector.target.resolution)


def _reached_entries(resolution: Optional[Resolution]) -> List[Entry]:
    if resolution is None or resolution.uncertain:
        return []
    return list({id(r.entry.stage): r.entry for r in resolution.reached}.values())


def _registered_values(stage: Stage) -> Dict[str, Loc]:
    """What selecting a sub-workflow stage itself yields: the `register_values` of its inner stages."""
    names: Dict[str, Loc] = {}
    for inner in stage.subworkflow.stages if stage.subworkflow is not None else []:
        registered = inner.scheduler.get("register_values") if inner.scheduler is not None else None
        if isinstance(registered, dict):
            names.update((str(k), inner.scheduler.child("register_values", k)) for k in registered)
    return names


def _entry_outputs(analysis: Analysis, graph: ScopeGraph, entry: Entry) -> List[Published]:
    """What ``entry`` publishes: one per initdata source for `init`, one for a step or a sub-workflow stage."""
    if entry.stage is not None:
        if entry.kind in ("workflow", "multistep-workflow"):
            return [Published(None, _registered_values(entry.stage))]
        outputs = _publisher_outputs(entry.stage) if entry.kind in ("step", "multistep-step") else None
        return [] if outputs is None else [Published(None, outputs)]
    parent = entry.scope.workflow.parent
    if parent is not None:
        if parent.scheduler_type not in ("singlestep-stage", "multistep-stage"):
            return []  # a jq-stage computes the sub-workflow's parameters at run time
        return [Published(None, {str(p.key): p.key_loc for p in parent.parameters})]
    root = root_of(entry.scope.workflow)
    if initfiles_given(analysis, root):
        return []
    result: List[Published] = []
    for label, loc, data in init_sources(analysis, root):
        # an empty initdata adds no `init` stage at all: RL514 says so once, at the example
        if isinstance(data, dict) and data and "$ref" not in data:
            result.append(Published(label, {str(k): loc.child(k) for k in data}))
    return result


def _first_key(output: str) -> Optional[str]:
    match = IDENTIFIER.match(output)
    return match.group(0) if match else None


@rule("RL414", "output-not-published", Severity.ERROR, "a selector's `output` is not published by its stage", fix=Applicability.SAFE)
def output_not_published(analysis: Analysis) -> Iterable[Finding]:
    """Catches a selector `output` that the selected stage does not publish: the `outputmap` keys
    of `frompar-pub`, the `publish` keys of `interpolated-pub`/`constant-pub`, the `outputkey` of
    `fromglob-pub`; for `init`, the initdata keys of *every* example (the message names the
    example that lacks it); inside a sub-workflow, `init` publishes the parameters of the stage
    that runs it. An `output` that is a path (`files[0]`, `a.b`) is checked by its first key.
    `fromyaml-pub` and jq publishers are only known at run time and are not checked.

    Why: the runtime fails with "no matches found in reference selection. selection nme | result
    ...", after everything before the stage has run.

    Bad:

        name: {step: init, output: nme}          # initdata: {name: hello}

    Fixed:

        name: {step: init, output: name}

    Which side is renamed follows the spelling no other place writes: `output: nmae` is fixed in
    the workflow; an initdata key `nam` read by nothing, while the parameter, the step and the test
    all say `name`, is fixed in recast.yml, at that key. When both names are written elsewhere they
    are two real values (`proc_card` is no misspelt `param_card`): inside a sub-workflow the hint
    says to pass the missing one into the parent stage, with the selector to add when the `init`
    around it publishes that name.
    """
    for graph in graphs(analysis):
        for selector in graph.selectors:
            output = selector.value.get("output")
            if not isinstance(output, str):
                continue
            key = _first_key(output)
            if key is None:
                continue  # `$`, `[0]`, `*`: a path the runtime evaluates over the whole result
            for entry in _output_entries(selector):
                published = _entry_outputs(analysis, graph, entry)
                lacking = [source for source in published if output not in source.names and key not in source.names]
                if lacking:
                    yield from _unpublished(analysis, selector, entry, key, published, lacking)


def _rename_output(selector: Selector, key: str, every: List[str]) -> Optional[Fix]:
    """`output: nme` to the one published name it stands for, the name `did you mean` proposes
    (safe: the runtime fails on what is written, after the stages before it ran)."""
    return fix.change_at(selector.loc.child("output"), 0, key, single_close_match(key, every))


def _unpublished(analysis: Analysis, selector: Selector, entry: Entry, key: str, published: List[Published], lacking: List[Published]) -> Iterator[Finding]:
    where = selector.loc.child("output")
    every = {name: loc for source in published for name, loc in source.names.items()}
    candidate = closest(key, sorted(every))
    side = misspelt(analysis, key, [where], candidate, [s.names[candidate] for s in published if candidate in s.names]) if candidate else Misspelt.UNKNOWN
    if side is Misspelt.CANDIDATE:  # what is published is the typo: the name read is written elsewhere too
        for source in lacking if entry.stage is None and entry.scope.workflow.parent is None else published:
            if candidate in source.names:
                yield _rename_published(entry, source, candidate, key)
        return
    suggestion = did_you_mean(key, sorted(every)) if candidate and side is not Misspelt.NEITHER else None
    rename = _rename_output(selector, key, sorted(every)) if suggestion else None
    parent = entry.scope.workflow.parent
    if entry.kind in ("workflow", "multistep-workflow"):
        inner = [str(s.name) for s in entry.stage.subworkflow.stages] if entry.stage and entry.stage.subworkflow else []
        example = f"{entry.name}[*].{inner[0] if inner else 'stage'}"
        yield Finding.at(
            where,
            f"output '{key}' is not a registered value of sub-workflow stage '{entry.name}'",
            suggestion or f"a sub-workflow stage yields only the `register_values` of its stages; select an inner stage, e.g. '{example}'",
            fix=rename,
        )
    elif entry.stage is not None:
        names = ", ".join(sorted(every))
        yield Finding.at(
            where,
            f"output '{key}' is not published by '{entry.name}'",
            suggestion or (f"'{entry.name}' publishes {names}" if every else f"'{entry.name}' publishes no outputs"),
            fix=rename,
        )
    elif parent is not None:
        yield Finding.at(
            where,
            f"output '{key}' is not a parameter of '{parent.name}', and inside its sub-workflow `init` publishes just those",
            suggestion or _pass_into(analysis, parent, key),
            fix=rename,
        )
    elif len(lacking) < len(published):
        yield Finding.at(
            where,
            f"output '{key}' is missing from the initdata of {', '.join(str(source.label) for source in lacking)}",
            f"add '{key}' there; `init` publishes the initdata keys of whichever example runs",
        )
    else:
        yield Finding.at(where, f"output '{key}' is not an initdata key, so `init` does not publish it", suggestion or "add it to the initdata", fix=rename)


def _rename_published(entry: Entry, source: Published, written: str, meant: str) -> Finding:
    """At the published name that is misspelt: the initdata key, the parent's parameter or the publisher's key."""
    if source.label is not None:
        message = f"initdata key '{written}' of {source.label} is read by no stage; the workflow reads '{meant}' from `init`"
    elif entry.stage is None and entry.scope.workflow.parent is not None:
        parent = entry.scope.workflow.parent
        message = f"parameter '{written}' of '{parent.path}' is read by nothing in its sub-workflow, which reads '{meant}' from `init`"
    else:
        message = f"'{entry.name}' publishes '{written}', which no stage reads; a stage reads '{meant}' from it"
    where = source.names[written]
    # safe: nothing reads the name as written, and the runtime fails on the name that is read
    rename = fix.make(f"rename '{written}' to '{meant}'", [fix.replace_key(where, meant)])
    return Finding.at(where, message, f"rename '{written}' to '{meant}'", key=True, fix=rename)


def _pass_into(analysis: Analysis, parent: Stage, key: str) -> str:
    """How to hand ``key`` into the sub-workflow of ``parent``: as one of its parameters, read from
    the `init` of the scope around it when that `init` publishes it."""
    around = next((graph for graph in graphs(analysis) if graph.scope.workflow is parent.workflow), None)
    init = around.scope.entries("init") if around is not None else []
    if any(key in published.names for entry in init for published in _entry_outputs(analysis, around, entry)):
        return f"pass it into '{parent.name}': add `{key}: {{step: init, output: {key}}}` to the parameters of '{parent.name}'"
    return f"pass '{key}' as a parameter of '{parent.name}'"
