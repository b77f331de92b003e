"""The cookiecutter template and `recast-lint new`.

Every combination of the yes/no questions renders a repository that lints with no diagnostic at
all, whose YAML parses, whose CI runs the analysis its recast.yml names, whose workflow the
reference validator accepts, and whose declared result and step test the reference engine
produces. Bad answers stop with one line and leave no directory behind.
Rendering goes through cookiecutter's API into temporary directories; nothing reaches the network.
"""

from __future__ import annotations

import glob
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml
from click.testing import CliRunner
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter

from recast_lint import __version__
from recast_lint.cli import main
from recast_lint.draw import draw
from recast_lint.draw import render as draw_as
from recast_lint.draw.readme import BEGIN, END
from recast_lint.lint import lint
from recast_lint.scaffold import TEMPLATE, answer_keys
from tests.helpers import ENVS, no_reference_env

REPO = Path(__file__).resolve().parents[1]
DEFAULTS: Dict[str, Any] = json.loads((REPO / "template" / "cookiecutter.json").read_text(encoding="utf-8"))
FLAGS = [key for key, value in DEFAULTS.items() if isinstance(value, bool)]
COMBINATIONS = [dict(zip(FLAGS, values)) for values in itertools.product([False, True], repeat=len(FLAGS))]
COMBINATION_IDS = ["-".join(f"{k}={'yes' if v else 'no'}" for k, v in combo.items()) for combo in COMBINATIONS]
# the reference yadage stack, in the virtualenv the benchmarks use too
REFERENCE_BIN = ENVS / "reference" / "bin"
SCHEMA_MODELINE = re.compile(r"# yaml-language-server: \$schema=(\S+)")


def render(tmp_path: Path, **answers: Any) -> Path:
    """Plain cookiecutter, as `cookiecutter <this repo> --directory template` runs it."""
    config = tmp_path / "cookiecutter-config.yaml"
    config.write_text(yaml.safe_dump({"replay_dir": str(tmp_path / "replay"), "cookiecutters_dir": str(tmp_path / "cache")}))
    out = tmp_path / "out"
    return Path(cookiecutter(str(REPO), directory="template", no_input=True, extra_context=answers, output_dir=str(out), config_file=str(config)))


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def run_job_script(repo: Path) -> List[str]:
    return load(repo / ".gitlab-ci.yml")["recast"]["script"]


@pytest.fixture(params=COMBINATIONS, ids=COMBINATION_IDS)
def combination(request) -> Dict[str, bool]:
    return request.param


@pytest.fixture
def rendered(tmp_path: Path, combination: Dict[str, bool]) -> Path:
    return render(tmp_path, **combination)


# -- every combination ---------------------------------------------------------------------------


def test_lints_with_no_diagnostic_and_strict_check_passes(rendered: Path) -> None:
    assert [(d.path, d.span.line, d.code, d.message) for d in lint([rendered], cwd=rendered).diagnostics] == []
    result = CliRunner().invoke(main, ["check", "--strict", "--format", "concise", str(rendered)])
    assert result.exit_code == 0, result.output


def test_yaml_files_parse_to_mappings(rendered: Path) -> None:
    found = sorted(p.relative_to(rendered).as_posix() for p in rendered.rglob("*.y*ml"))
    expected = {".gitlab-ci.yml", "recast.yml", "specs/steps.yml", "specs/workflow.yml", ".recast-lint-template.yml"}
    assert set(found) - {".pre-commit-config.yaml"} == expected
    for name in found:
        assert isinstance(load(rendered / name), dict), name


