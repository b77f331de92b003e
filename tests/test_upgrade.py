"""RL660 and `recast-lint upgrade`: the pins the template writes, moved to what this version knows.

tests/fixtures/fix/RL660/before is a repository an older `recast-lint new` made (hooks, install
line and modelines at v0.0.1, recast/recastatlas v0.3.0, its record at 0.0.1); `after/` is what
the rule's fix makes of it (tests/test_fix_rules.py), and `upgrade` makes the same of every file,
bringing the record along.
"""

from __future__ import annotations

import difflib
import re
import shutil
from pathlib import Path
from typing import Dict

import pytest
import yaml
from click.testing import CliRunner

from recast_lint import __version__
from recast_lint.cli import main
from recast_lint.lint import lint
from recast_lint.scaffold import RECORD, template_defaults
from tests.helpers import FIXTURES, invoke, tree

OLD = FIXTURES / "fix" / "RL660" / "before"
FIXED = FIXTURES / "fix" / "RL660" / "after"
RECASTATLAS = template_defaults()["recastatlas_version"]


def texts(root: Path) -> Dict[str, str]:
    return {name: content.decode("utf-8") for name, content in tree(root).items()}



@pytest.fixture
def old(tmp_path: Path) -> Path:
    return Path(shutil.copytree(OLD, tmp_path / "analysis"))


def test_rl660_reports_each_old_pin_naming_upgrade(old: Path) -> None:
    found = [d for d in lint([old], cwd=old).diagnostics if d.code == "RL660"]
    assert sorted((d.path, d.span.line) for d in found) == [
        (".gitlab-ci.yml", 15), (".gitlab-ci.yml", 30), (".pre-commit-config.yaml", 10), ("recast.yml", 1), ("specs/steps.yml", 1), ("specs/workflow.yml", 1)]
    for d in found:
        assert d.severity.value == "info" and "recast-lint upgrade" in d.hint and not d.fix.safe  # type: ignore[union-attr,operator]
        line = (old / d.path).read_text().splitlines()[d.span.line - 1]
        assert line[d.span.column - 1 : d.span.end_column - 1] in ("v0.0.1", "v0.3.0")  # it points at the version
    image = next(d for d in found if d.span.line == 30)
    assert image.message == f"the recast/recastatlas image of job 'recast': v0.3.0 is older than {RECASTATLAS}, what this version of recast-lint pins"


def test_upgrade_moves_every_pin_says_old_to_new_and_nothing_else_changes(old: Path) -> None:
    before = texts(old)

    done = invoke("upgrade", cwd=old)

    assert done.exit_code == 0, done.output
    for said in (f".gitlab-ci.yml:30: the recast/recastatlas image of job 'recast': v0.3.0 → {RECASTATLAS}",
                 f".gitlab-ci.yml:15: the recast-lint install line of job 'lint': v0.0.1 → v{__version__}",
                 f".pre-commit-config.yaml:10: the recast-lint hooks: v0.0.1 → v{__version__}",
                 f"specs/steps.yml:1: the schema modeline: v0.0.1 → v{__version__}",
                 f"{RECORD}: version: 0.0.1 → {__version__}"):
        assert said in done.output
    after = texts(old)
    # the same edits as the rule's fix (the fix case's `after`), the record brought along
    assert {name: text for name, text in after.items() if name != RECORD} == {name: text for name, text in texts(FIXED).items() if name != RECORD}
    record = yaml.safe_load(after[RECORD])
    assert record["version"] == __version__ and record["answers"]["recastatlas_version"] == RECASTATLAS
    assert f"/v{__version__}/" in record["answers"]["schema_base_url"]
    # only versions changed, each line by its version alone
    for name, text in before.items():
        for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, text.splitlines(), after[name].splitlines(), autojunk=False).get_opcodes():
            assert tag in ("equal", "replace") and i2 - i1 == j2 - j1, name
            for was, now in zip(text.splitlines()[i1:i2], after[name].splitlines()[j1:j2]):
                assert re.sub(r"v?\d+\.\d+\.\d+", "X", was) == re.sub(r"v?\d+\.\d+\.\d+", "X", now), (was, now)
    assert [d for d in lint([old], cwd=old).diagnostics if d.code == "RL660"] == []


def test_a_second_upgrade_is_a_no_op(old: Path) -> None:
    assert invoke("upgrade", cwd=old).exit_code == 0
    upgraded = texts(old)
    again = invoke("upgrade", cwd=old)
    assert again.exit_code == 0 and "nothing to move" in again.output
    assert texts(old) == upgraded


def test_dry_run_shows_the_diff_and_writes_nothing(old: Path) -> None:
    done = invoke("upgrade", "--dry-run", cwd=old)
    assert done.exit_code == 0
    assert texts(old) == texts(OLD)
    assert f"-  image: recast/recastatlas:v0.3.0\n+  image: recast/recastatlas:{RECASTATLAS}\n" in done.stdout
    assert "would move 6 pins in 6 files" in done.output


def test_upgrade_moves_pins_the_configuration_ignores(old: Path) -> None:
    (old / ".recast-lint.yml").write_text("ignore: [RL660]\n")
    assert [d for d in lint([old], cwd=old).diagnostics if d.code == "RL660"] == []
    assert invoke("upgrade", cwd=old).exit_code == 0
    assert f"rev: v{__version__}" in (old / ".pre-commit-config.yaml").read_text()


def test_pins_newer_than_this_version_and_moving_ones_are_left(old: Path) -> None:
    config, ci = old / ".pre-commit-config.yaml", old / ".gitlab-ci.yml"
    config.write_text(config.read_text().replace("rev: v0.0.1", "rev: v99.0.0"))
    ci.write_text(ci.read_text().replace("recast/recastatlas:v0.3.0", "recast/recastatlas:latest").replace("@v0.0.1", "@main"))

    done = invoke("upgrade", cwd=old)

    assert done.exit_code == 0
    assert "left the recast-lint hooks at v99.0.0, newer than" in done.output
    assert "rev: v99.0.0" in config.read_text()
    assert "recast/recastatlas:latest" in ci.read_text() and "recast-lint@main" in ci.read_text()
    assert [d.code for d in lint([old], cwd=old).diagnostics if d.path in (".gitlab-ci.yml", ".pre-commit-config.yaml")] == ["RL631"]


def test_upgrade_on_what_new_made_has_nothing_to_move(tmp_path: Path) -> None:
    repo = tmp_path / "analysis"
    assert CliRunner().invoke(main, ["new", "--no-input", str(repo)]).exit_code == 0
    made = texts(repo)
    done = invoke("upgrade", cwd=repo)
    assert done.exit_code == 0 and "nothing to move: 6 pins are at what" in done.output
    assert texts(repo) == made


def test_upgrade_outside_an_analysis_is_a_usage_error(tmp_path: Path) -> None:
    done = invoke("upgrade", cwd=tmp_path)
    assert done.exit_code == 2 and "no recast.yml" in done.output


def test_a_quoted_or_mapping_image_keeps_its_form(old: Path) -> None:
    ci = old / ".gitlab-ci.yml"
    ci.write_text(ci.read_text().replace("  image: recast/recastatlas:v0.3.0", '  image: {name: "recast/recastatlas:v0.3.0", entrypoint: [""]}'))
    assert invoke("upgrade", cwd=old).exit_code == 0
    assert f'  image: {{name: "recast/recastatlas:{RECASTATLAS}", entrypoint: [""]}}' in ci.read_text()
