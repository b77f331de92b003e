"""Every output format, pinned by a golden file on one fixed analysis, plus the CI contracts:
GitLab Code Quality fields and fingerprints, SARIF 2.1.0 validity, GitHub annotations,
`--output-file`, `--statistics` and the exit codes.

Regenerate the golden files after an intended change with `RECAST_LINT_UPDATE_GOLDEN=1 pytest tests/test_report_formats.py`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from recast_lint import __version__
from recast_lint.cli import main
from recast_lint.lint import LintResult, lint
from recast_lint.report import format_names, render
from tests.helpers import FIXTURES

ANALYSIS = FIXTURES / "report"
GOLDEN = Path(__file__).resolve().parent / "golden"
SCHEMAS = FIXTURES / "schemas"
EXTENSION = {"text": "txt", "concise": "txt", "json": "json", "gitlab": "json", "sarif": "json", "github": "txt"}


@pytest.fixture(autouse=True)
def _no_ci_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("GITHUB_ACTIONS", "GITHUB_WORKSPACE", "CI_PROJECT_DIR", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)


def _result(root: Path = ANALYSIS) -> LintResult:
    return lint([root], cwd=root)


def _output(name: str, root: Path = ANALYSIS) -> str:
    return render(name, _result(root)).replace(f'"version": "{__version__}"', '"version": "VERSION"')


def test_every_format_has_a_golden_file_and_check_offers_every_format() -> None:
    assert sorted(format_names()) == sorted(EXTENSION)
    offered = next(p for p in main.commands["check"].params if p.name == "format_name")
    assert sorted(offered.type.choices) == sorted(format_names())


@pytest.mark.parametrize("name", sorted(EXTENSION))
def test_format_matches_its_golden_file(name: str) -> None:
    golden = GOLDEN / f"report.{name}.{EXTENSION[name]}"
    output = _output(name)
    if os.environ.get("RECAST_LINT_UPDATE_GOLDEN"):
        golden.write_text(output, encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8")


def test_golden_analysis_shows_every_severity_and_repeated_findings() -> None:
    diagnostics = _result().diagnostics
    assert {d.severity.value for d in diagnostics} == {"error", "warning", "info"}
    assert [d.span.line for d in diagnostics if d.code == "RL201"] == [3, 12]


# -- GitLab ---------------------------------------------------------------------------------------


def test_gitlab_report_follows_the_documented_code_quality_fields() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    issues = json.loads(_output("gitlab"))
    jsonschema.validate(issues, json.loads((SCHEMAS / "gitlab-codequality.schema.json").read_text()))
    assert len({i["fingerprint"] for i in issues}) == len(issues), "GitLab shows one issue per fingerprint"
    first = issues[0]
    assert first["description"].startswith(f"{first['check_name']}: ")
    assert {i["severity"] for i in issues} == {"major", "minor", "info"}


def test_gitlab_paths_are_relative_to_the_ci_project_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ANALYSIS / "specs")
    monkeypatch.setenv("CI_PROJECT_DIR", str(ANALYSIS))
    issues = json.loads(render("gitlab", lint([Path(".")])))
    assert {i["location"]["path"] for i in issues} == {"specs/steps.yml", "specs/workflow.yml"}


def test_github_and_sarif_paths_are_relative_to_the_github_workspace(monkeypatch: pytest.MonkeyPatch) -> None:
    expected = {"specs/steps.yml", "specs/workflow.yml"}
    monkeypatch.setenv("GITHUB_WORKSPACE", str(ANALYSIS))
    monkeypatch.chdir(ANALYSIS)
    at_root = json.loads(render("sarif", lint([Path(".")])))
    monkeypatch.chdir(ANALYSIS / "specs")  # linted from a subdirectory, the report must not change
    result = lint([Path(".")])
    annotated = {line.split("file=")[1].split(",")[0] for line in render("github", result).splitlines() if "file=" in line}
    assert annotated == expected
    sarif = json.loads(render("sarif", result))
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in sarif["runs"][0]["results"]}
    assert uris == expected
    fingerprints = [r["partialFingerprints"] for r in sarif["runs"][0]["results"]]
    assert fingerprints == [r["partialFingerprints"] for r in at_root["runs"][0]["results"]]


def _issues(root: Path) -> list:
    return json.loads(_output("gitlab", root))


def test_fingerprints_survive_unrelated_lines_moving_and_tell_repeated_findings_apart(tmp_path: Path) -> None:
    moved = tmp_path / "report"
    shutil.copytree(ANALYSIS, moved)
    steps = moved / "specs" / "steps.yml"
    steps.write_text("# a comment and a blank line push everything down\n\n" + steps.read_text(), encoding="utf-8")
    before, after = _issues(ANALYSIS), _issues(moved)
    assert [i["location"]["lines"]["begin"] + 2 for i in before if i["location"]["path"] == "specs/steps.yml"] == [
        i["location"]["lines"]["begin"] for i in after if i["location"]["path"] == "specs/steps.yml"
    ]
    assert [i["fingerprint"] for i in after] == [i["fingerprint"] for i in before]
    repeated = [i["fingerprint"] for i in before if i["check_name"] == "RL201"]
    assert len(repeated) == 2 and repeated[0] != repeated[1]


def test_editing_the_flagged_line_changes_only_its_fingerprint(tmp_path: Path) -> None:
    before = {i["fingerprint"] for i in _issues(ANALYSIS)}
    edited = tmp_path / "report"
    shutil.copytree(ANALYSIS, edited)
    steps = edited / "specs" / "steps.yml"
    steps.write_text(steps.read_text().replace("    colour: red", "    colour: blue"), encoding="utf-8")
    after = {i["fingerprint"] for i in _issues(edited)}
    assert len(before - after) == 1 and len(after - before) == 1


# -- SARIF ----------------------------------------------------------------------------------------


def test_sarif_validates_against_the_official_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((SCHEMAS / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    log = json.loads(render("sarif", _result()))
    errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
    assert errors == []


def test_sarif_lists_only_the_rules_that_fired_with_their_documentation() -> None:
    result = _result()
    run = json.loads(render("sarif", result))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({d.code for d in result.diagnostics})
    assert len(result.rules) > len(rules), "rules that ran without firing are left out"
    by_id = {r["id"]: r for r in rules}
    assert by_id["RL201"]["help"]["text"] == result.rules["RL201"].documentation
    assert by_id["RL305"]["defaultConfiguration"]["level"] == "note"
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
    region = run["results"][1]["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 19, "endLine": 3, "endColumn": 48}


def test_sarif_partial_fingerprints_are_the_gitlab_fingerprints() -> None:
    gitlab = [i["fingerprint"] for i in json.loads(_output("gitlab"))]
    sarif = [r["partialFingerprints"]["recastLint/v1"] for r in json.loads(_output("sarif"))["runs"][0]["results"]]
    assert sarif == gitlab


# -- GitHub and the command line ------------------------------------------------------------------


def _check(monkeypatch: pytest.MonkeyPatch, *args: str, env: dict = None):
    monkeypatch.chdir(ANALYSIS)
    for name, value in (env or {}).items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(main, ["check", ".", *args])


def test_github_format_is_chosen_on_github_actions_unless_a_format_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    auto = _check(monkeypatch, env={"GITHUB_ACTIONS": "true"})
    assert auto.exit_code == 1
    assert auto.output.startswith("::error file=specs/steps.yml,line=1,col=1,endLine=1,endColumn=6,title=recast-lint RL203 (missing-key)::")
    explicit = _check(monkeypatch, "--format", "concise", env={"GITHUB_ACTIONS": "true"})
    assert explicit.output.startswith("specs/steps.yml:1:1: error RL203 ")


def test_github_annotations_escape_newlines_and_property_separators() -> None:
    from recast_lint.diagnostics import Diagnostic, Severity, Span
    from recast_lint.report.github import annotation

    d = Diagnostic("a,b:c.yml", Span(2, 3, 2, 9), Severity.WARNING, "RL306", "ref-siblings", "50% done", "line one\nline two")
    assert annotation(d) == (
        "::warning file=a%2Cb%3Ac.yml,line=2,col=3,endLine=2,endColumn=9,title=recast-lint RL306 (ref-siblings)::50%25 done%0Ahint: line one%0Aline two"
    )


def test_output_file_gets_the_report_while_the_log_shows_text(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    report = tmp_path / "gl-code-quality.json"
    result = _check(monkeypatch, "--format", "gitlab", "--output-file", str(report))
    assert result.exit_code == 1
    assert result.output == _output("text")
    assert report.read_text(encoding="utf-8") == _output("gitlab")


def test_output_file_that_cannot_be_written_is_a_usage_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    result = _check(monkeypatch, "--format", "sarif", "--output-file", str(tmp_path / "missing" / "x.sarif"))
    assert result.exit_code == 2
    assert "cannot write" in result.output and "Traceback" not in result.output


def test_statistics_count_each_rule_most_frequent_first(monkeypatch: pytest.MonkeyPatch) -> None:
    result = _check(monkeypatch, "--statistics")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[:2] == ["2  RL201  unknown-type", "2  RL203  missing-key"]
    assert "1  RL901  unused-suppression" in lines
    assert lines[-1] == "found 5 errors, 2 warnings, 1 info in 3 files (3 fixable with `--fix`)"


def test_exit_codes_are_unchanged_by_the_new_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in format_names():
        assert _check(monkeypatch, "--format", name).exit_code == 1
    assert _check(monkeypatch, "--select", "RL305").exit_code == 0
    assert _check(monkeypatch, "--select", "RL305,RL306", "--strict").exit_code == 1


def test_check_with_text_output_imports_no_report_or_toml_machinery() -> None:
    probe = (
        "import sys\n"
        "from recast_lint.cli import main\n"
        f"try:\n    main(['check', {str(ANALYSIS)!r}, '--color', 'never'])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('tomllib', 'hashlib', 'recast_lint.report.sarif', 'recast_lint.report.gitlab') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ANALYSIS, check=False)
    assert done.stdout.splitlines()[-1] == "[]", done.stderr


# -- many diagnostics -----------------------------------------------------------------------------


class _CountedText(str):
    """A file's text that counts how often a formatter splits it into lines."""

    splits = 0

    def splitlines(self, keepends: bool = False) -> list:  # type: ignore[override]
        _CountedText.splits += 1
        return super().splitlines(keepends)

    def split(self, sep: object = None, maxsplit: int = -1) -> list:  # type: ignore[override]
        _CountedText.splits += 1
        return super().split(sep, maxsplit)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def many_results(tmp_path_factory: pytest.TempPathFactory) -> LintResult:
    """A recast.yml whose `results:` holds 2,000 entries, each a diagnostic (RL603)."""
    root = tmp_path_factory.mktemp("many") / "analysis"
    shutil.copytree(FIXTURES / "helloworld", root)
    entry = (root / "recast.yml").read_text(encoding="utf-8").split("results:")[0]
    items = "".join(f"  - name: r{i}\n    relpath: nostage/r{i}.txt\n" for i in range(2000))
    (root / "recast.yml").write_text(f"{entry}results:\n{items}", encoding="utf-8")
    return lint([root], cwd=root)


@pytest.mark.parametrize("name", sorted(EXTENSION))
def test_every_format_splits_each_file_once_however_many_diagnostics_it_holds(name: str, many_results: LintResult) -> None:
    # splitting the file once per diagnostic made 10,000 results take 36 s in text, SARIF and GitLab (bench.py --many-results)
    assert len([d for d in many_results.diagnostics if d.code == "RL603"]) == 2000
    counted = LintResult(many_results.diagnostics, many_results.analyses,
                         {path: _CountedText(text) for path, text in many_results.sources.items()}, many_results.rules)
    _CountedText.splits = 0
    render(name, counted)
    assert _CountedText.splits <= len(counted.sources)
