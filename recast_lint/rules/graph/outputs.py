"""RL414: a selector's `output` must be published by the stage (or the initdata) it reads."""

from __future__ import annotations

from typing import Any, Iterable, List, Optional, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability, Fix
from recast_lint.model import Analysis, Stage
from recast_lint.rules.registry import Finding, did_you_mean, rule, single_close_match
from recast_lint.stagegraph import ScopeGraph, Selector, graphs, init_sources, initfiles_given, root_of
from recast_lint.stagepaths import (
    IDENTIFIER,
    Entry,
)


def _publisher_outputs(stage: Stage) -> Optional[List[str]]:
    """The output names the step of ``stage`` publishes, or None when only the run knows them."""
    if stage.step is None:
        return None
    publisher = stage.step.part_value("publisher")
    kind = publisher.get("publisher_type")
    if kind == "frompar-pub":
        keys = publisher.get("outputmap")
    elif kind in ("interpolated-pub", "constant-pub"):
        keys = publisher.get("publish")
    elif kind == "fromglob-pub":
        key = publisher.get("outputkey")
        return [key] if isinstance(key, str) else None
    else:
        return None  # fromyaml-pub, fromparjq-pub: what is published is only known at run time
    if not isinstance(keys, dict) or "$ref" in keys:
        return None
    return [str(k) for k in keys]


def published_by_target(analysis: Analysis, graph: ScopeGraph, selector: Selector) -> List[str]:
    names: List[str] = []
    for entry in _output_entries(selector):
        for _, keys in _entry_outputs(analysis, graph, entry):
            names.extend(k for k in keys if k not in names)
    return names


def _output_entries(selector: Selector) -> List[Entry]:
    resolution = selector.target.resolution
    if resolution is None or resolution.uncertain:
        return []
    return list({id(r.entry.stage): r.entry for r in resolution.reached}.values())


def _registered_values(stage: Stage) -> List[str]:
    """What selecting a sub-workflow stage itself yields: the `register_values` of its inner stages."""
    names: List[str] = []
    for inner in stage.subworkflow.stages if stage.subworkflow is not None else []:
        registered = inner.scheduler.get("register_values") if inner.scheduler is not None else None
        if isinstance(registered, dict):
            names.extend(str(k) for k in registered)
    return names


def _entry_outputs(analysis: Analysis, graph: ScopeGraph, entry: Entry) -> List[Tuple[Optional[str], List[str]]]:
    """(source, published names) pairs: one per initdata source for `init`, one for a step or a
    sub-workflow stage."""
    if entry.stage is not None:
        if entry.kind in ("workflow", "multistep-workflow"):
            return [(None, _registered_values(entry.stage))]
        outputs = _publisher_outputs(entry.stage) if entry.kind in ("step", "multistep-step") else None
        return [] if outputs is None else [(None, outputs)]
    parent = entry.scope.workflow.parent
    if parent is not None:
        if parent.scheduler_type not in ("singlestep-stage", "multistep-stage"):
            return []  # a jq-stage computes the sub-workflow's parameters at run time
        return [(None, [str(p.key) for p in parent.parameters])]
    root = root_of(entry.scope.workflow)
    if initfiles_given(analysis, root):
        return []
    result: List[Tuple[Optional[str], List[str]]] = []
    for label, _, data in init_sources(analysis, root):
        # an empty initdata adds no `init` stage at all: RL514 says so once, at the example
        if isinstance(data, dict) and data and "$ref" not in data:
            result.append((label, [str(k) for k in data]))
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
                lacking = [label for label, keys in published if output not in keys and key not in keys]
                if lacking:
                    yield _unpublished(selector, entry, key, published, lacking)


def _rename_output(selector: Selector, key: str, every: List[str]) -> Optional[Fix]:
    """`output: nme` to the one published name it stands for, the name `did you mean` proposes
    (safe: the runtime fails on what is written, after the stages before it ran)."""
    meant = single_close_match(key, every)
    if meant is None:
        return None
    return fix.make(f"change '{key}' to '{meant}'", [fix.replace_at(selector.loc.child("output"), 0, key, meant)])


def _unpublished(selector: Selector, entry: Entry, key: str, published: List[Tuple[Optional[str], List[str]]], lacking: List[Any]) -> Finding:
    where = selector.loc.child("output")
    every = sorted({k for _, keys in published for k in keys})
    rename = _rename_output(selector, key, every)
    parent = entry.scope.workflow.parent
    if entry.kind in ("workflow", "multistep-workflow"):
        inner = [str(s.name) for s in entry.stage.subworkflow.stages] if entry.stage and entry.stage.subworkflow else []
        example = f"{entry.name}[*].{inner[0] if inner else 'stage'}"
        return Finding.at(
            where,
            f"output '{key}' is not a registered value of sub-workflow stage '{entry.name}'",
            did_you_mean(key, every) or f"a sub-workflow stage yields only the `register_values` of its stages; select an inner stage, e.g. '{example}'",
            fix=rename,
        )
    if entry.stage is not None:
        hint = did_you_mean(key, every) or f"'{entry.name}' publishes no outputs"
        return Finding.at(where, f"output '{key}' is not published by '{entry.name}'", hint, fix=rename)
    if parent is not None:
        return Finding.at(
            where,
            f"output '{key}' is not a parameter of '{parent.name}', and inside its sub-workflow `init` publishes just those",
            did_you_mean(key, every) or f"pass '{key}' as a parameter of '{parent.name}'",
            fix=rename,
        )
    if len(lacking) < len(published):
        return Finding.at(
            where,
            f"output '{key}' is missing from the initdata of {', '.join(str(label) for label in lacking)}",
            f"add '{key}' there; `init` publishes the initdata keys of whichever example runs",
        )
    hint = did_you_mean(key, every) or "add it to the initdata"
    return Finding.at(where, f"output '{key}' is not an initdata key, so `init` does not publish it", hint, fix=rename)
