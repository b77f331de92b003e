"""RL601-RL605, RL614: the catalogue entry's name, examples and `results`."""

from __future__ import annotations

import fnmatch
import os
import re
from typing import Iterable, List, Optional, Set, Tuple

from recast_lint import fix
from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability
from recast_lint.model import Analysis, Stage
from recast_lint.rules.catalogue.ci import ci_name_instead, well_formed
from recast_lint.rules.catalogue.common import entry_data, list_items
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule, single_close_match

PLACEHOLDER = re.compile(r"\{[^{}]*\}")
YAML_SUFFIXES = (".yml", ".yaml", ".json")
RUN_DIR_ENTRIES = ("_yadage", "init")  # written into `recast-<tag>/` besides the stage directories
SCATTERING = ("multistep-stage", "jq-stage")  # their steps are named `<stage>_<i>`



@rule("RL601", "entry-name", Severity.WARNING, "the entry `name` is not `<group>/<identifier>`")
def entry_name(analysis: Analysis) -> Iterable[Finding]:
    """Catches a catalogue `name` that is not of the form `<group>/<identifier>`.

    Why: recast-atlas keys its catalogue by `name`; two entries with the same name (for example two
    copies of the template's `examples/helloworld`) overwrite each other silently, in arbitrary
    order. The `<group>/<identifier>` convention keeps names unique and tells `recast catalogue ls`
    readers whose analysis it is.

    Bad:

        name: helloworld

    Fixed:

        name: atlas/atlas-conf-2018-041
    """
    name = entry_data(analysis).get("name")
    # when the CI job runs a well-formed name, RL630 says to rename the entry to it, at this place
    if isinstance(name, str) and not well_formed(name) and ci_name_instead(analysis) is None:
        yield Finding.at(
            analysis.entry.loc.child("name"),
            f"catalogue name {name!r} is not of the form `<group>/<identifier>`",
            "name it after your group and analysis, e.g. `atlas/atlas-conf-2018-041`",
        )


@rule("RL602", "no-default-example", Severity.ERROR, "`example_inputs` has no `default` example", fix=Applicability.SAFE)
def no_default_example(analysis: Analysis) -> Iterable[Finding]:
    """Catches a catalogue entry with no `example_inputs` at all, or none named `default`.

    Why: `recast run NAME` without `--example` runs `example_inputs.default`; without it the run
    stops with "Example 'default' not found", and without any `example_inputs` with a `KeyError`.
    The CI job of the RECAST guide runs exactly `recast run NAME --tag ...`.

    Bad:

        example_inputs:
          signal:
            initdata: {mass: '1000'}

    Fixed:

        example_inputs:
          default:
            initdata: {mass: '1000'}
    """
    data = entry_data(analysis)
    if not data or "spec" not in data:
        return
    loc = analysis.entry.loc.child("example_inputs")
    examples = data.get("example_inputs")
    if not isinstance(examples, dict) or not examples:
        where = loc if "example_inputs" in data else analysis.entry.loc.child("name")
        yield Finding.at(
            where,
            "the entry has no `example_inputs`, so `recast run` has nothing to run",
            "add `example_inputs: {default: {initdata: {...}}}` with the inputs of a typical run",
            key=True,
        )
    elif "default" not in examples:
        misspelt = closest("default", list(examples))
        # safe: `recast run NAME` fails now, and the example renamed is the one it then runs
        rename = fix.rename_key(loc.child(misspelt), "default") if misspelt and single_close_match("default", list(examples)) else None
        yield Finding.at(
            loc,
            "`example_inputs` has no `default` example, which `recast run NAME` runs",
            f"rename '{misspelt}' to 'default'" if misspelt else "rename the main example to `default`",
            key=True,
            fix=rename,
        )


def _run_dir_names(stages: List[Stage]) -> Tuple[Set[str], List[str]]:
    """The exact top-level names of the run directory, and the stages that write `<stage>_<i>` instead."""
    scattered = [stage.name for stage in stages if stage.scheduler_type in SCATTERING]
    exact = {stage.name for stage in stages if stage.name not in scattered}
    return exact | set(RUN_DIR_ENTRIES), scattered


