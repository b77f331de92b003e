"""RL6xx: the catalogue entry, REANA specs and the CI file, on real fixture analyses."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List

import pytest

from recast_lint.diagnostics import Diagnostic, Severity
from tests.helpers import FIXTURES, only, run, where

CATALOGUE = FIXTURES / "catalogue"


def _case(name: str) -> List[Diagnostic]:
    return run(CATALOGUE / name, cwd=CATALOGUE / name)


@pytest.mark.parametrize(
    "case,code,path,line,column",
    [
        ("entry-bugs", "RL601", "recast.yml", 1, 7),
        ("entry-bugs", "RL602", "recast.yml", 8, 1),
        ("no-examples", "RL602", "recast.yml", 1, 1),
        ("entry-bugs", "RL603", "recast.yml", 17, 14),
        ("entry-bugs", "RL604", "recast.yml", 21, 14),
        ("entry-bugs", "RL605", "recast.yml", 24, 5),
        ("entry-bugs", "RL606", "recast.yml", 29, 7),  # at the misspelt key
        ("no-examples", "RL606", "recast.yml", 9, 5),
        ("entry-bugs", "RL607", "recast.yml", 32, 9),
        ("entry-bugs", "RL608", "recast.yml", 33, 9),
        ("entry-bugs", "RL609", "recast.yml", 13, 16),
        ("entry-bugs", "RL610", "recast.yml", 14, 21),
        ("entry-bugs", "RL611", "recast.yml", 6, 13),
        ("entry-bugs", "RL612", "recast.yml", 36, 15),
        ("reana-misnested", "RL620", "reana.yaml", 5, 3),
        ("reana-ignored", "RL621", "steps.yml", 14, 9),
        ("reana-ignored", "RL621", "steps.yml", 15, 9),
        ("reana-ignored", "RL621", "steps.yml", 17, 5),
        ("reana-ignored", "RL621", "steps.yml", 18, 5),
        ("reana-ignored", "RL621", "steps.yml", 19, 5),
        ("ci-bugs", "RL630", ".gitlab-ci.yml", 10, 30),
        ("ci-bugs", "RL630", ".gitlab-ci.yml", 11, 18),
        ("ci-bugs", "RL631", ".gitlab-ci.yml", 1, 8),
        ("ci-bugs", "RL631", ".gitlab-ci.yml", 18, 11),
        ("ci-bugs", "RL632", "input.yml", 1, 1),
    ],
)
def test_catalogue_problem_is_located(case: str, code: str, path: str, line: int, column: int) -> None:
    assert (path, line, column) in where(_case(case), code)


def test_each_problem_is_reported_once() -> None:
    found = [d.code for d in _case("entry-bugs") if d.code.startswith("RL6")]
    # RL614: `hello_world/plot.root` (there for RL605) is also not a file its stage names
    assert sorted(found) == ["RL601", "RL602", "RL603", "RL604", "RL605", "RL606", "RL607", "RL608", "RL609", "RL610", "RL611", "RL612", "RL614"]


def test_result_path_suggests_the_stage() -> None:
    result = only(_case("entry-bugs"), "RL603")
    assert "'helloworld'" in result.message
    assert result.hint.startswith("did you mean 'hello_world'?")


def test_multistep_and_run_directory_result_paths_are_accepted() -> None:
    # entry-bugs has `scan_3/point.txt` (multistep `scan`); clean has `scan_0/...` and `_yadage/...`
    assert where(_case("entry-bugs"), "RL603") == [("recast.yml", 17, 14)]
    assert where(_case("clean"), "RL603") == []


def test_missing_default_suggests_renaming_the_misspelt_example() -> None:
    assert only(_case("entry-bugs"), "RL602").hint == "rename 'defualt' to 'default'"


def test_test_parameters_name_the_missing_placeholder_and_the_misspelt_key() -> None:
    from_cmd = only(_case("entry-bugs"), "RL606")
    assert "'name'" in from_cmd.message and "`{name}` in cmd" in from_cmd.message
    assert from_cmd.hint == "rename 'nmae' to 'name'"
    from_publisher = only(_case("no-examples"), "RL606")
    # `{workdir}` is provided by the runner to publishers; only `{plotname}` is missing
    assert "'plotname'" in from_publisher.message and "publish template" in from_publisher.message


def test_missing_data_directory_suggests_the_one_that_exists() -> None:
    assert only(_case("entry-bugs"), "RL607").hint.startswith("did you mean 'test-data'?")


def test_relative_initdir_says_where_each_backend_looks() -> None:
    message = only(_case("entry-bugs"), "RL609").message
    assert "recast-<tag>/inputs" in message and "REANA" in message


def test_relative_initdir_read_through_readdir_is_an_error_unless_an_archive_fills_it() -> None:
    found = [d for d in _case("initdir-read") if d.code == "RL609"]
    assert [(d.span.line, d.span.column, d.severity) for d in found] == [(10, 16, Severity.ERROR), (15, 16, Severity.WARNING)]
    assert "`{readdir0}` do not exist" in found[0].message


def test_ci_variables_are_expanded_as_gitlab_sets_them() -> None:
    found = [(d.code, d.span.line, d.span.column, d.severity) for d in _case("ci-variables") if d.code.startswith("RL6")]
    assert found == [
        ("RL650", 2, 13, Severity.ERROR),  # the global ANALYSIS; the job that overrides it is right
        ("RL651", 8, 14, Severity.ERROR),  # EXAMPLE of the template `.signal` the job extends
        ("RL651", 45, 14, Severity.ERROR),  # `export EXAMPLE=...` in the script
        ("RL651", 47, 44, Severity.ERROR),  # a misspelt `--example` written out
    ]  # not: $FULLNAME (= $GROUP/my-search), `inputs.yml --example` (ignored), $CI_PROJECT_NAME (not in the file)
    messages = {d.span.line: d for d in _case("ci-variables") if d.code in ("RL650", "RL651")}
    assert "'atlas/my-serach', which job 'global-name' passes to `recast run`" in messages[2].message
    assert messages[2].fix is not None and not messages[2].fix.safe and messages[2].fix.edits[0].replacement == "'atlas/my-search'"
    assert messages[8].hint.startswith("did you mean 'signal'?")


def test_ci_settings_come_from_the_jobs_a_job_extends() -> None:
    assert [d for d in _case("ci-variables") if d.code in ("RL633", "RL634")] == []


def test_default_toplevel_is_suggested_for_a_relative_specs_toplevel() -> None:
    assert only(_case("entry-bugs"), "RL611").hint.startswith("remove it")


def test_unpinned_remote_toplevel_shows_where_the_ref_goes() -> None:
    assert only(_case("entry-bugs"), "RL612").hint == "pin a tag or commit: 'github:someone/analysis-specs@<tag>:specs'"


def test_misnested_reana_workflow_is_an_error() -> None:
    finding = only(_case("reana-misnested"), "RL620")
    assert finding.severity is Severity.ERROR
    assert "`inputs:`" in finding.message


def test_resources_that_reana_yaml_provides_are_not_reported() -> None:
    # clean/specs/reana.yaml declares `workflow.resources.cvmfs` and `kerberos: true`; its step lists CVMFS and KRB5Auth
    assert where(_case("clean"), "RL621") == []


def test_ci_names_the_analysis_of_recast_yml() -> None:
    findings = [d for d in _case("ci-bugs") if d.code == "RL630"]
    assert {d.message for d in findings} == {
        "`recast catalogue check` names 'atlas/my-serch' but recast.yml is 'atlas/my-search'",
        "`recast run` names 'examples/helloworld' but recast.yml is 'atlas/my-search'",
    }
    assert all(d.hint == "write 'atlas/my-search', the `name` in recast.yml" for d in findings)


def test_clean_analysis_has_no_catalogue_findings() -> None:
    assert [(d.code, d.path, d.span.line) for d in _case("clean") if d.code.startswith("RL6")] == []


@pytest.mark.parametrize("fixture", ["helloworld", "helloworld-bugs"])
def test_helloworld_has_no_catalogue_errors(fixture: str) -> None:
    diagnostics = run(FIXTURES / fixture)
    assert [d.code for d in diagnostics if d.code.startswith("RL6") and d.severity is Severity.ERROR] == []


def test_ci_job_running_the_workflow_needs_dind_and_a_privileged_runner() -> None:
    found = {(d.span.line, d.message) for d in _case("ci-setup") if d.code == "RL633"}
    assert found == {
        (7, "job 'bare' runs the workflow with no `docker:dind` service and no privileged runner tag, so its steps cannot start"),
        (12, "job 'no-privilege' runs the workflow with no privileged runner tag, so its steps cannot start"),
    }


def test_ci_run_directory_must_be_kept_as_an_artifact() -> None:
    # `complete` keeps recast-third/ (trailing slash) and its second run's tag is a variable
    assert where(_case("ci-setup"), "RL634") == [(".gitlab-ci.yml", 10, 45)]
    assert only(_case("ci-setup"), "RL634").hint.startswith("add `recast-first` under the job's `artifacts: paths:`")


def test_index_entries_must_be_catalogue_entries_inside_the_analysis() -> None:
    found = [(d.span.line, d.hint) for d in _case("index") if d.code == "RL613"]
    assert [line for line, _ in found] == [4, 5, 6]
    assert found[0][1].startswith("did you mean 'monojet.yaml'?")
    assert found[2][1] == "list a path, relative to this index file, inside the repository"


def test_result_file_must_be_one_the_stage_names() -> None:
    # the stage names '{workdir}/hello_world.txt' and '{workdir}/logs' (a file inside that counts); a glob is not checked
    finding = only(_case("result-file"), "RL614")
    assert (finding.span.line, finding.message) == (13, "stage 'hello_world' writes hello_world.txt, logs, not 'hello.txt'")
    assert finding.hint.startswith("did you mean 'hello_world.txt'?")


def test_result_under_a_multistep_stage_name_points_at_its_steps() -> None:
    # recast-atlas 0.4.2: the steps of `scan` wrote scan_0/ and scan_1/, and `scan/point.txt` raised FileNotFoundError
    finding = only(_case("results-multistep"), "RL603")
    assert (finding.span.line, finding.span.column, finding.severity) == (15, 14, Severity.ERROR)
    assert finding.message == "'scan' is a multistep stage: its steps write 'scan_0', 'scan_1', ..., and nothing writes 'scan/'"
    assert finding.hint.startswith("point at one step's output, e.g. 'scan_0/point.txt'")


def test_a_command_naming_its_file_in_the_workdir_it_is_given_is_not_doubted() -> None:
    # `fit` passes outdir: '{workdir}' and writes JSON with doubled braces to {outdir}/result.json (run for real:
    # recast printed the result); only `greet/hello.txt`, which no stage names, stays a warning
    found = [(d.span.line, d.message) for d in _case("results-multistep") if d.code == "RL614"]
    assert found == [(25, "stage 'greet' writes greetings, greetings/*.json, not 'hello.txt'")]


def test_an_entry_recast_atlas_does_not_load_is_an_error_and_still_linted() -> None:
    """recast-atlas globs `*.yml` only: an entry in `recast.yaml` is never in the catalogue."""
    found = run(FIXTURES / "catalogue" / "yaml-entry")
    assert [(d.code, d.path, d.span.line, d.severity.value) for d in found] == [("RL640", "recast.yaml", 2, "error")]
    assert found[0].hint == "rename it to 'recast.yml'"


def test_two_entries_of_one_catalogue_directory_are_each_linted_and_ci_may_run_either(tmp_path: Path) -> None:
    root = tmp_path / "catalogue"
    shutil.copytree(FIXTURES / "catalogue" / "named-entry", root)
    entry = (root / "search.yml").read_text(encoding="utf-8")
    (root / "control.yml").write_text(entry.replace("name: atlas/ana-exot-2099-099", "name: atlas/control").replace("defualt:", "default:"))
    (root / ".gitlab-ci.yml").write_text(
        "recast:\n  tags: [docker-privileged]\n  services: [docker:stable-dind]\n  script:\n"
        "    - recast run atlas/control --tag ci\n    - recast run atlas/ana-exot-2099-099 --tag ci\n"
        "  artifacts: {paths: [recast-ci], when: always}\n",
        encoding="utf-8",
    )
    found = run(root)
    assert [(d.code, d.path, d.span.line) for d in found if d.severity.value == "error"] == [("RL602", "search.yml", 10)]
