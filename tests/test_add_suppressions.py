"""`recast-lint check --add-suppressions REASON`: a comment for every finding, so `--strict` passes.

On the legacy fixtures (tests/fixtures/adopt/) and on a copy of each repository of the corpus:
afterwards `check --strict` exits 0, or 1 with every finding left being one that cannot be
suppressed (RL101), said so; every YAML file still holds the same data; a second run adds nothing;
and once a finding is fixed, RL901 reports its comment.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Dict

import pytest
import yaml

from recast_lint.lint import lint
from tests.helpers import CORPUS, FIXTURES, invoke, tree

ADOPT = FIXTURES / "adopt"



def data(root: Path) -> Dict[str, Any]:
    """What each YAML file holds (None when it does not read)."""
    held = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".yml", ".yaml", ".json")):
        try:
            held[path.relative_to(root).as_posix()] = yaml.safe_load(path.read_bytes())
        except yaml.YAMLError:
            held[path.relative_to(root).as_posix()] = None
    return held


def test_each_comment_goes_where_yaml_reads_it_as_one(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(ADOPT / "legacy-search", tmp_path / "repo"))
    held = data(repo)

    done = invoke("check", "--add-suppressions", "legacy, fixed in v2", cwd=repo)

    assert done.exit_code == 0, done.output
    assert "added 4 suppression comments for 4 findings in 3 files" in done.output
    steps = (repo / "specs" / "steps.yml").read_text().splitlines()
    # inside a block scalar a `#` is text: the comment goes above the entry, at its indentation
    assert steps[steps.index("    script: |") - 1] == "    # recast-lint: ignore[RL501] legacy, fixed in v2"
    # a line with a comment of its own: above it
    assert steps[steps.index("    imagetag: latest   # TODO pin before the paper") - 1] == "    # recast-lint: ignore[RL702] legacy, fixed in v2"
    workflow = (repo / "specs" / "workflow.yml").read_text().splitlines()
    # inside a flow mapping over several lines: above the entry holding it
    assert workflow[workflow.index("      parameters: {") - 1] == "      # recast-lint: ignore[RL507] legacy, fixed in v2"
    # anywhere else: after the YAML of the line
    assert "    image: recast/recastatlas:v0.3.0  # recast-lint: ignore[RL660] legacy, fixed in v2" in (repo / ".gitlab-ci.yml").read_text().splitlines()
    assert data(repo) == held
    assert invoke("check", "--strict", cwd=repo).exit_code == 0


def test_codes_join_the_directive_already_there(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(ADOPT / "suppress-merge", tmp_path / "repo"))

    done = invoke("check", "--add-suppressions", "legacy", cwd=repo)

    assert done.exit_code == 0, done.output
    assert "added 1 suppression comment (and codes to 2 there already) for 3 findings in 2 files" in done.output
    steps = (repo / "specs" / "steps.yml").read_text()
    assert "    # recast-lint: ignore[RL505, RL501] the step writes where it is told\n    cmd: |\n" in steps
    assert "    image: BusyBox  # recast-lint: ignore[RL702, RL703] no tag in 2016\n" in steps
    # a finding on no line of YAML (an empty file): `ignore-file` on top
    assert (repo / "specs" / "notes.yml").read_text() == "# recast-lint: ignore-file[RL104] legacy\n# notes for the next version\n"
    assert invoke("check", "--strict", cwd=repo).exit_code == 0


def test_a_second_run_adds_nothing(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(ADOPT / "legacy-search", tmp_path / "repo"))
    assert invoke("check", "--add-suppressions", "legacy", cwd=repo).exit_code == 0
    first = tree(repo)
    again = invoke("check", "--add-suppressions", "legacy", cwd=repo)
    assert again.exit_code == 0 and "added 0 suppression comments for 0 findings in 0 files" in again.output
    assert tree(repo) == first


def test_rl901_reports_the_comment_once_its_finding_is_fixed(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(ADOPT / "legacy-search", tmp_path / "repo"))
    assert invoke("check", "--add-suppressions", "legacy", cwd=repo).exit_code == 0
    steps = repo / "specs" / "steps.yml"
    steps.write_text(steps.read_text().replace("{evnets}", "{events}"))

    unused = [d for d in lint([repo], cwd=repo).diagnostics]

    assert [(d.code, d.path, d.message) for d in unused] == [("RL901", "specs/steps.yml", "suppression of RL501 matches no diagnostic in the node below")]
    assert invoke("check", "--fix", cwd=repo).exit_code == 0  # RL901's fix takes the comment away
    assert "ignore[RL501]" not in steps.read_text()


def test_what_cannot_be_suppressed_is_said_and_exits_1(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(ADOPT / "suppress-left", tmp_path / "repo"))
    json_step = (repo / "specs" / "fit.json").read_bytes()

    done = invoke("check", "--add-suppressions", "legacy", "--strict", cwd=repo)

    assert done.exit_code == 1
    rl101 = next(d for d in lint([repo], cwd=repo).diagnostics if d.code == "RL101")
    assert f"specs/plot.yml:{rl101.span.line}:{rl101.span.column}: RL101 cannot be suppressed: fix the YAML syntax" in done.output
    assert "specs/fit.json:4:71: RL702 cannot be suppressed inline: JSON has no comments" in done.output
    assert (repo / "specs" / "fit.json").read_bytes() == json_step
    assert "busybox}  # recast-lint: ignore[RL702] legacy" in (repo / "specs" / "steps.yml").read_text()


def test_diff_shows_the_comments_and_writes_nothing(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(ADOPT / "legacy-search", tmp_path / "repo"))
    before = tree(repo)
    done = invoke("check", "--add-suppressions", "legacy", "--diff", cwd=repo)
    assert done.exit_code == 1 and tree(repo) == before
    assert "+    # recast-lint: ignore[RL702] legacy\n" in done.stdout and "would add 4 suppression comments" in done.output


@pytest.mark.parametrize(("args", "message"), [
    (["--add-suppressions", "x", "--fix"], "--add-suppressions writes comments, not fixes"),
    (["--add-suppressions", " "], "--add-suppressions needs a reason"),
    (["--add-suppressions", "two\nlines"], "must be one line of printable text"),
])
def test_bad_uses_are_usage_errors(tmp_path: Path, args, message: str) -> None:
    repo = Path(shutil.copytree(ADOPT / "legacy-search", tmp_path / "repo"))
    before = tree(repo)
    done = invoke("check", *args, cwd=repo)
    assert done.exit_code == 2 and message in done.output
    assert tree(repo) == before


CORPUS_REPOS = sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []


@pytest.mark.corpus
@pytest.mark.parametrize("source", CORPUS_REPOS, ids=[p.name for p in CORPUS_REPOS])
def test_a_copy_of_each_corpus_repository_passes_strict_afterwards(source: Path, tmp_path: Path) -> None:
    repo = Path(shutil.copytree(source, tmp_path / source.name))
    held = data(repo)

    done = invoke("check", "--add-suppressions", "legacy, from the corpus", "--format", "concise", cwd=repo)

    assert done.exit_code in (0, 1), done.output
    assert data(repo) == held  # comments change nothing a tool reads
    strict = invoke("check", "--strict", "--format", "concise", cwd=repo)
    left = lint([repo], cwd=repo).diagnostics
    if strict.exit_code:
        assert left and {d.code for d in left} == {"RL101"}, strict.output
        assert done.exit_code == 1 and "RL101 cannot be suppressed" in done.output
    else:
        assert left == [] and done.exit_code == 0
    again = tree(repo)
    assert invoke("check", "--add-suppressions", "legacy, from the corpus", cwd=repo).exit_code == done.exit_code
    assert tree(repo) == again
