"""`recast-lint init` on repositories that exist: the helloworld as the RECAST guide's tarball has
it (tests/fixtures/adopt/helloworld) and legacy analyses with their own `.pre-commit-config.yaml`
and a `.gitlab-ci.yml` with comments and several jobs (legacy-search: 4-space indentation, block
`stages:`, anchors; legacy-flow: flow style, a `lint` job of its own, no final newline).

What `init` adds is what `recast-lint new` writes, compared here with a repository `new` made;
every line of the original files is still there, unchanged and in order; a second run changes
nothing. (tests/test_adopt_precommit.py runs the hooks with the real pre-commit.)
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest
import yaml
from click.testing import CliRunner

from recast_lint import __version__
from recast_lint.cli import main
from recast_lint.lint import lint
from tests.helpers import FIXTURES, invoke, tree

ADOPT = FIXTURES / "adopt"


def copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copytree(ADOPT / name, tmp_path / name))



def load(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def made_by_new(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `recast-lint new` writes, to compare what `init` adds with."""
    target = tmp_path_factory.mktemp("new") / "analysis"
    assert CliRunner().invoke(main, ["new", "--no-input", str(target)]).exit_code == 0
    return target


def only_insertions(before: str, after: str) -> List[str]:
    """The lines ``after`` adds to ``before``; fails if a line of ``before`` changed or went away."""
    old, new = before.splitlines(), after.splitlines()
    added = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        assert tag in ("equal", "insert"), f"{tag}: {old[i1:i2]} -> {new[j1:j2]}"
        if tag == "insert":
            added += new[j1:j2]
    return added


def lines_of_job(text: str, name: str) -> List[str]:
    """The lines of a top-level job, from its key to the last line before the next top-level key or comment."""
    lines = text.splitlines()
    start = lines.index(f"{name}:")
    end = next((i for i in range(start + 1, len(lines)) if lines[i][:1] not in ("", " ")), len(lines))
    while not lines[end - 1].strip():
        end -= 1
    return lines[start:end]