def test_first_commit_passes_the_hygiene_hooks_unchanged(rendered: Path) -> None:
    """end-of-file-fixer and trailing-whitespace would rewrite the files and fail the first commit."""
    for path in (p for p in rendered.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n") and not text.endswith("\n\n"), path.name
        assert [n for n, line in enumerate(text.splitlines(), 1) if line != line.rstrip()] == [], path.name


def test_spec_files_start_with_a_schema_modeline_naming_a_bundled_schema(rendered: Path) -> None:
    for name, schema in [("recast.yml", "recast.json"), ("specs/workflow.yml", "workflow.json"), ("specs/steps.yml", "steps.json")]:
        first_line = (rendered / name).read_text(encoding="utf-8").splitlines()[0]
        match = SCHEMA_MODELINE.fullmatch(first_line)
        assert match, f"{name}: {first_line}"
        assert match.group(1).endswith(f"/v{__version__}/recast_lint/schemas/{schema}")
        assert (REPO / "recast_lint" / "schemas" / schema).is_file()


def test_ci_runs_the_analysis_recast_yml_names(rendered: Path, combination: Dict[str, bool]) -> None:
    name = load(rendered / "recast.yml")["name"]
    ci = load(rendered / ".gitlab-ci.yml")
    job = ci["recast"]
    recast_commands = [line.split() for line in job["script"] if line.startswith("recast ")]
    assert [words[:3] for words in recast_commands] == [["recast", "catalogue", "describe"], ["recast", "catalogue", "check"], ["recast", "run", name]]
    assert {words[2] if words[1] == "run" else words[3] for words in recast_commands} == {name}
    tag = recast_commands[-1][recast_commands[-1].index("--tag") + 1]
    assert job["artifacts"]["paths"] == [f"recast-{tag}"]
    assert "$(recast catalogue add $PWD)" in job["script"]
    assert job["image"] == f"recast/recastatlas:{DEFAULTS['recastatlas_version']}"
    assert "docker-privileged" in job["tags"] and any("dind" in s for s in job["services"])
    assert set(ci["stages"]) == {ci[j]["stage"] for j in ("lint", "recast")}


def test_lint_job_publishes_a_code_quality_report(rendered: Path) -> None:
    job = load(rendered / ".gitlab-ci.yml")["lint"]
    check = next(line.split() for line in job["script"] if line.startswith("recast-lint check"))
    assert check[check.index("--format") + 1] == "gitlab"
    assert job["artifacts"]["reports"]["codequality"] == check[check.index("--output-file") + 1]
    assert f"@v{__version__}" in " ".join(job["before_script"])


def test_auth_is_enabled_exactly_when_asked(rendered: Path, combination: Dict[str, bool]) -> None:
    script = run_job_script(rendered)
    enabled = [line for line in script if line.startswith("eval ") and "recast auth" in line]
    ci_text = (rendered / ".gitlab-ci.yml").read_text(encoding="utf-8")
    resources = load(rendered / "specs" / "steps.yml")["hello_world"]["environment"].get("resources")
    if combination["needs_auth"]:
        assert len(enabled) == 2 and "recast auth setup" in enabled[0] and "--basedir authdir" in enabled[1]
        assert script.index(enabled[1]) < script.index("$(recast catalogue add $PWD)")
        assert resources == [{"kerberos": True}]
    else:
        assert enabled == []
        assert '# - eval "$(recast auth setup' in ci_text and '# - eval "$(recast auth write' in ci_text
        assert resources is None


def test_pre_commit_config_exactly_when_asked_with_this_projects_hooks(rendered: Path, combination: Dict[str, bool]) -> None:
    config_path = rendered / ".pre-commit-config.yaml"
    assert config_path.exists() == combination["use_pre_commit"]
    if not combination["use_pre_commit"]:
        return
    repos = {repo["repo"]: repo for repo in load(config_path)["repos"]}
    ours = repos[DEFAULTS["recast_lint_repo"]]
    assert ours["rev"] == f"v{__version__}"
    provided = {hook["id"] for hook in load(REPO / ".pre-commit-hooks.yaml")}
    assert {hook["id"] for hook in ours["hooks"]} == {"recast-lint", "recast-lint-no-credentials"} <= provided
    hygiene = repos["https://github.com/pre-commit/pre-commit-hooks"]
    assert re.fullmatch(r"v\d+\.\d+\.\d+", hygiene["rev"])
    assert {hook["id"] for hook in hygiene["hooks"]} == {"check-yaml", "end-of-file-fixer", "trailing-whitespace"}
    pytest.importorskip("pre_commit", reason="pre-commit (a test extra) validates the configuration")
    validated = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(config_path)], capture_output=True, text=True, timeout=60)
    assert validated.returncode == 0, validated.stdout + validated.stderr


