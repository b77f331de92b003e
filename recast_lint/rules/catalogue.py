"""RL6xx: the catalogue entry, REANA specs and the CI file.

What `recast run`, `recast tests run`, REANA and a GitLab CI job do with `recast.yml`, `reana.yaml`
and `.gitlab-ci.yml` (``../shared/reference/runtime-semantics.md`` A.3, C.1, C.5, C.6 and E R4–R14,
C1, C3).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Dict, Iterable, Iterator, List, Optional, Set, Tuple

from recast_lint.diagnostics import Severity, Span
from recast_lint.load import Document
from recast_lint.model import REMOTE_PREFIXES, Analysis, InputDir, Loc, ReanaSpec, Stage, Step, Test
from recast_lint.rules.dataflow import needed_parameters
from recast_lint.rules.registry import Finding, closest, did_you_mean, rule

ENTRY_NAME = re.compile(r"[^/\s]+/[^/\s]+")
TEMPLATED = re.compile(r"\$|\{\{")  # a template (`$name`, `{{ cookiecutter.name }}`) is filled in before use
YAML_SUFFIXES = (".yml", ".yaml", ".json")
RUN_DIR_ENTRIES = ("_yadage", "init")  # written into `recast-<tag>/` besides the stage directories
CI_SCRIPT_KEYS = ("before_script", "script", "after_script")
CI_NAMED_COMMAND = re.compile(r"\brecast\s+(run|catalogue\s+(?:check|describe))\s+(['\"]?)([^\s;|&)'\"]+)\2")
RECASTATLAS_IMAGE = re.compile(r"^(?:[^/]+\.[^/]+/)?recast/recastatlas(?P<rest>[:@].*)?$")
UNPINNED_TAGS = ("latest", "latest-stable")
CI_RECAST_RUN = re.compile(r"\brecast\s+run\b")
CI_TAG_OPTION = re.compile(r"\s--tag[=\s]+(['\"]?)([^\s;|&'\"]+)\1")


def _entry_data(analysis: Analysis) -> Dict[str, Any]:
    """The parsed `recast.yml` of a catalogue entry (not an index file), or an empty mapping."""
    entry = analysis.entry
    if entry is None or not entry.doc.ok or entry.is_index or not isinstance(entry.doc.data, dict):
        return {}
    return entry.doc.data


def _list_items(loc: Loc) -> Iterator[Tuple[Loc, Any]]:
    value = loc.value
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield loc.child(index), item


# -- the catalogue entry ------------------------------------------------------------------------


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
    name = _entry_data(analysis).get("name")
    if isinstance(name, str) and not ENTRY_NAME.fullmatch(name) and not TEMPLATED.search(name):
        yield Finding.at(
            analysis.entry.loc.child("name"),
            f"catalogue name {name!r} is not of the form `<group>/<identifier>`",
            "name it after your group and analysis, e.g. `atlas/atlas-conf-2018-041`",
        )


@rule("RL602", "no-default-example", Severity.ERROR, "`example_inputs` has no `default` example")
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
    data = _entry_data(analysis)
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
        yield Finding.at(
            loc,
            "`example_inputs` has no `default` example, which `recast run NAME` runs",
            f"rename '{misspelt}' to 'default'" if misspelt else "rename the main example to `default`",
            key=True,
        )


def _run_dir_names(stages: List[Stage]) -> Tuple[Set[str], List[str]]:
    """The exact top-level names of the run directory, and the stages that also write `<stage>_<i>`."""
    exact = {stage.name for stage in stages}
    scattered = [stage.name for stage in stages if stage.scheduler_type != "singlestep-stage"]
    return exact | set(RUN_DIR_ENTRIES), scattered


@rule("RL603", "result-not-in-a-stage", Severity.ERROR, "a result `relpath` does not start with a stage name")
def result_not_in_a_stage(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `results[].relpath` whose first directory is not a top-level stage of the workflow.

    Why: each stage writes into `recast-<tag>/<stage>` (`<stage>_<i>` for the steps of a multistep
    stage, `<stage>/<inner>` for the stages of a sub-workflow); after a run that succeeded,
    recast-atlas opens `recast-<tag>/<relpath>` and fails with `FileNotFoundError`.

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
    if not _entry_data(analysis) or entry.workflow is None:
        return
    written = entry.workflow.loc.get("stages")
    stages = entry.workflow.stages
    if not isinstance(written, list) or len(written) != len(stages) or not all(isinstance(stage.name, str) for stage in stages):
        return  # a stage that could not be read (reported elsewhere) may be the one a result lives in
    exact, scattered = _run_dir_names(stages)
    for item_loc, item in _list_items(entry.loc.child("results")):
        relpath = item.get("relpath") if isinstance(item, dict) else None
        if not isinstance(relpath, str) or not relpath.strip() or os.path.isabs(relpath):
            continue
        first = os.path.normpath(relpath).split(os.sep)[0]
        if first in exact or any(re.fullmatch(re.escape(name) + r"_\d+", first) for name in scattered):
            continue
        stage_names = sorted(exact - set(RUN_DIR_ENTRIES))
        yield Finding.at(
            item_loc.child("relpath"),
            f"result path starts with {first!r}, which is not a stage of the workflow",
            did_you_mean(first, stage_names) or "start the path with the name of the stage that writes the file",
        )


def _named_outputs(stage: Stage) -> Set[str]:
    """Files a single-step stage names in its own workdir: literal `'{workdir}/<file>'` parameters
    and `{workdir}/<file>` publish templates (paths relative to the workdir)."""
    named: Set[str] = set()
    texts = [p.value for p in stage.parameters if isinstance(p.value, str)]
    if stage.step is not None:
        publisher = stage.step.part_value("publisher")
        if publisher.get("publisher_type") == "interpolated-pub" and isinstance(publisher.get("publish"), dict):
            texts += [v for v in publisher["publish"].values() if isinstance(v, str)]
    for text in texts:
        if text.startswith("{workdir}/"):
            named.add(os.path.normpath(text[len("{workdir}/") :]))
    return named


@rule("RL614", "result-file-not-written", Severity.WARNING, "a result names a file its stage does not name among its outputs")
def result_file_not_written(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `results[].relpath` whose stage is right but whose file is none of the files that
    stage names in its workdir (its literal `'{workdir}/<file>'` parameters and publish templates).

    Why: recast-atlas opens `recast-<tag>/<relpath>` after the run; a misspelt file name fails with
    `FileNotFoundError` only once the whole workflow has run. Only stages that name their outputs
    literally are checked; a result inside a named directory counts, and paths with `*` or `{`
    are skipped.

    Bad:

        parameters: {outputfile: '{workdir}/hello_world.txt'}     # stage hello_world
        relpath: hello_world/hello.txt

    Fixed:

        relpath: hello_world/hello_world.txt
    """
    entry = analysis.entry
    if not _entry_data(analysis) or entry.workflow is None:
        return
    stages = {stage.name: stage for stage in entry.workflow.stages if stage.scheduler_type == "singlestep-stage"}
    for item_loc, item in _list_items(entry.loc.child("results")):
        relpath = item.get("relpath") if isinstance(item, dict) else None
        if not isinstance(relpath, str) or os.path.isabs(relpath) or any(c in relpath for c in "*?[{"):
            continue
        first, _, rest = os.path.normpath(relpath).partition(os.sep)
        stage = stages.get(first)
        named = _named_outputs(stage) if stage is not None and rest else set()
        # a named output may be a directory the result lies in (`{workdir}/limits` and `limits/cls.json`)
        if named and not any(rest == path or rest.startswith(path + os.sep) for path in named):
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
    if not _entry_data(analysis):
        return
    for item_loc, item in _list_items(analysis.entry.loc.child("results")):
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
    if not _entry_data(analysis):
        return
    for item_loc, item in _list_items(analysis.entry.loc.child("results")):
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


