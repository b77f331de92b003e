"""RL507, RL542: parameters a stage passes that its step never reads, and overrides of merged defaults that override nothing."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity, Span
from recast_lint.fix import Applicability
from recast_lint.lazyre import LazyPattern
from recast_lint.load import Merge
from recast_lint.model import SELECTOR_TARGET_KEYS, Analysis, Loc, Stage, Step, Workflow, is_selector
from recast_lint.placeholders import scan
from recast_lint.records import Record
from recast_lint.rules.dataflow.templates import needed_names, parameters_unknown, passes, per_object
from recast_lint.rules.listharm import once_per_analysis
from recast_lint.rules.registry import Finding, closest, rule

_JQ_PATHS_ONLY = LazyPattern(r"[\s.\w\[\]|,]*")
_JQ_NAME = LazyPattern(r"\.([A-Za-z_]\w*)")
_OUTPUT_ROOT = re.compile(r"[A-Za-z_][\w-]*")



def _jq_names(script: Any) -> Optional[Set[str]]:
    """The parameters a par_mounts jq script reads, or None when it may read any of them."""
    if not isinstance(script, str) or not _JQ_PATHS_ONLY.fullmatch(script):
        return None
    names = set(_JQ_NAME.findall(script))
    return names or None


@per_object  # a step thousands of stages share is read once
def _used_by_step(step: Step) -> Optional[Set[str]]:
    """Names the step reads, or None when it may read any parameter (jq over the parameters, manual steps)."""
    process = step.part_value("process")
    if not any(isinstance(process.get(k), str) for k in ("cmd", "script")):
        return None
    if step.part_value("publisher").get("publisher_type") == "fromparjq-pub":
        return None
    used = set(needed_names(step))
    environment = step.part_value("environment")
    workdir = environment.get("workdir")
    if isinstance(workdir, str):
        used.update(f.root for f in scan(workdir)[0])
    mounts = environment.get("par_mounts")
    for mount in mounts if isinstance(mounts, list) else []:
        names = _jq_names(mount.get("jqscript") if isinstance(mount, dict) else None)
        if names is None:
            return None
        used.update(names)
    return used


def selectors_in(value: Any) -> Iterator[Dict[str, Any]]:
    if is_selector(value):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from selectors_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from selectors_in(item)


def selector_targets(selector: Dict[str, Any]) -> List[str]:
    target = next((selector[k] for k in SELECTOR_TARGET_KEYS if k in selector), None)
    return [part.strip() for part in target.split(",")] if isinstance(target, str) else []


def _used_by_workflow(workflow: Workflow) -> Optional[Set[str]]:
    """Names a sub-workflow reads from its `init` (the stage's parameters), or None when unsure."""
    used: Set[str] = set()
    for stage in workflow.stages:
        if parameters_unknown(stage):
            return None
        for parameter in stage.parameters:
            for selector in selectors_in(parameter.value):
                if "init" not in selector_targets(selector):
                    continue
                output = selector.get("output")
                root = _OUTPUT_ROOT.match(output) if isinstance(output, str) else None
                if root is None:
                    return None
                used.add(root.group(0))
    return used


def _used_by_stage(stage: Stage) -> Optional[Set[str]]:
    if parameters_unknown(stage) or stage.case_steps or stage.case_workflows:
        return None
    if stage.step is not None:
        return _used_by_step(stage.step)
    if stage.subworkflow is not None and not _init_read_from_outside(stage):
        return _used_by_workflow(stage.subworkflow)
    return None


def _init_read_from_outside(stage: Stage) -> bool:
    """Whether a sibling stage reads the sub-workflow's `init` directly (`{stages: 'sub[*].init', ...}`)."""
    return any(str(stage.name) in target for target in _init_targets(stage.workflow))


@per_object  # asked for by every sub-workflow stage of the scope
def _init_targets(workflow: Workflow) -> Tuple[str, ...]:
    """The selector targets of the workflow's stages that name an `init`."""
    return tuple(
        target
        for sibling in workflow.stages
        for parameter in sibling.parameters
        for selector in selectors_in(parameter.value)
        for target in selector_targets(selector)
        if "init" in target
    )


@rule("RL507", "unused-parameter", Severity.WARNING, "a parameter the stage passes is never used by its step")
def unused_parameter(analysis: Analysis) -> Iterable[Finding]:
    """Catches stage parameters that the step never reads: not in `cmd`/`script`, not in the
    publisher (outputmap leaves, publish templates), not in `environment.workdir` or a
    `par_mounts` jq script; for a sub-workflow, not read from its `init`.

    Why: the runtime ignores them silently (yadage issue #102), so a misspelt parameter name or a
    leftover goes unnoticed. Steps whose publisher runs jq over all parameters are not checked.

    Bad:

        parameters: {inputfile: ..., outputfile: '{workdir}/out.root', nevents: 1000}
        cmd: 'run {inputfile} {outputfile}'          # nevents is never used

    Fixed: use it (`run -n {nevents} ...`) or remove it.
    """
    overriding = {(id(o.mapping.doc), o.span) for o in misspelt_overrides(analysis)}
    for stage in analysis.all_stages():
        used = _used_by_stage(stage)
        if used is None:
            continue
        missing = [n for n in (needed_names(stage.step) if stage.step else {}) if not passes(stage, n)]
        for parameter in stage.parameters:
            name = str(parameter.key)
            if name in used or closest(name, missing):  # a misspelt name is reported once, where it is read
                continue
            if (id(parameter.key_loc.doc), parameter.key_loc.span(key=True)) in overriding:
                continue  # a misspelt override of a merged default: RL542
            if stage.step is not None:
                target, hint = "its step", f"use it as `{{{name}}}` in the command or publisher, or remove it"
            else:
                target, hint = "its sub-workflow", f"read it in the sub-workflow with `{{step: init, output: {name}}}`, or remove it"
            yield Finding.at(parameter.key_loc, f"parameter '{name}' of stage '{stage.path}' is not used by {target}", hint, key=True)


class Override(Record):
    mapping: Loc  # the mapping that merges `<<: *defaults`
    written: str  # the key written in it, which overrides nothing
    meant: str  # the merged key it misspells
    span: Span  # where the written key is
    where: str  # what the mapping is, for messages


@once_per_analysis
def misspelt_overrides(analysis: Analysis) -> List[Override]:
    """Keys written next to `<<: *defaults` in stage parameters or initdata that nothing reads,
    each a close misspelling of a merged key that is read: the merged default is what runs."""
    found: List[Override] = []
    for mapping, merge, where, read in _merging_mappings(analysis):
        if read is not None:
            found.extend(Override(mapping, written, meant, merge.explicit[_key(merge, written)], where) for written, meant in _misspelt(merge, read))
    return found


def _merging_mappings(analysis: Analysis) -> Iterator[Tuple[Loc, Merge, str, Optional[Set[str]]]]:
    """(mapping, its merge, what it is, the names something reads from it) for the stage parameters and
    initdata that merge `<<: *defaults`. What reads them is asked only for those: most files merge nothing."""
    for stage in analysis.all_stages():
        scheduler = stage.scheduler
        if scheduler is not None and scheduler.doc.merges and isinstance(scheduler.get("parameters"), dict):
            mapping = scheduler.child("parameters")
            merge = mapping.doc.merges.get(mapping.pointer)
            if merge is not None:
                yield mapping, merge, f"the parameters of stage '{stage.path}'", _used_by_stage(stage)
    merging = [(label, loc, loc.doc.merges[loc.pointer]) for label, loc, data in analysis.initdata_sources()
               if isinstance(data, dict) and loc.pointer in loc.doc.merges]
    if not merging:
        return
    read_from_init: Optional[Set[str]] = set()
    for workflow in analysis.all_workflows():
        if workflow.parent is None:
            names = _used_by_workflow(workflow)
            read_from_init = None if names is None or read_from_init is None else read_from_init | names
    for label, loc, merge in merging:
        yield loc, merge, f"the initdata of {label}", read_from_init


def _key(merge: Merge, written: str) -> Any:
    return next(k for k in merge.explicit if str(k) == written)


def _misspelt(merge: Merge, read: Set[str]) -> Iterator[Tuple[str, str]]:
    merged = [str(k) for k in merge.merged]
    explicit = [str(k) for k in merge.explicit]
    candidates = [k for k in merged if k in read and k not in explicit]
    for written in explicit:
        if written in merged or written in read:
            continue
        meant = closest(written, candidates)
        if meant is not None:
            yield written, meant


@rule("RL542", "merge-override-misspelt", Severity.ERROR, "a key next to `<<: *defaults` that overrides nothing, so the default wins", fix=Applicability.UNSAFE)
def merge_override_misspelt(analysis: Analysis) -> Iterable[Finding]:
    """Catches, in stage parameters or initdata that merge defaults with `<<: *anchor`, a key
    written to override a merged one but misspelt: nothing reads it, and the merged key it is
    closest to is read.

    Why: YAML builds the mapping from the merged defaults, then replaces those written again
    under the same name; a misspelt key replaces nothing, so the step silently gets the anchored
    default. Verified with yadage 0.21.2 (`yadage-run`): stage `b` with `<<: *common` and
    `mgs: my message` next to the merged `msg: default message` wrote "default message".

    Bad:

        parameters:
          <<: *common
          nevent: 100          # common has nevents: 10000

    Fixed:

        parameters:
          <<: *common
          nevents: 100
    """
    for override in misspelt_overrides(analysis):
        merge = override.mapping.doc.merges[override.mapping.pointer]
        source = merge.merged[next(k for k in merge.merged if str(k) == override.meant)]
        default = override.mapping.value.get(override.meant) if isinstance(override.mapping.value, dict) else None
        yield Finding(
            override.mapping.doc,
            override.span,
            f"'{override.written}' in {override.where} overrides nothing, so '{override.meant}' keeps the merged default "
            f"{default!r} (line {source.line}); nothing reads '{override.written}'",
            f"rename it to '{override.meant}'",
            fix=fix.make(
                f"rename '{override.written}' to '{override.meant}'",
                [fix.replace_key(override.mapping.child(_key(merge, override.written)), override.meant)],
                safe=False,  # the run then uses the value written, not the default it used so far
            ),
        )