def validate_pre_commit_config(path: Path) -> None:
    pytest.importorskip("pre_commit", reason="pre-commit (a test extra) validates the configuration")
    done = subprocess.run([sys.executable, "-m", "pre_commit", "validate-config", str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


# -- the helloworld of the tarball ------------------------------------------------------------------


def test_helloworld_gets_what_new_writes_and_keeps_every_line(tmp_path: Path, made_by_new: Path) -> None:
    repo = copy("helloworld", tmp_path)
    before = tree(repo)

    done = invoke("init", cwd=repo)

    assert done.exit_code == 0, done.output
    after = tree(repo)
    for name, content in before.items():
        only_insertions(content.decode(), after[name].decode())
    assert set(after) - set(before) == {".pre-commit-config.yaml", ".gitignore"}
    # the hooks: the template's entry, and only it (its other hooks would rewrite files init does not touch)
    config = load(repo / ".pre-commit-config.yaml")
    ours = [entry for entry in load(made_by_new / ".pre-commit-config.yaml")["repos"] if entry["repo"].endswith("recast-lint")]
    assert config["repos"] == ours
    new_lines = (made_by_new / ".pre-commit-config.yaml").read_text().splitlines()
    assert [line for line in (repo / ".pre-commit-config.yaml").read_text().splitlines() if line not in new_lines] == []
    validate_pre_commit_config(repo / ".pre-commit-config.yaml")
    # the lint job, as the template writes it; the file has no `stages:`, so it runs in .pre (GitLab's first stage)
    ci_text = (repo / ".gitlab-ci.yml").read_text()
    ci, template_ci = load(repo / ".gitlab-ci.yml"), load(made_by_new / ".gitlab-ci.yml")
    assert ci["lint"] == {**template_ci["lint"], "stage": ".pre"} and "stages" not in ci
    assert [line for line in lines_of_job(ci_text, "lint") if "stage:" not in line] == [
        line for line in lines_of_job((made_by_new / ".gitlab-ci.yml").read_text(), "lint") if "stage:" not in line]
    assert ci["recast"] == load(ADOPT / "helloworld" / ".gitlab-ci.yml")["recast"]
    # the modelines the template opens each file with
    for name in ("recast.yml", "specs/workflow.yml", "specs/steps.yml"):
        assert (repo / name).read_text().splitlines()[0] == (made_by_new / name).read_text().splitlines()[0]
    ignored = (repo / ".gitignore").read_text().splitlines()
    assert {"recast-*/", "authdir/", "getkrb.sh"} <= set(ignored) <= set((made_by_new / ".gitignore").read_text().splitlines())
    for words in ("pre-commit install", "git add", "--add-suppressions", "recast-lint upgrade", "RL702"):
        assert words in done.output


@pytest.mark.parametrize("source", ["helloworld", "legacy-search", "legacy-flow", "new"])
def test_init_on_a_repository_under_recast_lint_changes_nothing(source: str, tmp_path: Path) -> None:
    """A second `init`, or `init` on what `new` made."""
    if source == "new":
        repo = tmp_path / "analysis"
        assert CliRunner().invoke(main, ["new", "--no-input", str(repo)]).exit_code == 0
    else:
        repo = copy(source, tmp_path)
        assert invoke("init", cwd=repo).exit_code == 0
    first = tree(repo)
    again = invoke("init", cwd=repo)
    assert again.exit_code == 0 and "nothing to do" in again.output, again.output
    assert tree(repo) == first


def test_init_adds_what_a_template_repository_lost_with_its_recorded_answers(tmp_path: Path) -> None:
    repo = tmp_path / "analysis"
    url = "https://git.example.org/tools/recast-lint"
    assert CliRunner().invoke(main, ["new", "--no-input", str(repo), "--set", f"recast_lint_repo={url}"]).exit_code == 0
    made = tree(repo)
    (repo / ".pre-commit-config.yaml").unlink()
    for name in ("recast.yml", "specs/steps.yml"):
        (repo / name).write_text((repo / name).read_text().split("\n", 1)[1])  # without the modeline

    assert invoke("init", cwd=repo).exit_code == 0

    for name in ("recast.yml", "specs/steps.yml"):
        assert (repo / name).read_bytes() == made[name]
    assert [entry["repo"] for entry in load(repo / ".pre-commit-config.yaml")["repos"]] == [url]


def test_the_analysis_lints_as_before_with_the_pre_commit_configuration_read(tmp_path: Path) -> None:
    repo = copy("legacy-search", tmp_path)
    before = sorted((d.path, d.code) for d in lint([repo], cwd=repo).diagnostics)
    assert invoke("init", cwd=repo).exit_code == 0
    after = lint([repo], cwd=repo)
    assert sorted((d.path, d.code) for d in after.diagnostics) == before
    assert repo / ".pre-commit-config.yaml" in after.analyses[0].documents


# -- legacy repositories ----------------------------------------------------------------------------


def test_legacy_ci_gets_the_job_at_its_indentation_and_the_stage_first(tmp_path: Path, made_by_new: Path) -> None:
    repo = copy("legacy-search", tmp_path)
    original = (repo / ".gitlab-ci.yml").read_text()

    assert invoke("init", cwd=repo).exit_code == 0

    text = (repo / ".gitlab-ci.yml").read_text()
    added = only_insertions(original, text)
    assert added[0] == "    - lint"
    ci, template_ci = load(repo / ".gitlab-ci.yml"), load(made_by_new / ".gitlab-ci.yml")
    assert ci["stages"] == ["lint", "build", "run", "report"]
    assert ci["lint"] == template_ci["lint"]
    # 4 spaces a level, like the file's other jobs; the commented-out job stays last
    job = lines_of_job(text, "lint")
    template_job = lines_of_job((made_by_new / ".gitlab-ci.yml").read_text(), "lint")
    assert [line.lstrip(" ") for line in job] == [line.lstrip(" ") for line in template_job]
    assert [len(line) - len(line.lstrip(" ")) for line in job] == [2 * (len(line) - len(line.lstrip(" "))) for line in template_job]
    assert text.rstrip("\n").endswith('#     script: echo "not yet"')
    original_ci = yaml.safe_load(original)
    assert {key: value for key, value in ci.items() if key not in ("stages", "lint")} == {k: v for k, v in original_ci.items() if k != "stages"}


def test_legacy_pre_commit_config_gets_the_hooks_at_its_indentation(tmp_path: Path, made_by_new: Path) -> None:
    repo = copy("legacy-search", tmp_path)
    original = (repo / ".pre-commit-config.yaml").read_text()

    assert invoke("init", cwd=repo).exit_code == 0

    text = (repo / ".pre-commit-config.yaml").read_text()
    added = only_insertions(original, text)
    assert added[:2] == ["- repo: https://gitlab.cern.ch/recast-atlas/recast-lint", f"  rev: v{__version__}"]  # dash at 0, keys at 2, as there
    config = load(repo / ".pre-commit-config.yaml")
    assert config["repos"][:2] == yaml.safe_load(original)["repos"] and config["default_stages"] == ["pre-commit"]
    assert config["repos"][2] == load(made_by_new / ".pre-commit-config.yaml")["repos"][1]
    validate_pre_commit_config(repo / ".pre-commit-config.yaml")


def test_gitignore_gets_only_the_missing_lines(tmp_path: Path) -> None:
    repo = copy("legacy-search", tmp_path)
    original = (repo / ".gitignore").read_text()
    assert invoke("init", cwd=repo).exit_code == 0
    added = only_insertions(original, (repo / ".gitignore").read_text())
    assert [line for line in added if not line.startswith("#")] == ["authdir/", "getkrb.sh"]


def test_flow_style_ci_with_a_lint_job_of_its_own(tmp_path: Path, made_by_new: Path) -> None:
    repo = copy("legacy-flow", tmp_path)
    original = (repo / ".gitlab-ci.yml").read_text()
    assert not original.endswith("\n")

    done = invoke("init", cwd=repo)

    assert done.exit_code == 0, done.output
    ci = load(repo / ".gitlab-ci.yml")
    assert ci["stages"] == ["lint", "run"]  # its stage is there already
    assert ci["lint"] == yaml.safe_load(original)["lint"]  # the team's own job, untouched
    assert ci["recast-lint"] == load(made_by_new / ".gitlab-ci.yml")["lint"]
    only_insertions(original, (repo / ".gitlab-ci.yml").read_text())
    # a workflow with a modeline of its own keeps it; the steps are inline, so no steps file gets one
    assert (repo / "specs" / "workflow.yml").read_text() == (ADOPT / "legacy-flow" / "specs" / "workflow.yml").read_text()
    assert (repo / "recast.yml").read_text().startswith("# yaml-language-server: $schema=")


def test_flow_stages_get_the_lint_stage_first(tmp_path: Path) -> None:
    repo = copy("legacy-flow", tmp_path)
    ci = repo / ".gitlab-ci.yml"
    ci.write_text(ci.read_text().replace("stages: [lint, run]", "stages: [ build, run ]").replace("stage: lint", "stage: build"))

    assert invoke("init", cwd=repo).exit_code == 0

    assert ci.read_text().splitlines()[0] == "stages: [ lint, build, run ]   # lint first: it takes seconds"
    assert load(ci)["recast-lint"]["stage"] == "lint"


def test_crlf_files_get_crlf_lines(tmp_path: Path) -> None:
    repo = copy("legacy-search", tmp_path)
    for path in (p for p in repo.rglob("*") if p.is_file()):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    before = tree(repo)

    assert invoke("init", cwd=repo).exit_code == 0

    for name, content in tree(repo).items():
        assert b"\n" not in content.replace(b"\r\n", b""), name
        if name in before:
            only_insertions(before[name].decode(), content.decode())
    assert load(repo / ".gitlab-ci.yml")["stages"][0] == "lint"


def test_missing_recast_lint_hook_is_added_to_the_entry_there(tmp_path: Path) -> None:
    repo = copy("helloworld", tmp_path)
    config = repo / ".pre-commit-config.yaml"
    config.write_text("repos:\n  - repo: https://gitlab.cern.ch/recast-atlas/recast-lint\n    rev: v0.0.9\n    hooks:\n      - id: recast-lint\n"
                      "        args: [--strict]\n")

    done = invoke("init", cwd=repo)

    assert done.exit_code == 0 and "added the hook recast-lint-no-credentials" in done.output, done.output
    hooks = load(config)["repos"][0]["hooks"]
    assert hooks == [{"id": "recast-lint", "args": ["--strict"]}, {"id": "recast-lint-no-credentials"}]
    assert load(config)["repos"][0]["rev"] == "v0.0.9"  # moving it is `upgrade`'s business
    validate_pre_commit_config(config)


def test_a_ci_file_is_created_from_the_template_when_there_is_none(tmp_path: Path) -> None:
    repo = copy("helloworld", tmp_path)
    (repo / ".gitlab-ci.yml").unlink()

    assert invoke("init", cwd=repo).exit_code == 0

    ci = load(repo / ".gitlab-ci.yml")
    assert set(ci) >= {"stages", "lint", "recast"}
    assert "recast run examples/helloworld --tag ci" in ci["recast"]["script"]
    assert [d.code for d in lint([repo], cwd=repo).diagnostics if d.path == ".gitlab-ci.yml"] == []


def test_dry_run_writes_nothing_and_its_diff_is_what_init_writes(tmp_path: Path) -> None:
    planned, applied = copy("legacy-search", tmp_path / "a"), copy("legacy-search", tmp_path / "b")
    before = tree(planned)

    dry = invoke("init", "--dry-run", cwd=planned)

    assert dry.exit_code == 0 and tree(planned) == before
    patch = tmp_path / "init.diff"
    patch.write_text(dry.stdout)
    done = subprocess.run(["git", "apply", str(patch)], cwd=planned, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert invoke("init", cwd=applied).exit_code == 0
    assert tree(planned) == tree(applied)


def test_a_ci_file_that_does_not_read_is_left_and_the_rest_is_done(tmp_path: Path) -> None:
    repo = copy("helloworld", tmp_path)
    ci = repo / ".gitlab-ci.yml"
    ci.write_text(ci.read_text().replace("  stage: build", "  stage: build\n  oops: [unclosed"))
    broken = ci.read_bytes()

    done = invoke("init", cwd=repo)

    assert done.exit_code == 1
    assert "not done: .gitlab-ci.yml: cannot add the lint job: line" in done.output and "recast-lint check --format gitlab" in done.output
    assert ci.read_bytes() == broken
    assert (repo / ".pre-commit-config.yaml").is_file() and (repo / ".gitignore").is_file()


def test_not_an_analysis_is_a_usage_error(tmp_path: Path) -> None:
    done = invoke("init", str(tmp_path), cwd=tmp_path)
    assert done.exit_code == 2 and "no recast.yml at or above" in done.output and "recast-lint new" in done.output
    assert list(tmp_path.iterdir()) == []


def test_an_analysis_below_the_top_of_its_git_repository_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    repo = copy("helloworld", tmp_path)
    before = tree(repo)
    done = invoke("init", cwd=repo)
    assert done.exit_code == 2 and "subdirectory of the git repository" in done.output
    assert tree(repo) == before


def test_files_that_link_out_of_the_analysis_are_neither_read_nor_written(tmp_path: Path) -> None:
    repo = copy("legacy-search", tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    for name in (".gitignore", ".pre-commit-config.yaml"):
        (outside / name).write_text((repo / name).read_text())
        (repo / name).unlink()
        (repo / name).symlink_to(outside / name)
    before = tree(outside)

    done = invoke("init", cwd=repo)

    assert done.exit_code == 1
    assert tree(outside) == before
    assert ".gitignore: a symbolic link to outside the analysis, so it is not changed" in done.output
    assert "not done: .pre-commit-config.yaml: cannot add the recast-lint hooks" in done.output
    assert "- id: recast-lint" in done.output  # the lines to add by hand


@pytest.mark.parametrize(("written", "kept"), [
    ("repos: [{repo: meta, hooks: [{id: identity}]}]   # one line\n", "[{repo: meta, hooks: [{id: identity}]}, {repo:"),
    ("repos: []\n", "repos: [{repo:"),
    ("# no hooks yet\ndefault_stages: [pre-commit]\n", "default_stages: [pre-commit]\nrepos:\n  - repo:"),
])
def test_hooks_join_a_flow_list_or_a_new_repos_key(tmp_path: Path, made_by_new: Path, written: str, kept: str) -> None:
    repo = copy("helloworld", tmp_path)
    config = repo / ".pre-commit-config.yaml"
    config.write_text(written)

    assert invoke("init", cwd=repo).exit_code == 0

    assert kept in config.read_text()
    assert load(config)["repos"][-1] == load(made_by_new / ".pre-commit-config.yaml")["repos"][1]
    only_insertions(written.split("[", 1)[0], config.read_text().split("[", 1)[0])
    validate_pre_commit_config(config)