# -- tests --------------------------------------------------------------------------------------


def _tests(analysis: Analysis) -> List[Test]:
    return analysis.entry.tests if _entry_data(analysis) else []


@rule("RL606", "test-parameters-incomplete", Severity.ERROR, "a test does not pass a parameter its step uses")
def test_parameters_incomplete(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `tests[]` entry whose `parameters` lack a `{placeholder}` of the step's `cmd`,
    `script` or `interpolated-pub` templates, or a parameter named by a `frompar-pub` outputmap.

    Why: `recast tests run` hands exactly these parameters to `packtivity-run`; the step fails
    with `KeyError: 'name'` (the runner provides `{workdir}`, to publishers only).

    Bad:

        tests:
          - name: hello
            spec: steps.yml#/hello_world          # cmd: echo {name} | tee {outputfile}
            parameters:
              outputfile: '{workdir}/hello.txt'

    Fixed:

        parameters:
          name: tester
          outputfile: '{workdir}/hello.txt'
    """
    for test in _tests(analysis):
        parameters = test.loc.get("parameters")
        if test.step is None or not isinstance(parameters, dict):
            continue
        reported: Set[str] = set()
        for name, used_in in needed_parameters(test.step).items():
            # `{workdir}` in a command is RL505's error, not a parameter the test could pass
            if name == "workdir" or name in parameters or name in reported:
                continue
            reported.add(name)
            misspelt = closest(name, [key for key in parameters if isinstance(key, str)])
            yield Finding.at(
                test.loc.child("parameters"),
                f"test {test.name!r} does not pass parameter {name!r}, which its step uses ({used_in})",
                f"rename '{misspelt}' to '{name}'" if misspelt else f"add `{name}:` under `parameters`",
                key=True,
            )


# -- input directories --------------------------------------------------------------------------


def _input_dirs(analysis: Analysis) -> Iterator[Tuple[str, InputDir, bool]]:
    """(what, directory, may be created by the run) for every initdir and test data directory."""
    for example in analysis.examples() if _entry_data(analysis) else []:
        dataopts = example.dataopts if isinstance(example.dataopts, dict) else {}
        initdir = analysis.input_dir(example.loc.child("dataopts", "initdir"))
        if initdir is not None:
            # `inputarchive` is unpacked into the initdir, so the initdir need not exist beforehand
            yield f"`initdir` of example {example.name!r}", initdir, "inputarchive" in dataopts
    for test in _tests(analysis):
        for item_loc, _ in _list_items(test.loc.child("data")):
            data_dir = analysis.input_dir(item_loc)
            if data_dir is not None:
                yield f"data directory of test {test.name!r}", data_dir, False


@rule("RL607", "input-dir-missing", Severity.WARNING, "an `initdir` or test `data` directory does not exist")
def input_dir_missing(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `dataopts.initdir` or a `tests[].data` directory inside the analysis that does not
    exist (an `initdir` filled from `inputarchive` is exempt).

    Why: the init stage and the tests read their input files from these directories; a missing one
    is mounted empty (Docker creates it), so the inputs resolve to nothing and a test step finds
    none of its `{readdir0}` files. A warning, not an error: the inputs may be put in place before
    the run (e.g. fetched by CI).

    Bad:

        tests:
          - name: fit
            data: [testdata]        # the directory is test-data

    Fixed:

        data: [test-data]
    """
    for what, directory, created_by_run in _input_dirs(analysis):
        if directory.inside_root and not directory.exists and not created_by_run:
            yield Finding.at(
                directory.loc,
                f"{what} {directory.written!r} does not exist",
                did_you_mean(directory.path.name, directory.neighbours()) or "create it inside the analysis, or fix the path",
            )


@rule("RL608", "input-dir-outside", Severity.WARNING, "an `initdir` or test `data` directory lies outside the analysis")
def input_dir_outside(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `dataopts.initdir` or `tests[].data` directory outside the analysis directory
    (an absolute path elsewhere, `~/...`, or `../...`).

    Why: the Docker runner mounts only the directory it is started from (the analysis root), so
    the container cannot see these files; and a path on the author's machine exists nowhere else,
    so the analysis is not preserved.

    Bad:

        dataopts:
          initdir: /Users/me/RECAST/inputs

    Fixed: copy small inputs into the repository (`initdir: inputs`), or fetch them at run time
    with `inputarchive:` or XRootD paths in `initdata`.
    """
    for what, directory, _ in _input_dirs(analysis):
        if not directory.inside_root:
            yield Finding.at(
                directory.loc,
                f"{what} lies outside the analysis directory, which is all the runner mounts",
                "keep inputs inside the repository, or fetch them at run time (`inputarchive`, XRootD paths)",
            )


@rule("RL609", "relative-initdir", Severity.WARNING, "a relative `initdir` means two different directories")
def relative_initdir(analysis: Analysis) -> Iterable[Finding]:
    """Catches a relative `dataopts.initdir`.

    Why: `recast run` with the local or Docker backend joins it to the run directory
    (`recast-<tag>/<initdir>`, which is fresh and empty), while the REANA backend resolves it
    against the current directory; the same entry reads different inputs depending on the backend.

    Bad:

        dataopts:
          initdir: inputdata

    Fixed: run with `recast-lint run` / `recast-lint submit`, which read a relative `initdir` from
    the analysis directory on every backend; with `recast run`, check the inputs are really read
    (e.g. with a test). An absolute path is no fix: it exists only on the author's machine.
    """
    for what, directory, _ in _input_dirs(analysis):
        if directory.relative and directory.loc.pointer[-1] == "initdir":
            yield Finding.at(
                directory.loc,
                f"relative {what} resolves to `recast-<tag>/{directory.written}` with `recast run` but to "
                f"`./{directory.written}` on REANA",
                "`recast-lint run` and `submit` read it from the analysis directory; with `recast run`, check the inputs "
                "are really read (an absolute path would break on every other machine)",
            )


@rule("RL610", "archivematch-without-slash", Severity.ERROR, "`archivematch` does not end in `/`")
def archivematch_without_slash(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `dataopts.archivematch` that does not end in `/`.

    Why: yadage's local state provider asserts that the pattern ends in `/` (it names a directory
    inside the `inputarchive` zip) before it unpacks anything; the run stops with a bare
    `AssertionError`.

    Bad:

        archivematch: '*/inputdata'

    Fixed:

        archivematch: '*/inputdata/'
    """
    for example in analysis.examples() if _entry_data(analysis) else []:
        dataopts = example.dataopts if isinstance(example.dataopts, dict) else {}
        match = dataopts.get("archivematch")
        if isinstance(match, str) and not match.endswith("/"):
            yield Finding.at(
                example.loc.child("dataopts", "archivematch"),
                f"`archivematch` {match!r} does not end in `/`; the runtime asserts it names a directory",
                f"write '{match}/'",
            )


def _toplevels(analysis: Analysis) -> Iterator[Tuple[Loc, str]]:
    data = _entry_data(analysis)
    spec = data.get("spec")
    if isinstance(spec, dict) and isinstance(spec.get("toplevel"), str):
        yield analysis.entry.loc.child("spec", "toplevel"), spec["toplevel"]
    for test in _tests(analysis):
        if isinstance(test.loc.get("toplevel"), str):
            yield test.loc.child("toplevel"), test.loc.get("toplevel")


@rule("RL611", "relative-toplevel", Severity.WARNING, "a relative `toplevel` resolves against the current directory")
def relative_toplevel(analysis: Analysis) -> Iterable[Finding]:
    """Catches a relative local `spec.toplevel` (or test `toplevel`).

    Why: recast-atlas uses a `toplevel` written in `recast.yml` as it is, so it resolves against
    the directory `recast run` is started from, not against `recast.yml`; the entry then works only
    from one directory. Without `toplevel`, recast-atlas uses `<directory of recast.yml>/specs`,
    made absolute.

    Bad:

        spec:
          toplevel: specs
          workflow: workflow.yml

    Fixed:

        spec:
          workflow: workflow.yml      # toplevel defaults to specs/ next to recast.yml
    """
    for loc, toplevel in _toplevels(analysis):
        if toplevel.startswith(REMOTE_PREFIXES) or os.path.isabs(toplevel):
            continue
        default = os.path.normpath(toplevel) == "specs" and loc.pointer == ("spec", "toplevel")
        yield Finding.at(
            loc,
            f"relative toplevel {toplevel!r} resolves against the directory `recast` is run from, not against recast.yml",
            "remove it: the default is specs/ next to recast.yml" if default else "move the specs to specs/ and drop `toplevel`",
        )


@rule("RL612", "remote-toplevel-unpinned", Severity.WARNING, "a `github:`/`gitlab-cern:` toplevel without `@ref`")
def remote_toplevel_unpinned(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `github:owner/repo[:subpath]` or `gitlab-cern:group/repo[:subpath]` toplevel
    without an explicit `@ref`.

    Why: the loader then fetches the default branch (`main` on GitHub, `master` on GitLab), so
    the specs change under the entry; recast-atlas had to add explicit `@branch`es when GitHub's
    default moved to `main` (#109).

    Bad:

        toplevel: github:lukasheinrich/yadage-workflows:phenochain/checkmate_workflow

    Fixed:

        toplevel: github:lukasheinrich/yadage-workflows@v1.2:phenochain/checkmate_workflow
    """
    for loc, toplevel in _toplevels(analysis):
        prefix = next((p for p in ("github:", "gitlab-cern:") if toplevel.startswith(p)), None)
        if prefix is None:
            continue
        repository = toplevel[len(prefix):].split(":", 1)[0]
        if "@" not in repository:
            default = "main" if prefix == "github:" else "master"
            yield Finding.at(
                loc,
                f"toplevel {toplevel!r} names no `@ref`, so it follows the moving `{default}` branch",
                f"pin a tag or commit: '{prefix}{repository}@<tag>{toplevel[len(prefix) + len(repository):]}'",
            )


# -- REANA --------------------------------------------------------------------------------------


def _nested_workflow(data: Dict[Any, Any]) -> Optional[Tuple[Any, ...]]:
    """The path of a `workflow:` mapping written below the top level, e.g. `('inputs', 'workflow')`."""
    for key, value in data.items():
        if isinstance(value, dict):
            if isinstance(value.get("workflow"), dict):
                return (key, "workflow")
            for inner_key, inner in value.items():
                if isinstance(inner, dict) and isinstance(inner.get("workflow"), dict):
                    return (key, inner_key, "workflow")
    return None


@rule("RL620", "reana-workflow-misnested", Severity.ERROR, "`reana.yaml` has no top-level `workflow:`")
def reana_workflow_misnested(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `reana.yaml` whose `workflow:` is indented under another key (such as `inputs:`).

    Why: REANA requires `workflow:` at the top level (`reana_analysis_schema.json`); with it
    misnested the file has no workflow, and `reana-client` refuses to create or run it.

    Bad:

        inputs:
          parameters: {}
          workflow:
            type: yadage
            file: workflow.yml

    Fixed:

        inputs:
          parameters: {}
        workflow:
          type: yadage
          file: workflow.yml
    """
    for doc in analysis.reana_documents():
        if not doc.ok or not isinstance(doc.data, dict) or "workflow" in doc.data:
            continue
        nested = _nested_workflow(doc.data)
        if nested is not None:
            parents = ".".join(str(k) for k in nested[:-1])
            yield Finding.at(
                Loc(doc, nested),
                f"`workflow:` is nested under `{parents}:`, so the file has no top-level workflow",
                "dedent `workflow:` (and the keys under it) to the top level",
                key=True,
            )


REANA_IGNORED_ENVIRONMENT_KEYS = {
    "envscript": "REANA never sources `envscript`",
    "par_mounts": "REANA does not create `par_mounts`",
    "workdir": "REANA ignores the environment `workdir`",
}
REANA_RESOURCE_FIX = {
    "CVMFS": "list the repositories under `workflow.resources.cvmfs` in reana.yaml",
    "GRIDProxy": "write `- voms_proxy: true`",
    "KRB5Auth": "write `- kerberos: true`, or `kerberos: true` under `workflow.resources` in reana.yaml",
}


def _reana_provides(spec: ReanaSpec) -> Set[str]:
    """The string resources a reana.yaml provides to every job through `workflow.resources`."""
    resources = spec.loc.child("workflow", "resources").value
    if not isinstance(resources, dict):
        return set()
    provided = {"CVMFS"} if resources.get("cvmfs") else set()
    return provided | ({"KRB5Auth"} if resources.get("kerberos") is True else set())


def _reana_steps(analysis: Analysis) -> List[Tuple[Step, Set[str]]]:
    """Each step a reana.yaml workflow runs, with the string resources every such reana.yaml provides."""
    steps: Dict[int, Tuple[Step, Set[str]]] = {}
    for spec in analysis.reana:
        provided = _reana_provides(spec)
        for workflow in spec.workflow.walk() if spec.workflow else []:
            for stage in workflow.stages:
                for step in ([stage.step] if stage.step else []) + stage.case_steps:
                    known = steps.get(id(step))
                    steps[id(step)] = (step, provided if known is None else known[1] & provided)
    return list(steps.values())


@rule("RL621", "ignored-on-reana", Severity.WARNING, "a step run by REANA relies on something REANA ignores")
def ignored_on_reana(analysis: Analysis) -> Iterable[Finding]:
    """Catches, in steps that a `reana.yaml` workflow runs, string `resources` (`CVMFS`,
    `GRIDProxy`, `KRB5Auth`) that the reana.yaml does not provide otherwise, `envscript`,
    `par_mounts` and the environment `workdir`.

    Why: REANA's job controller honours only dictionary resources (`kerberos: true`,
    `voms_proxy: true`, ...) plus `workflow.resources` of reana.yaml (`cvmfs:`, `kerberos:`), and
    never uses `envscript`, `par_mounts` or `workdir`: the step runs without CVMFS, credentials,
    setup script or mounted files, and fails or computes something else. (`env`, ignored by every
    executor, is RL705.)

    Bad:

        environment:
          environment_type: docker-encapsulated
          image: atlas/analysisbase
          imagetag: 21.2.125
          resources: [CVMFS, KRB5Auth]

    Fixed: in reana.yaml `workflow: {resources: {cvmfs: [atlas.cern.ch]}}`, and in the step
    `resources: [{kerberos: true}]`.
    """
    for step, provided in _reana_steps(analysis):
        environment = step.part("environment")
        if environment is None or environment.get("environment_type") != "docker-encapsulated":
            continue
        for item_loc, item in _list_items(environment.child("resources")):
            if isinstance(item, str) and item not in provided:
                yield Finding.at(
                    item_loc,
                    f"REANA ignores string resources such as {item!r}; this step runs without it there",
                    REANA_RESOURCE_FIX.get(item, "use the dictionary form REANA reads, e.g. `- kerberos: true`"),
                )
        for key, why in REANA_IGNORED_ENVIRONMENT_KEYS.items():
            if environment.get(key):
                yield Finding.at(environment.child(key), f"{why}; this step relies on it", "do the same inside `cmd`/`script` or the image", key=True)


# -- the CI file --------------------------------------------------------------------------------


def _ci_script_lines(ci: Document) -> Iterator[Tuple[Loc, str]]:
    """Every script line of every job (and of `default:` and the top level), nested lists included."""
    data = ci.data if ci.ok and isinstance(ci.data, dict) else {}
    yield from _script_lines_of(Loc(ci))
    for key, value in data.items():
        if isinstance(value, dict):
            yield from _script_lines_of(Loc(ci, (key,)))


def _script_lines_of(holder: Loc) -> Iterator[Tuple[Loc, str]]:
    """The lines of the `before_script`/`script`/`after_script` of one mapping (a job, or the top level)."""
    for script_key in CI_SCRIPT_KEYS:
        stack = [holder.child(script_key)]
        while stack:
            loc = stack.pop(0)
            value = loc.value
            if isinstance(value, str):
                yield loc, value
            elif isinstance(value, list):
                stack[:0] = [loc.child(i) for i in range(len(value))]


@rule("RL630", "ci-wrong-analysis", Severity.ERROR, "the CI job runs a different analysis than `recast.yml` names")
def ci_wrong_analysis(analysis: Analysis) -> Iterable[Finding]:
    """Catches `recast run NAME` and `recast catalogue check|describe NAME` in `.gitlab-ci.yml`
    where NAME is not the `name` of `recast.yml`.

    Why: after `$(recast catalogue add $PWD)` the catalogue holds this entry under its `name`; any
    other name runs a different (built-in) analysis or fails with `KeyError`, and a renamed entry
    leaves the CI job testing nothing. (`recast catalogue check` even exits 0 on failure.)

    Bad:

        name: atlas/my-search            # recast.yml
        script:
          - recast run examples/helloworld --tag myrun

    Fixed:

        script:
          - recast run atlas/my-search --tag myrun
    """
    name = _entry_data(analysis).get("name")
    if analysis.ci is None or not isinstance(name, str):
        return
    for loc, line in _ci_script_lines(analysis.ci):
        for match in CI_NAMED_COMMAND.finditer(line):
            named = match.group(3)
            if named == name or named.startswith("-") or "$" in named or "{" in named:
                continue
            command = " ".join(match.group(1).split())
            yield Finding.at_text(
                loc,
                named,
                f"`recast {command}` names {named!r} but recast.yml is {name!r}",
                f"write '{name}', the `name` in recast.yml",
                occurrence=line[: match.start(3)].count(named),
            )


def _ci_images(ci: Document) -> Iterator[Tuple[Loc, str]]:
    data = ci.data if ci.ok and isinstance(ci.data, dict) else {}
    places = [("image",)] + [(key, "image") for key, value in data.items() if isinstance(value, dict)]
    for pointer in places:
        loc = Loc(ci, pointer)
        value = loc.value
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            yield loc.child("name"), value["name"]
        elif isinstance(value, str):
            yield loc, value


@rule("RL631", "ci-image-unpinned", Severity.WARNING, "the CI job uses an unpinned `recast/recastatlas` image")
def ci_image_unpinned(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `recast/recastatlas` CI image without a tag, or tagged `latest` or `latest-stable`.

    Why: the image carries recast-atlas and an unpinned yadage stack; a moving tag changes the
    runtime under the analysis, so a job that passed can fail later without any change to it.

    Bad:

        image: recast/recastatlas:latest

    Fixed:

        image: recast/recastatlas:v0.4.2
    """
    if analysis.ci is None:
        return
    for loc, image in _ci_images(analysis.ci):
        match = RECASTATLAS_IMAGE.match(image.strip())
        if match is None or "$" in image:
            continue
        rest = match.group("rest") or ""
        if rest.startswith("@"):
            continue
        tag = rest[1:]
        if not tag or tag in UNPINNED_TAGS:
            yield Finding.at(
                loc,
                f"CI image {image!r} is not pinned to a release" if tag else f"CI image {image!r} has no tag, so it is `latest`",
                "pin a release, e.g. `recast/recastatlas:v0.4.2`",
            )


def _ci_run_jobs(ci: Document) -> Iterator[Tuple[Loc, List[Tuple[Loc, str]]]]:
    """(job, its script lines that call `recast run`) for every job that runs the workflow."""
    data = ci.data if ci.ok and isinstance(ci.data, dict) else {}
    for key, value in data.items():
        if not isinstance(value, dict) or str(key).startswith("."):
            continue  # hidden jobs (`.template:`) are only merged into others
        job = Loc(ci, (key,))
        runs = [(loc, line) for loc, line in _script_lines_of(job) if re.search(r"\brecast\s+run\b", line)]
        if runs:
            yield job, runs


def _ci_setting(ci: Document, job: Loc, key: str) -> Any:
    """A job's `key`, else the one under `default:`, else the top-level one (GitLab's inheritance)."""
    for value in (job.get(key), Loc(ci, ("default",)).get(key), Loc(ci).get(key)):
        if value is not None:
            return value
    return None


def _names(items: Any) -> List[str]:
    items = items if isinstance(items, list) else [items]
    return [str(item.get("name", "")) if isinstance(item, dict) else str(item) for item in items if item is not None]


@rule("RL613", "index-entry-unusable", Severity.ERROR, "a catalogue index names a file that is not a catalogue entry")
def index_entry_unusable(analysis: Analysis) -> Iterable[Finding]:
    """Catches an item of an index file's `recast_catalogue_entries` that names no file inside the
    analysis, or a file without the `name`, `metadata` and `spec` of a catalogue entry.

    Why: recast-atlas reads each listed path relative to the index file; a missing file is a
    `FileNotFoundError` for every `recast` command, and a file that is not an entry is silently
    left out of the catalogue.

    Bad:

        name: atlas/exotics
        tags: [exotics]
        recast_catalogue_entries: [searches/monojet.yml]     # the file is monojet.yaml

    Fixed:

        recast_catalogue_entries: [searches/monojet.yaml]
    """
    entry = analysis.entry
    if entry is None:
        return
    for loc, doc, beside in entry.index_entries:
        if doc is None:
            hint = did_you_mean(os.path.basename(str(loc.value)), beside) or "list a path, relative to this index file, inside the repository"
            yield Finding.at(loc, f"catalogue entry {loc.value!r} is not a file inside the analysis", hint)
        elif doc.ok and not (isinstance(doc.data, dict) and all(key in doc.data for key in ("name", "metadata", "spec"))):
            yield Finding.at(
                loc,
                f"{loc.value!r} is not a catalogue entry (it needs `name`, `metadata` and `spec`), so it is left out",
                "point at a recast.yml-style entry file",
            )


@rule("RL633", "ci-run-without-docker", Severity.WARNING, "a CI job runs the workflow without a Docker daemon to run its steps")
def ci_run_without_docker(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `.gitlab-ci.yml` job that calls `recast run` but has no `docker:dind` service, or
    no privileged runner tag.

    Why: every step runs in a container of its own, started through the Docker daemon; in GitLab
    CI that daemon is the dind service, and dind only starts on a privileged runner (at CERN, the
    runners tagged `docker-privileged`). Without them the job fails before the first step.

    Bad:

        recast:
          image: recast/recastatlas:v0.4.2
          script: [recast run atlas/my-search --tag myrun]

    Fixed:

        recast:
          tags: [docker-privileged]
          services: [docker:stable-dind]
          image: recast/recastatlas:v0.4.2
          script: [recast run atlas/my-search --tag myrun]
    """
    if analysis.ci is None:
        return
    for job, _ in _ci_run_jobs(analysis.ci):
        missing = []
        if not any("dind" in name for name in _names(_ci_setting(analysis.ci, job, "services"))):
            missing.append("`docker:dind` service")
        if not any("privileged" in name for name in _names(_ci_setting(analysis.ci, job, "tags"))):
            missing.append("privileged runner tag")
        if missing:
            yield Finding.at(
                job,
                f"job '{job.pointer[-1]}' runs the workflow with no {' and no '.join(missing)}, so its steps cannot start",
                "add `tags: [docker-privileged]` and `services: [docker:stable-dind]` to the job",
                key=True,
            )


@rule("RL634", "ci-run-output-not-kept", Severity.WARNING, "a CI run's `recast-<tag>/` directory is not kept as an artifact")
def ci_run_output_not_kept(analysis: Analysis) -> Iterable[Finding]:
    """Catches `recast run ... --tag T` in a CI job whose `artifacts: paths:` do not include
    `recast-T`.

    Why: the run writes its results, step logs and workflow picture to `recast-T/`; without the
    artifact they vanish with the job, so a failed run cannot be diagnosed and a good one leaves
    no result.

    Bad:

        script: [recast run atlas/my-search --tag myrun]

    Fixed:

        script: [recast run atlas/my-search --tag myrun]
        artifacts:
          paths: [recast-myrun]
          when: always
    """
    if analysis.ci is None:
        return
    for job, runs in _ci_run_jobs(analysis.ci):
        artifacts = _ci_setting(analysis.ci, job, "artifacts")
        paths = artifacts.get("paths") if isinstance(artifacts, dict) else None
        kept = [str(p).rstrip("/") for p in paths] if isinstance(paths, list) else []
        for loc, line in runs:
            for tag in _run_tags(line):
                if "$" in tag or f"recast-{tag}" in kept or "recast-*" in kept:
                    continue
                yield Finding.at_text(
                    loc,
                    tag,
                    f"the run writes to 'recast-{tag}/', which job '{job.pointer[-1]}' does not keep as an artifact",
                    f"add `recast-{tag}` under the job's `artifacts: paths:` (with `when: always`, to keep failed runs too)",
                )


def _run_tags(line: str) -> Iterator[str]:
    """The `--tag` of each `recast run` in a script line, read once per command (`;`, `|`, `&` end one)."""
    for command in re.split(r"[;|&]", line):
        run = CI_RECAST_RUN.search(command)
        option = CI_TAG_OPTION.search(command, run.end()) if run else None
        if option:
            yield option.group(2)


@rule("RL632", "root-input-yml", Severity.INFO, "an `input.yml` at the repository root is read as initdata")
def root_input_yml(analysis: Analysis) -> Iterable[Finding]:
    """Reports an `input.yml` in the analysis root.

    Why: `yadage-run` started without init files reads `input.yml` from the current directory as
    its initdata, so running the workflow by hand from the root silently uses that file.

    Fixed: rename it (e.g. `inputs/example.yml`) and pass it explicitly.
    """
    initdata_file = Path("input.yml")
    if analysis.entry is not None and analysis.in_repository(initdata_file):
        path = analysis.root / initdata_file
        doc = analysis.documents.get(path) or Document(path=path)
        yield Finding(
            doc,
            Span.point(),
            "`input.yml` here is read as initdata by `yadage-run` started from this directory",
            "rename it if it is not meant as the default inputs",
        )
