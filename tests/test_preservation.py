"""RL7xx: images, resources, environments and committed credentials, on real fixture analyses."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import List

import pytest

from recast_lint.diagnostics import Diagnostic, Severity
from tests.helpers import FIXTURES, run, where

PRESERVATION = FIXTURES / "preservation"
# the fake secrets written in preservation/credentials; no diagnostic may repeat them
FAKE_SECRETS = (
    "glpat-EXAMPLEEXAMPLEEXAMPLE",
    "EXAMPLE-not-a-real-password",
    "EXAMPLE-registry-secret",
    "EXAMPLE-db-password",
    "EXAMPLEEXAMPLEEXAMPLEEXAMPLE",
    "12345678",
)
# the fake secrets written in commands in preservation/ci-credentials (a `recast auth setup`, `kinit`)
FAKE_COMMAND_SECRETS = (
    "EXAMPLE-setup-pw!",
    "EXAMPLE-old-pw",
    "EXAMPLE-old-token",
    "EXAMPLE-printf-pw",
    "EXAMPLE-here-pw",
    "EXAMPLE-kinit-pw",
    "EXAMPLE-var-pw",
    "glpat-EXAMPLEEXAMPLEEXAMPLE",
)


def _case(name: str) -> List[Diagnostic]:
    return run(PRESERVATION / name, cwd=PRESERVATION / name)


@pytest.mark.parametrize(
    "case,code,path,line,column",
    [
        ("images", "RL701", "steps.yml", 6, 12),
        ("images", "RL701", "steps.yml", 12, 12),
        ("images", "RL702", "steps.yml", 19, 12),
        ("images", "RL702", "steps.yml", 26, 15),
        ("images", "RL703", "steps.yml", 32, 12),
        ("images", "RL704", "steps.yml", 42, 9),
        ("images", "RL704", "steps.yml", 43, 9),
        ("images", "RL704", "steps.yml", 44, 9),
        ("images", "RL704", "steps.yml", 47, 9),
        ("images", "RL705", "steps.yml", 50, 5),
        ("images", "RL706", "steps.yml", 53, 27),
        ("images", "RL707", "steps.yml", 58, 31),
        ("credentials", "RL710", ".gitlab-ci.yml", 4, 29),
        ("credentials", "RL710", ".gitlab-ci.yml", 15, 32),
        ("credentials", "RL711", ".gitlab-ci.yml", 3, 25),
        ("credentials", "RL711", ".gitlab-ci.yml", 6, 12),
        ("credentials", "RL711", "recast.yml", 11, 20),
        ("credentials", "RL712", "recast.yml", 15, 9),
        ("credentials", "RL713", "authdir/getkrb.sh", 1, 1),
        ("ci-credentials", "RL714", ".gitlab-ci.yml", 7, 48),
        ("ci-credentials", "RL714", ".gitlab-ci.yml", 8, 49),
        ("ci-credentials", "RL714", ".gitlab-ci.yml", 8, 67),
        ("ci-credentials", "RL714", ".gitlab-ci.yml", 9, 22),
        ("ci-credentials", "RL714", ".gitlab-ci.yml", 10, 34),
        ("ci-credentials", "RL714", "specs/steps.yml", 5, 13),
    ],
)
def test_preservation_problem_is_located(case: str, code: str, path: str, line: int, column: int) -> None:
    assert (path, line, column) in where(_case(case), code)


def test_each_image_problem_is_reported_once() -> None:
    found = sorted(d.code for d in _case("images") if d.code.startswith("RL7"))
    assert found == ["RL701", "RL701", "RL702", "RL702", "RL703", "RL704", "RL704", "RL704", "RL704", "RL705", "RL706", "RL707"]


def test_tagged_image_shows_the_invalid_reference_and_the_split() -> None:
    tagged = [d for d in _case("images") if d.code == "RL701" and d.span.line == 6][0]
    assert "'atlas/analysisbase:21.2.125:latest'" in tagged.message
    assert tagged.hint == "write `image: atlas/analysisbase` and `imagetag: '21.2.125'`"


def test_registry_port_is_not_a_tag() -> None:
    # `gitlab-registry.cern.ch:443/atlas/analysisbase` with a pinned imagetag (line 38) is fine
    assert [line for _, line, _ in where(_case("images"), "RL701")] == [6, 12]
    assert 38 not in [line for _, line, _ in where(_case("images"), "RL702")]


def test_resource_suggestions() -> None:
    hints = {d.span.line: d.hint for d in _case("images") if d.code == "RL704"}
    assert hints[42] == "did you mean 'CVMFS'? (names are case-sensitive)"
    assert hints[43] == "did you mean 'GRIDProxy'? (names are case-sensitive)"
    assert hints[44] == "write `- kerberos: true`"
    assert hints[47].startswith("did you mean 'kerberos'?")


def test_credentials_are_errors_and_never_repeated() -> None:
    findings = [d for d in _case("credentials") if d.code in ("RL710", "RL711", "RL712", "RL713")]
    assert len(findings) == 8
    assert all(d.severity is Severity.ERROR for d in findings)
    for finding in findings:
        text = f"{finding.message} {finding.hint}"
        assert not [secret for secret in FAKE_SECRETS if secret in text], finding
    assert all("glpat-****" in d.message for d in findings if d.code == "RL710")


@pytest.mark.parametrize("output_format", ["text", "concise", "json", "gitlab", "sarif", "github"])
@pytest.mark.parametrize("case,secrets", [("credentials", FAKE_SECRETS), ("ci-credentials", FAKE_COMMAND_SECRETS)])
def test_no_output_format_shows_a_committed_secret(output_format: str, case: str, secrets: tuple) -> None:
    from click.testing import CliRunner

    from recast_lint.cli import main

    result = CliRunner().invoke(main, ["check", "--format", output_format, "--color", "never", str(PRESERVATION / case)])
    assert result.exit_code == 1
    assert "RL711" in result.output
    # the text format shows source lines: every secret's region is blanked on them, whichever diagnostic shows the
    # line (RL710 flags the token in the line holding a password), and a secret a message quotes is masked (RL630
    # quotes the name `recast run` is given: the password of RECAST_PASS, pasted by mistake)
    assert not [secret for secret in secrets if secret in result.output]


def test_commands_with_credentials_read_from_variables_or_parameters_are_fine() -> None:
    found = [(d.path, d.span.line) for d in _case("ci-credentials") if d.code == "RL714"]
    assert (".gitlab-ci.yml", 11) not in found and (".gitlab-ci.yml", 12) not in found  # $RECAST_PASS, "$RECAST_PASS"
    assert ("specs/steps.yml", 6) not in found  # `echo {name} | kinit`: a step parameter
    assert (".gitlab-ci.yml", 7) in found and len([f for f in found if f == (".gitlab-ci.yml", 7)]) == 1  # the token is RL710's


def test_a_secret_stays_hidden_when_the_rule_that_finds_it_is_not_selected() -> None:
    from recast_lint.lint import lint
    from recast_lint.report import render

    result = lint([PRESERVATION / "ci-credentials"], select=["RL630", "RL634"], cwd=PRESERVATION / "ci-credentials")
    assert {d.code for d in result.diagnostics} == {"RL630", "RL634"}
    text = render("text", result)
    assert "****" in text and not [secret for secret in FAKE_COMMAND_SECRETS if secret in text]


def test_a_private_key_is_flagged_as_a_whole_block() -> None:
    key = [d for d in _case("credentials") if d.code == "RL712"][0]
    assert (key.span.line, key.span.end_line) == (15, 17)  # BEGIN to END: no snippet may show the lines between


def test_references_and_empty_values_are_not_credentials() -> None:
    # `$CI_JOB_TOKEN`, `${MASKED_PASS}`, `api_token: ''`, and keys that describe a secret (`token_file`,
    # `token_lifetime`, `secret_name`) are all fine
    lines = {(d.path, d.span.line) for d in _case("credentials") if d.code == "RL711"}
    assert lines == {(".gitlab-ci.yml", 3), (".gitlab-ci.yml", 6), (".gitlab-ci.yml", 10), ("recast.yml", 11)}


def test_a_password_under_an_escaped_key_is_found_though_the_text_never_spells_the_word() -> None:
    # RL711 walks a file's data only when its text could name a secret: `"db_\x70assword"` reads as `db_password`
    text = (PRESERVATION / "escaped-credentials" / "recast.yml").read_text(encoding="utf-8")
    assert "password" not in text.lower()
    found = [d for d in _case("escaped-credentials") if d.code == "RL711"]
    assert [(d.path, d.span.line) for d in found] == [("recast.yml", 11)]
    assert "EXAMPLE-escaped-value" not in f"{found[0].message} {found[0].hint}"


def test_clean_analyses_have_no_preservation_findings() -> None:
    assert [(d.code, d.path) for d in run(FIXTURES / "catalogue" / "clean") if d.code.startswith("RL7")] == []
    assert [(d.code, d.path) for d in run(FIXTURES / "helloworld") if d.code.startswith("RL7")] == []


def test_unpinned_helloworld_template_image_is_a_warning_only() -> None:
    found = [(d.code, d.severity, d.span.line) for d in run(FIXTURES / "helloworld-bugs") if d.code.startswith("RL7")]
    assert found == [("RL702", Severity.WARNING, 11)]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_git_ignored_kerberos_script_is_not_reported(tmp_path: Path) -> None:
    analysis = tmp_path / "analysis"
    shutil.copytree(PRESERVATION / "credentials", analysis)
    # outside any git work tree every file counts
    assert where(run(analysis), "RL713") == [("authdir/getkrb.sh", 1, 1)]
    # `recast auth write --basedir authdir` with `authdir/` ignored is the recommended setup
    subprocess.run(["git", "init", "-q", str(analysis)], check=True)
    (analysis / ".gitignore").write_text("authdir/\n", encoding="utf-8")
    assert where(run(analysis), "RL713") == []


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_kerberos_script_in_a_hidden_directory_is_reported(tmp_path: Path) -> None:
    analysis = tmp_path / "analysis"
    shutil.copytree(FIXTURES / "helloworld", analysis)
    subprocess.run(["git", "init", "-q", str(analysis)], check=True)
    (analysis / ".ci").mkdir()
    (analysis / ".ci" / "getkrb.sh").write_text("echo EXAMPLE | kinit analyst@CERN.CH\n", encoding="utf-8")
    assert where(run(analysis), "RL713") == [(".ci/getkrb.sh", 1, 1)]


def test_git_runs_only_when_a_file_it_would_judge_exists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # starting git is a tenth of a check's time, and pre-commit runs the check on every commit
    calls = tmp_path / "git-calls"
    stand_in = tmp_path / "bin" / "git"
    stand_in.parent.mkdir()
    stand_in.write_text(f'#!/bin/sh\necho "$@" >> {calls}\nexit 128\n', encoding="utf-8")
    stand_in.chmod(0o755)
    monkeypatch.setenv("PATH", str(stand_in.parent))
    analysis = tmp_path / "analysis"
    shutil.copytree(FIXTURES / "helloworld", analysis)
    (analysis / ".git").mkdir()  # a work tree (git itself is never asked outside one)
    assert run(analysis) == [] and not calls.exists()
    (analysis / "authdir").mkdir()
    (analysis / "authdir" / "getkrb.sh").write_text("echo EXAMPLE | kinit analyst@CERN.CH\n", encoding="utf-8")
    assert where(run(analysis), "RL713") == [("authdir/getkrb.sh", 1, 1)]  # git failed: every file counts
    assert "ls-files" in calls.read_text(encoding="utf-8")


def test_a_loose_workflow_file_does_not_judge_what_lies_around_it(tmp_path: Path) -> None:
    # the directory of a loose file may be /tmp or a home: not a repository whose files are the analysis's
    shutil.copy(FIXTURES / "helloworld" / "specs" / "workflow.yml", tmp_path / "workflow.yml")
    shutil.copy(FIXTURES / "helloworld" / "specs" / "steps.yml", tmp_path / "steps.yml")
    (tmp_path / "someone-else" / "authdir").mkdir(parents=True)
    (tmp_path / "someone-else" / "authdir" / "getkrb.sh").write_text("echo EXAMPLE | kinit other@CERN.CH\n", encoding="utf-8")
    assert where(run(tmp_path / "workflow.yml"), "RL713") == []


def test_an_image_or_tag_that_is_no_docker_reference_is_an_error_saying_what_docker_does() -> None:
    # verified against the Docker 28.2 CLI: `docker pull -- REF` fails with "invalid reference format" for each
    # of these, before it asks the daemon, and accepts the registry port, `__` and a host docker reads as a path
    found = {d.span.line: d.message for d in run(PRESERVATION / "references" / "steps.yml") if d.code == "RL703"}
    assert sorted(found) == [6, 13, 20, 28, 35]
    assert found[6] == "image '--all-tags' starts with '-', so docker reads it as an option, not an image"
    assert found[13] == "image '-v/:/host' starts with '-', so docker reads it as an option, not an image"
    assert "'atlas/analysis..base' is not a valid Docker reference" in found[20]
    assert found[28].startswith("imagetag '21.2 beta' is not a valid Docker tag") and found[35].startswith("imagetag '--privileged'")


# -- interpreters (verified with packtivity 0.17.1 and Docker on busybox:1.36.1) --------------


def test_bash_on_an_image_without_bash_is_an_error_where_it_is_called() -> None:
    found = [(d.code, d.span.line, d.span.column, d.severity) for d in run(PRESERVATION / "interpreters") if d.code in ("RL720", "RL721")]
    assert found == [
        ("RL720", 5, 18, Severity.ERROR),  # interpreter: bash on busybox
        ("RL720", 13, 30, Severity.ERROR),  # cmd: ... && bash -c ... on busybox
        ("RL721", 20, 7, Severity.ERROR),  # #!/bin/bash, runs in ash, which rejects the array
        ("RL721", 29, 7, Severity.WARNING),  # #!/bin/bash with only [[ ]]: ash runs it
        ("RL720", 36, 18, Severity.ERROR),  # interpreter: bash on python:3.12-alpine
        ("RL721", 53, 7, Severity.WARNING),  # #!/usr/bin/env bash run by sh on debian (dash)
    ]  # python3 on python:3.12-alpine has python; interpreter: bash with a bash shebang on debian is fine


def test_interpreter_messages_say_what_the_shell_prints() -> None:
    found = {d.span.line: d for d in run(PRESERVATION / "interpreters") if d.code in ("RL720", "RL721")}
    assert "`sh: bash: not found`" in found[5].message and "busybox:1.36.1" in found[5].message
    assert "ash rejects its bash arrays" in found[20].message
    assert found[53].hint == "set `interpreter: bash`, or write the script for `sh`"