@rule("RL603", "result-not-in-a-stage", Severity.ERROR, "a result `relpath` does not start with a stage name", fix=Applicability.SAFE)
def result_not_in_a_stage(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `results[].relpath` whose first directory is not a top-level stage of the workflow.

    Why: each stage writes into `recast-<tag>/<stage>` (`<stage>/<inner>` for the stages of a
    sub-workflow), but the steps of a multistep stage write `<stage>_0`, `<stage>_1`, ... and
    nothing writes `<stage>/`; after a run that succeeded, recast-atlas opens
    `recast-<tag>/<relpath>` and fails with `FileNotFoundError`. Verified with recast-atlas 0.4.2
    (`recast run --backend local`): a multistep `scan` wrote `scan_0/` and `scan_1/`, and
    `relpath: scan/point.txt` failed with `FileNotFoundError: 'recast-t1/scan/point.txt'` after
    "workflow completed successfully".

    Bad:

        results:
          - name: greeting
            relpath: helloworld/hello_world.txt     # the stage is hello_world

    Fixed:

        results:
          - name: greeting
            relpath: hello_world/hello_world.txt
    """
    entry = analysis.entry
    if not entry_data(analysis) or entry.workflow is None:
        return
    written = entry.workflow.loc.get("stages")
    stages = entry.workflow.stages
    if not isinstance(written, list) or len(written) != len(stages) or not all(isinstance(stage.name, str) for stage in stages):
        return  # a stage that could not be read (reported elsewhere) may be the one a result lives in
    exact, scattered = _run_dir_names(stages)
    for item_loc, item in list_items(entry.loc.child("results")):
        relpath = item.get("relpath") if isinstance(item, dict) else None
        if not isinstance(relpath, str) or not relpath.strip() or os.path.isabs(relpath):
            continue
        first, _, rest = os.path.normpath(relpath).partition(os.sep)
        if first in exact or any(re.fullmatch(re.escape(name) + r"_\d+", first) for name in scattered):
            continue
        if first in scattered:
            yield Finding.at(
                item_loc.child("relpath"),
                f"'{first}' is a multistep stage: its steps write '{first}_0', '{first}_1', ..., and nothing writes '{first}/'",
                f"point at one step's output, e.g. '{first}_0/{rest or '<file>'}', or gather the steps' outputs in a single-step stage",
            )
            continue
        stage_names = sorted(exact - set(RUN_DIR_ENTRIES))
        meant = single_close_match(first, stage_names) if relpath.startswith(first) else None
        # safe: recast-atlas fails to open what is written, once the run is done
        rename = fix.change_at(item_loc.child("relpath"), 0, first, meant)
        yield Finding.at(
            item_loc.child("relpath"),
            f"result path starts with {first!r}, which is not a stage of the workflow",
            did_you_mean(first, stage_names) or "start the path with the name of the stage that writes the file",
            fix=rename,
        )


def _named_outputs(stage: Stage) -> Optional[Set[str]]:
    """Files a single-step stage names in its own workdir, as glob patterns relative to it: literal
    `'{workdir}/<file>'` parameters and `{workdir}/<file>` publish templates (a `{placeholder}` in
    them matches anything). None when the command may write any file there: the stage passes the
    workdir itself (`'{workdir}'`), or the step runs in it (`localproc-env`, `environment.workdir`)."""
    named: Set[str] = set()
    texts = [p.value for p in stage.parameters if isinstance(p.value, str)]
    if any(os.path.normpath(text) == "{workdir}" for text in texts):
        return None
    if stage.step is not None:
        environment = stage.step.part_value("environment")
        if environment.get("environment_type") == "localproc-env" or environment.get("workdir"):
            return None
        publisher = stage.step.part_value("publisher")
        if publisher.get("publisher_type") == "interpolated-pub" and isinstance(publisher.get("publish"), dict):
            texts += [v for v in publisher["publish"].values() if isinstance(v, str)]
    for text in texts:
        if text.startswith("{workdir}/"):
            named.add(PLACEHOLDER.sub("*", os.path.normpath(text[len("{workdir}/") :])))
    return named


def _names(path: str, pattern: str) -> bool:
    """Whether the result ``path`` is the file ``pattern`` names, or lies in a directory it names."""
    return fnmatch.fnmatchcase(path, pattern) or fnmatch.fnmatchcase(path, pattern + os.sep + "*")


@rule("RL614", "result-file-not-written", Severity.WARNING, "a result names a file its stage does not name among its outputs")
def result_file_not_written(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `results[].relpath` whose stage is right but whose file is none of the files that
    stage names in its workdir (its literal `'{workdir}/<file>'` parameters and publish templates).

    Why: recast-atlas opens `recast-<tag>/<relpath>` after the run; a misspelt file name fails with
    `FileNotFoundError` only once the whole workflow has run. Only stages that name their outputs
    literally are checked; a result inside a named directory counts, a `{placeholder}` in a named
    path matches any text, and paths with `*` or `{` are skipped. A stage that passes its workdir
    itself (`outdir: '{workdir}'`), or whose step runs in its workdir (`localproc-env`,
    `environment.workdir`), lets its command name files (`> {outdir}/result.json`), so it is
    not checked.

    Bad:

        parameters: {outputfile: '{workdir}/hello_world.txt'}     # stage hello_world
        relpath: hello_world/hello.txt

    Fixed:

        relpath: hello_world/hello_world.txt
    """
    entry = analysis.entry
    if not entry_data(analysis) or entry.workflow is None:
        return
    stages = {stage.name: stage for stage in entry.workflow.stages if stage.scheduler_type == "singlestep-stage"}
    for item_loc, item in list_items(entry.loc.child("results")):
        relpath = item.get("relpath") if isinstance(item, dict) else None
        if not isinstance(relpath, str) or os.path.isabs(relpath) or any(c in relpath for c in "*?[{"):
            continue
        first, _, rest = os.path.normpath(relpath).partition(os.sep)
        stage = stages.get(first)
        named = _named_outputs(stage) if stage is not None and rest else None
        # a named output may be a directory the result lies in (`{workdir}/limits` and `limits/cls.json`)
        if named and not any(_names(rest, pattern) for pattern in named):
            yield Finding.at(
                item_loc.child("relpath"),
                f"stage '{first}' writes {', '.join(sorted(named))}, not {rest!r}",
                did_you_mean(rest, sorted(named)) or "name one of the files the stage writes",
            )


@rule("RL604", "result-absolute-path", Severity.ERROR, "a result `relpath` is absolute")
def result_absolute_path(analysis: Analysis) -> Iterable[Finding]:
    """Catches an absolute `results[].relpath`.

    Why: recast-atlas opens `os.path.join('recast-<tag>', relpath)`, and joining an absolute path
    throws the run directory away: it reads that path on the host, which is not where the run wrote.

    Bad:

        relpath: /tmp/recast-myrun/fit/limits.json

    Fixed:

        relpath: fit/limits.json
    """
    if not entry_data(analysis):
        return
    for item_loc, item in list_items(analysis.entry.loc.child("results")):
        relpath = item.get("relpath") if isinstance(item, dict) else None
        if isinstance(relpath, str) and os.path.isabs(relpath):
            yield Finding.at(
                item_loc.child("relpath"),
                "result path is absolute; it must be relative to the run directory `recast-<tag>/`",
                "write it as `<stage>/<file>`",
            )


@rule("RL605", "result-not-yaml", Severity.WARNING, "`load_yaml: true` on a file that is not YAML or JSON")
def result_not_yaml(analysis: Analysis) -> Iterable[Finding]:
    """Catches `load_yaml: true` on a result whose extension is not `.yml`, `.yaml` or `.json`.

    Why: recast-atlas parses the file with `yaml.safe_load` to print it; a ROOT file or a log does
    not parse, and a plain text file prints as one string.

    Bad:

        - name: limits
          relpath: fit/limits.root
          load_yaml: true

    Fixed: drop `load_yaml`, or point it at a YAML/JSON summary the step writes.
    """
    if not entry_data(analysis):
        return
    for item_loc, item in list_items(analysis.entry.loc.child("results")):
        if not isinstance(item, dict) or item.get("load_yaml") is not True:
            continue
        relpath = item.get("relpath")
        if isinstance(relpath, str) and not relpath.lower().endswith(YAML_SUFFIXES):
            yield Finding.at(
                item_loc.child("load_yaml"),
                f"`load_yaml: true` but {os.path.basename(relpath)!r} is not a YAML or JSON file",
                "remove `load_yaml`, or publish a .yml/.json summary",
                key=True,
            )