def test_pre_commit_config_offers_fix_as_a_commented_choice_that_works_uncommented(rendered: Path, combination: Dict[str, bool]) -> None:
    if not combination["use_pre_commit"]:
        return
    text = (rendered / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    assert "        # args: [--fix]\n" in text
    uncommented = yaml.safe_load(text.replace("        # args: [--fix]\n", "        args: [--fix]\n"))
    hooks = {hook["id"]: hook for repo in uncommented["repos"] for hook in repo["hooks"]}
    assert hooks["recast-lint"]["args"] == ["--fix"] and "args" not in hooks["recast-lint-no-credentials"]


def test_result_and_test_point_at_what_the_workflow_produces(rendered: Path) -> None:
    entry = load(rendered / "recast.yml")
    stages = {stage["name"]: stage for stage in load(rendered / "specs" / "workflow.yml")["stages"]}
    steps = load(rendered / "specs" / "steps.yml")
    for result in entry["results"]:
        stage_name, file_name = result["relpath"].split("/")
        written = stages[stage_name]["scheduler"]["parameters"]["outputfile"]
        assert written == f"{{workdir}}/{file_name}"
    for test in entry["tests"]:
        step_name = test["spec"].split("#/")[1]
        placeholders = set(re.findall(r"\{(\w+)\}", steps[step_name]["process"]["cmd"]))
        assert placeholders <= set(test["parameters"])
    assert set(entry["example_inputs"]["default"]["initdata"]) >= {"name"}


def test_gitignore_keeps_runs_and_credentials_out(rendered: Path) -> None:
    ignored = (rendered / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert {"recast-*/", "authdir/", "getkrb.sh"} <= set(ignored)


def test_the_record_says_the_template_version_and_every_answer(rendered: Path, combination: Dict[str, bool]) -> None:
    """Like cruft's .cruft.json and copier's .copier-answers.yml: what `upgrade` and later tools read."""
    record = load(rendered / ".recast-lint-template.yml")
    assert record["template"] == "recast-lint" and record["version"] == __version__
    assert set(record["answers"]) == set(answer_keys())
    assert record["answers"]["needs_auth"] is combination["needs_auth"] and record["answers"]["use_pre_commit"] is combination["use_pre_commit"]
    assert record["answers"]["recastatlas_version"] == DEFAULTS["recastatlas_version"]


def test_the_record_keeps_free_text_answers_exactly(tmp_path: Path) -> None:
    author, description = "Jürgen O'Brien: for the EXOT group", "Mono-jet search # with 'quotes' and {braces}"
    repo = render(tmp_path, author=author, short_description=description)
    assert load(repo / ".recast-lint-template.yml")["answers"]["author"] == author
    assert load(repo / ".recast-lint-template.yml")["answers"]["short_description"] == description


def test_readme_shows_the_workflow_as_recast_lint_graph_draws_it(rendered: Path) -> None:
    """The Workflow block of the template's README is what `graph` draws for the analysis it makes;
    after `recast-lint new --no-input /tmp/x`, `recast-lint graph /tmp/x --update
    'template/{{cookiecutter.repo_name}}/README.md'` redraws it in the template itself."""
    readme = rendered / "README.md"
    original = readme.read_bytes()
    text = original.decode("utf-8")
    begin, end = text.index(BEGIN + "\n") + len(BEGIN) + 1, text.index(END + "\n")
    drawn = draw_as("mermaid", draw(rendered, cwd=rendered)[1])
    assert text[begin:end] == f"```mermaid\n{drawn}```\n"
    assert "recast-lint graph --update README.md" in text
    # the block round-trips through the markers: an edited or stale block is redrawn, every other byte kept
    readme.write_bytes(original.replace(b"n0 -->", b"n0 -.->"))
    assert CliRunner().invoke(main, ["graph", str(rendered), "--update", str(readme)]).exit_code == 0
    assert readme.read_bytes() == original
    unchanged = CliRunner().invoke(main, ["graph", str(rendered), "--update", str(readme)])
    assert unchanged.exit_code == 0 and "already up to date" in unchanged.output and readme.read_bytes() == original


def reference_tool(name: str) -> Path:
    tool = REFERENCE_BIN / name
    if not tool.exists():
        pytest.skip(no_reference_env("reference", name, "yadage"))
    return tool


def test_reference_validator_accepts_the_workflow(rendered: Path) -> None:
    done = subprocess.run([str(reference_tool("yadage-validate")), "-t", str(rendered / "specs"), "workflow.yml"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_reference_engine_writes_the_declared_result_and_runs_the_step_test(rendered: Path, tmp_path: Path) -> None:
    """The real yadage and packtivity run the default example and each test. There is no Docker
    daemon here, so the copy of the specs runs the same command in a `localproc-env`."""
    yadage_run, packtivity_run = reference_tool("yadage-run"), reference_tool("packtivity-run")
    specs = tmp_path / "engine-specs"
    specs.mkdir()
    (specs / "workflow.yml").write_text((rendered / "specs" / "workflow.yml").read_text(encoding="utf-8"), encoding="utf-8")
    steps = load(rendered / "specs" / "steps.yml")
    for step in steps.values():
        step["environment"] = {"environment_type": "localproc-env"}
    (specs / "steps.yml").write_text(yaml.safe_dump(steps), encoding="utf-8")
    entry = load(rendered / "recast.yml")
    initfile = tmp_path / "initdata.yml"
    initfile.write_text(yaml.safe_dump(entry["example_inputs"]["default"]["initdata"]), encoding="utf-8")
    run_dir = tmp_path / "recast-local"
    done = subprocess.run([str(yadage_run), "-t", str(specs), "-b", "foregroundasync", str(run_dir), "workflow.yml", str(initfile)],
                          capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert done.returncode == 0 and "workflow completed successfully" in done.stderr + done.stdout, done.stderr[-2000:]
    for result in entry["results"]:
        assert (run_dir / result["relpath"]).is_file(), result
    for test in entry["tests"]:
        parfile, test_dir = tmp_path / f"{test['name']}.parameters.yml", tmp_path / f"recast-test-{test['name']}"
        parfile.write_text(yaml.safe_dump(test["parameters"]), encoding="utf-8")
        done = subprocess.run([str(packtivity_run), test["spec"], "-t", str(specs), str(parfile), "-w", str(test_dir)],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path)
        assert done.returncode == 0, done.stderr[-2000:]
        written = [test_dir / Path(value.replace("{workdir}/", "")) for value in test["parameters"].values() if str(value).startswith("{workdir}/")]
        assert written and all(path.is_file() for path in written), written


# -- answers ------------------------------------------------------------------------------------


def test_the_template_pins_this_version_of_recast_lint() -> None:
    assert DEFAULTS["_recast_lint_version"] == __version__


def test_derived_defaults_follow_the_reference_code(tmp_path: Path) -> None:
    repo = render(tmp_path, reference_code="ANA-SUSY-2020-01")
    assert repo.name == "ANA-SUSY-2020-01"
    assert load(repo / "recast.yml")["name"] == "atlas/ana-susy-2020-01"
    assert "recast run atlas/ana-susy-2020-01 --tag ci" in run_job_script(repo)


def test_free_text_with_quotes_colons_and_accents_round_trips(tmp_path: Path) -> None:
    author, description = "Jürgen O'Brien: for the EXOT group", "Mono-jet search # with 'quotes' and {braces}"
    repo = render(tmp_path, author=author, short_description=description)
    assert load(repo / "recast.yml")["metadata"] == {"author": author, "short_description": description}
    assert lint([repo], cwd=repo).diagnostics == []


UNUSUAL_VALID_ANSWERS = [
    {"step_image": "registry.example.org:5000/atlas-phys/exot/monojet", "step_image_tag": "v2_1.0-rc1"},
    {"step_image_tag": "3.10"},  # would be the float 3.1 unquoted
    {"reference_code": "ATLAS-CONF-2018-041", "catalogue_name": "exotics/conf.2018_041-v2"},
    {"recastatlas_version": "v0.3.0", "repo_name": "recast_monojet.v2"},
]


@pytest.mark.parametrize("answers", UNUSUAL_VALID_ANSWERS, ids=[",".join(a) for a in UNUSUAL_VALID_ANSWERS])
def test_unusual_valid_answers_are_used_as_given_and_lint_clean(tmp_path: Path, answers: Dict[str, str]) -> None:
    repo = render(tmp_path, **answers)
    environment = load(repo / "specs" / "steps.yml")["hello_world"]["environment"]
    expected = {**DEFAULTS, **answers}
    assert (environment["image"], environment["imagetag"]) == (expected["step_image"], expected["step_image_tag"])
    assert load(repo / ".gitlab-ci.yml")["recast"]["image"] == f"recast/recastatlas:{expected['recastatlas_version']}"
    # an engine older than the template's default is the answer's choice: RL660 says `upgrade` would move it, nothing else is found
    older = answers.get("recastatlas_version", DEFAULTS["recastatlas_version"]) != DEFAULTS["recastatlas_version"]
    assert [(d.code, d.severity.value) for d in lint([repo], cwd=repo).diagnostics] == ([("RL660", "info")] if older else [])


BAD_ANSWERS = [
    ("reference_code", "ana-exot-2099-099", "reference_code 'ana-exot-2099-099' is not valid; expected upper-case"),
    ("repo_name", "../elsewhere", "repo_name '../elsewhere' is not valid; expected letters, digits"),
    ("catalogue_name", "ANA-EXOT-2099-099", "catalogue_name 'ANA-EXOT-2099-099' is not valid; expected <group>/<identifier>"),
    ("author", "", "author '' is not valid; expected one line"),
    ("short_description", "two\nlines", "short_description 'two\\nlines' is not valid; expected one line"),
    ("step_image", "busybox:1.36.1", "step_image 'busybox:1.36.1' includes a tag or digest"),
    ("step_image", "Busybox", "step_image 'Busybox' is not valid; expected a Docker image name"),
    ("step_image_tag", "latest", "step_image_tag 'latest' moves over time"),
    ("step_image_tag", "1.36 .1", "step_image_tag '1.36 .1' is not valid; expected a Docker tag"),
    ("recastatlas_version", "latest", "recastatlas_version 'latest' is not valid; expected a release tag vX.Y.Z"),
    ("recast_lint_repo", "http://example.org/x", "recast_lint_repo 'http://example.org/x' is not valid; expected an https:// URL"),
]


@pytest.mark.parametrize(("field", "value", "message"), BAD_ANSWERS, ids=[f"{f}={v!r}" for f, v, _ in BAD_ANSWERS])
def test_cookiecutter_stops_on_a_bad_answer_with_one_line_and_no_directory(tmp_path: Path, capfd, field: str, value: str, message: str) -> None:
    with pytest.raises(FailedHookException):
        render(tmp_path, **{field: value})
    hook_lines = [line for line in capfd.readouterr().err.splitlines() if line.startswith("error: ")]
    assert len(hook_lines) == 1 and hook_lines[0].startswith(f"error: {message}"), hook_lines
    out = tmp_path / "out"
    assert not out.exists() or list(out.iterdir()) == []


@pytest.mark.parametrize(("field", "value", "message"), BAD_ANSWERS, ids=[f"{f}={v!r}" for f, v, _ in BAD_ANSWERS])
def test_new_stops_on_a_bad_answer_with_one_line_and_no_directory(tmp_path: Path, field: str, value: str, message: str) -> None:
    target = tmp_path / "analysis"
    result = CliRunner().invoke(main, ["new", str(target), "--no-input", "--set", f"{field}={value}"])
    assert result.exit_code == 2
    assert result.output.splitlines() == [result.output.strip()] and result.output.startswith(f"recast-lint: error: {message}")
    assert list(tmp_path.iterdir()) == []


# -- recast-lint new -----------------------------------------------------------------------------


def test_new_on_the_defaults_creates_a_clean_repo_and_says_what_next(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new", "--no-input"])
    assert result.exit_code == 0, result.output
    repo = tmp_path / DEFAULTS["reference_code"]
    assert {p.name for p in repo.iterdir()} == {
        ".gitignore", ".gitlab-ci.yml", ".pre-commit-config.yaml", ".recast-lint-template.yml", "README.md", "recast.yml", "specs"}
    assert lint([repo], cwd=repo).diagnostics == []
    for words in ["git init", "git remote add origin", "pre-commit install", "RECAST_USER", "RECAST_PASS", "RECAST_TOKEN"]:
        assert words in result.output
    assert CliRunner().invoke(main, ["check", "--strict", str(repo)]).exit_code == 0


def test_new_asks_each_question_again_until_its_answer_is_valid(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    questions = [key for key in DEFAULTS if not key.startswith("_")]
    typed = {"reference_code": ["ana-hdbs", "ANA-HDBS-2021-07"], "step_image_tag": ["latest", "1.37.0"]}
    lines = [line for key in questions for line in typed.get(key, [""])]
    result = CliRunner().invoke(main, ["new", "--set", "needs_auth=yes", "--set", "use_pre_commit=no"], input="\n".join(lines) + "\n")
    assert result.exit_code == 0, result.output
    assert "reference_code 'ana-hdbs' is not valid" in result.output and "step_image_tag 'latest' moves over time" in result.output
    repo = tmp_path / "ANA-HDBS-2021-07"  # the derived defaults follow the corrected answer
    assert "recast run atlas/ana-hdbs-2021-07 --tag ci" in run_job_script(repo)
    assert load(repo / "specs" / "steps.yml")["hello_world"]["environment"]["imagetag"] == "1.37.0"
    assert not (repo / ".pre-commit-config.yaml").exists() and "pre-commit install" not in result.output
    assert any(line.startswith("eval ") for line in run_job_script(repo))


def test_new_stops_in_one_line_when_the_input_ends_before_the_questions(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["new", str(tmp_path / "x")], input="ana-hdbs\n")
    assert result.exit_code == 2
    # click before 8.2 leaves the unanswered prompt on the same line as the message
    assert "recast-lint: error: the input ended before every question had an answer" in result.output.splitlines()[-1]
    assert list(tmp_path.iterdir()) == []


def test_new_refuses_a_non_empty_directory_unless_forced(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    refused = CliRunner().invoke(main, ["new", str(tmp_path), "--no-input", "--set", "repo_name=analysis"])
    assert refused.exit_code == 2 and "is not empty (holds notes.txt)" in refused.output and "--force" in refused.output
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    forced = CliRunner().invoke(main, ["new", str(tmp_path), "--no-input", "--force", "--set", "repo_name=analysis"])
    assert forced.exit_code == 0, forced.output
    assert notes.read_text() == "mine\n" and (tmp_path / "recast.yml").is_file()


def test_new_force_writes_nothing_when_a_file_stands_where_a_directory_goes(tmp_path: Path) -> None:
    (tmp_path / "specs").write_text("notes\n")
    result = CliRunner().invoke(main, ["new", str(tmp_path), "--no-input", "--force", "--set", "repo_name=analysis"])
    assert result.exit_code == 2
    assert result.output.startswith(f"recast-lint: error: '{tmp_path}' has specs where the template writes a directory")
    assert [p.name for p in tmp_path.iterdir()] == ["specs"]


def test_new_fills_a_fresh_clone_from_inside_and_skips_git_init(tmp_path: Path, monkeypatch) -> None:
    clone = tmp_path / "ANA-EXOT-2099-099"
    (clone / ".git").mkdir(parents=True)
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(main, ["new", ".", "--no-input"])
    assert result.exit_code == 0, result.output
    assert (clone / "recast.yml").is_file()
    steps = result.output.split("next steps:\n")[1].split("\n\n")[0].splitlines()
    # nothing is committed yet: the push needs the commit, and pre-commit checks it
    assert [s.strip() for s in steps] == [
        "python3 -m pip install pre-commit && pre-commit install",
        "git add . && git commit -m 'Start the RECAST preservation'",
        "git push -u origin HEAD",
    ]


def test_new_rejects_an_unsafe_directory_name(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["new", str(tmp_path / "my analysis"), "--no-input"])
    assert result.exit_code == 2 and result.output.startswith("recast-lint: error: the directory name 'my analysis' is not valid")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("setting", "message"), [
    ("refrence_code=ANA-X-2020-01", "--set names no template question 'refrence_code'; did you mean 'reference_code'?"),
    ("_recast_lint_version=9", "--set names no template question '_recast_lint_version'"),
    ("reference_code", "--set 'reference_code' has no '='"),
    ("needs_auth=maybe", "needs_auth 'maybe' is not valid; expected yes or no"),
])
def test_new_rejects_bad_settings_in_one_line(tmp_path: Path, setting: str, message: str) -> None:
    result = CliRunner().invoke(main, ["new", str(tmp_path / "x"), "--no-input", "--set", setting])
    assert result.exit_code == 2 and len(result.output.splitlines()) == 1
    assert result.output.startswith(f"recast-lint: error: {message}")
    assert list(tmp_path.iterdir()) == []


# -- packaging -----------------------------------------------------------------------------------


def test_package_data_ships_every_template_file() -> None:
    tomllib = pytest.importorskip("tomllib" if sys.version_info >= (3, 11) else "tomli")
    patterns = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]["recast_lint"]
    package = REPO / "recast_lint"
    shipped = {Path(p).resolve() for pattern in patterns for p in glob.glob(str(package / pattern), recursive=True) if Path(p).is_file()}
    template_files = {p.resolve() for p in TEMPLATE.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert TEMPLATE.resolve() == (REPO / "template").resolve()
    assert template_files and template_files <= shipped


def test_new_help_lists_every_question() -> None:
    help_text = " ".join(CliRunner().invoke(main, ["new", "--help"]).output.split())
    listed = re.search(r"Questions \(keys for --set\): ([^.]+)\.", help_text).group(1)
    assert [key.strip() for key in listed.split(",")] == answer_keys()
