"""The pre-commit glue: the manifest, the file-to-analysis mapping and the credentials refusal."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import List

import pytest
import yaml
from click.testing import CliRunner
from pre_commit.clientlib import load_manifest
from recast_lint_hooks.credentials import classify, explain
from recast_lint_hooks.credentials import main as no_credentials
from recast_lint_hooks.lint import command, lint_targets

from tests.helpers import FIXTURES

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / ".pre-commit-hooks.yaml"


def hooks_by_id() -> dict:
    return {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text())}


@pytest.fixture
def analysis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of helloworld as the current directory, the way pre-commit runs hooks from the repo root."""
    shutil.copytree(FIXTURES / "helloworld", tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")
    return tmp_path / "repo"


@pytest.fixture
def loose_specs(analysis: Path) -> Path:
    (analysis / "recast.yml").unlink()
    return analysis


def hook(*args: str):
    return CliRunner().invoke(command, list(args))


def diagnostic_lines(output: str) -> List[str]:
    return [line for line in output.splitlines() if re.match(r"^\S+:\d+:\d+: ", line)]


def rename_step(root: Path) -> None:
    """A change to steps.yml alone that breaks workflow.yml, which still cites `steps.yml#/hello_world`."""
    steps = root / "specs" / "steps.yml"
    steps.write_text(steps.read_text().replace("hello_world:", "hello:", 1))


# --- the manifest -------------------------------------------------------------------------------


def test_manifest_is_valid_for_pre_commit_and_keeps_the_ids_the_template_uses() -> None:
    hooks = load_manifest(str(MANIFEST))
    assert [h["id"] for h in hooks] == ["recast-lint", "recast-lint-no-credentials"]
    assert all(h["language"] == "python" and h["require_serial"] for h in hooks)


def test_every_hook_entry_is_a_console_script_of_this_package() -> None:
    scripts = (REPO / "pyproject.toml").read_text().split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    for hook_spec in hooks_by_id().values():
        assert re.search(rf'^{re.escape(hook_spec["entry"])} = "recast_lint_hooks\.', scripts, re.M), hook_spec["entry"]


@pytest.mark.parametrize(
    ("path", "triggers"),
    [
        ("recast.yml", True),
        ("analysis/recast.yml", True),
        ("specs/steps.yml", True),
        ("specs/sub/workflow.yaml", True),
        (".gitlab-ci.yml", True),
        ("reana.yaml", True),
        ("reana-prod.yml", True),
        ("README.md", False),
        ("myrecast.yml", False),
        ("notspecs/steps.yml", False),
        ("config/reana.json", False),
    ],
)
def test_lint_hook_files_pattern(path: str, triggers: bool) -> None:
    assert bool(re.search(hooks_by_id()["recast-lint"]["files"], path)) is triggers


@pytest.mark.parametrize(
    "path, refused",
    [
        ("authdir/getkrb.sh", True),
        ("authdir/expect_script.sh", True),
        ("ci/authdir/getkrb_reana.sh", True),
        ("AUTHDIR/expect_script.sh", True),
        ("getkrb.sh", True),
        ("auth/getkrb.sh", True),
        ("GetKrb.sh", True),
        ("getkrb.sh.bak", True),
        ("getkrb.sh~", True),
        ("backup/.getkrb.sh.swp", True),
        ("#getkrb.sh#", True),
        ("recast-mytag/_yadage/yadage_snapshot_workflow.json", True),
        ("recast-test-hello/out.txt", True),
        ("README.md", False),
        ("authdir.md", False),
        ("specs/recast-notes.yml", False),
        ("docs/getkrb.sh.md", False),
        ("my-recast-run/x", False),
    ],
)
def test_credentials_are_refused_by_name_whatever_the_case_and_the_backup_suffix(path: str, refused: bool) -> None:
    assert (classify(path) is not None) is refused


def test_the_credentials_hook_sees_every_file() -> None:
    # a renamed copy of getkrb.sh is found by its content, so no `files` filter may hide it from the hook
    assert "files" not in hooks_by_id()["recast-lint-no-credentials"]


def test_a_renamed_copy_of_getkrb_is_refused_by_its_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scripts").mkdir()
    # exactly what `recast auth write` writes (no newline at the end)
    (tmp_path / "scripts" / "login.sh").write_text("echo 'EXAMPLE-pw'|kinit analyst@CERN.CH", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("run `echo \"$RECAST_AUTH_PASSWORD\" | kinit $RECAST_AUTH_USERNAME@CERN.CH`\n", encoding="utf-8")
    message = explain(["scripts/login.sh", "notes.txt"]) or ""
    assert "scripts/login.sh: holds a password in clear text" in message and "notes.txt" not in message
    assert "git rm -r --cached scripts/login.sh\n" in message and "change the password" in message


# --- recast-lint-precommit: which analyses get linted ----------------------------------------------


def test_files_inside_an_analysis_are_passed_on_as_they_are(analysis: Path) -> None:
    changed = [Path("specs/steps.yml"), Path("recast.yml"), Path("specs/steps.yml")]
    assert lint_targets(changed) == [Path("specs/steps.yml"), Path("recast.yml")]


def test_loose_spec_files_stand_for_their_outermost_specs_directory(loose_specs: Path) -> None:
    changed = [Path("specs/steps.yml"), Path("specs/sub/more.yml"), Path("reana.yaml")]
    assert lint_targets(changed) == [Path("specs"), Path("reana.yaml")]


def test_gitlab_ci_without_an_analysis_is_not_linted(loose_specs: Path) -> None:
    (loose_specs / ".gitlab-ci.yml").write_text("stages: [build, test]\nbuild:\n  script: [echo hi]\n")
    result = hook(".gitlab-ci.yml")
    assert (result.exit_code, result.output) == (0, "")


def test_a_change_to_steps_alone_lints_the_whole_analysis(analysis: Path) -> None:
    rename_step(analysis)
    result = hook("specs/steps.yml")
    assert result.exit_code == 1
    assert any(line.startswith("specs/workflow.yml:") and "RL302" in line for line in diagnostic_lines(result.output))


def test_a_change_to_loose_steps_alone_lints_the_workflow_that_uses_them(loose_specs: Path) -> None:
    rename_step(loose_specs)
    result = hook("specs/steps.yml")
    assert result.exit_code == 1
    assert any(line.startswith("specs/workflow.yml:") and "RL302" in line for line in diagnostic_lines(result.output))


def test_every_diagnostic_is_reported_once_however_many_files_changed(analysis: Path) -> None:
    rename_step(analysis)
    once = diagnostic_lines(hook("specs/steps.yml").output)
    every_file = diagnostic_lines(hook("recast.yml", "specs/workflow.yml", "specs/steps.yml").output)
    assert once and every_file == once


def test_output_is_concise_by_default_and_check_options_pass_through(analysis: Path) -> None:
    steps = analysis / "specs" / "steps.yml"
    steps.write_text(steps.read_text().replace("    image: busybox\n", "    image: busybox\n    image: busybox\n"))  # a duplicate key: a warning
    relaxed = hook("specs/steps.yml")
    assert relaxed.exit_code == 0
    assert [line.split(" ")[2] for line in diagnostic_lines(relaxed.output)] == ["RL103"]
    assert hook("--strict", "specs/steps.yml").exit_code == 1
    assert hook("--ignore", "RL103", "--strict", "specs/steps.yml").exit_code == 0


# --- recast-lint-no-credentials -------------------------------------------------------------------


def test_refusal_names_each_file_and_says_how_to_untrack_and_ignore_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # a repository without a .gitignore
    message = explain(["specs/steps.yml", "authdir/getkrb.sh", "authdir/expect_script.sh", "recast-hello/log.txt"])
    assert message is not None
    assert "authdir/getkrb.sh: " in message and "recast-hello/log.txt: " in message
    assert "specs/steps.yml" not in message
    assert "git rm -r --cached authdir recast-hello\n" in message
    assert "printf '%s\\n' authdir/ 'recast-*/' >> .gitignore\n" in message
    assert "change the password" in message


def test_lines_already_in_the_gitignore_are_not_suggested_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".gitignore").write_text("authdir\n", encoding="utf-8")
    paths = ["authdir/getkrb.sh", "recast-hello/log.txt"]
    assert "printf '%s\\n' 'recast-*/' >> .gitignore\n" in (explain(paths) or "")
    (tmp_path / ".gitignore").write_text("authdir/\nrecast-*/\n", encoding="utf-8")
    message = explain(paths) or ""
    assert "untrack them (the files stay on disk):\n  git rm -r --cached authdir recast-hello\n" in message
    assert ".gitignore" not in message


def test_run_directories_alone_do_not_talk_about_passwords() -> None:
    message = explain(["recast-hello/out.txt"])
    assert message is not None and "password" not in message


def test_no_credentials_exit_codes(capsys: pytest.CaptureFixture) -> None:
    assert no_credentials(["specs/steps.yml", "README.md"]) == 0
    assert capsys.readouterr().err == ""
    assert no_credentials(["sub/getkrb.sh"]) == 1
    assert "git rm -r --cached sub/getkrb.sh" in capsys.readouterr().err
