"""Configuration: `.recast-lint.yml` and `[tool.recast-lint]`, found walking up from the analysis root.

Each test lays out a project in a temporary directory: the fixture analysis in `analysis/` and one
configuration fixture from `tests/fixtures/config/<form>/` next to it, with `.git` marking the top.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List, Tuple

import pytest
from click.testing import CliRunner

from recast_lint.cli import main
from recast_lint.config import ConfigError, load_config
from recast_lint.lint import lint
from tests.helpers import FIXTURES

CONFIG = FIXTURES / "config"
WITHOUT_CONFIG = [
    ("RL202", "analysis/specs/legacy/steps.yml", 12),
    ("RL202", "analysis/specs/steps.yml", 12),
    ("RL306", "analysis/specs/workflow.yml", 8),
    ("RL305", "analysis/specs/workflow.yml", 21),
]


def _project(tmp_path: Path, form: str = "") -> Path:
    shutil.copytree(CONFIG / "analysis", tmp_path / "analysis")
    (tmp_path / ".git").mkdir()
    if form:
        for item in (CONFIG / form).iterdir():
            shutil.copy(item, tmp_path / item.name)
    return tmp_path


def _found(project: Path, **options) -> List[Tuple[str, str, int, str]]:
    result = lint([project / "analysis"], cwd=project, **options)
    return [(d.code, d.path, d.span.line, d.severity.value) for d in result.diagnostics]


def _check(project: Path, *args: str):
    return CliRunner().invoke(main, ["check", str(project / "analysis"), "--format", "concise", *args])


def test_without_a_configuration_every_rule_runs(tmp_path: Path) -> None:
    project = _project(tmp_path)
    assert [(c, p, line) for c, p, line, _ in _found(project, select=["RL2", "RL3"])] == WITHOUT_CONFIG
    assert load_config(project / "analysis").source is None


@pytest.mark.parametrize("form", ["yaml", "pyproject"])
def test_select_ignore_severity_and_per_file_ignores(tmp_path: Path, form: str) -> None:
    project = _project(tmp_path, form)
    assert _found(project) == [
        ("RL202", "analysis/specs/steps.yml", 12, "error"),  # the legacy file's RL202 is ignored there only
        ("RL306", "analysis/specs/workflow.yml", 8, "error"),  # a warning made an error; RL305 ignored
    ]
    config = load_config(project / "analysis")
    assert config.source == project / (".recast-lint.yml" if form == "yaml" else "pyproject.toml")
    assert config.per_file_ignores[0].reason == "kept exactly as it ran for the 2019 paper"


def test_severity_from_the_configuration_sets_the_exit_code(tmp_path: Path) -> None:
    project = _project(tmp_path, "yaml")
    result = _check(project, "--select", "RL306")
    assert result.exit_code == 1
    assert "error RL306" in result.output


def test_command_line_select_replaces_and_ignore_adds(tmp_path: Path) -> None:
    project = _project(tmp_path, "yaml")
    assert [c for c, *_ in _found(project, select=["RL306"])] == ["RL306"]
    assert [c for c, *_ in _found(project, ignore=["RL306"])] == ["RL202"]
    # the configured ignore still applies, so nothing would run: that is said, not reported as clean
    result = _check(project, "--select", "RL305")
    assert result.exit_code == 2
    assert result.output.startswith("recast-lint: error: no rule is left to run; --select/--ignore and ")
    assert result.output.rstrip().endswith("/.recast-lint.yml exclude them all")


def test_the_nearest_configuration_wins_and_yaml_before_pyproject(tmp_path: Path) -> None:
    project = _project(tmp_path, "pyproject")
    (project / "analysis" / ".recast-lint.yml").write_text("select: [RL305]\n", encoding="utf-8")
    assert [c for c, *_ in _found(project)] == ["RL305"]
    shutil.copy(CONFIG / "yaml" / ".recast-lint.yml", project / ".recast-lint.yml")
    (project / "analysis" / ".recast-lint.yml").unlink()
    assert load_config(project / "analysis").source == project / ".recast-lint.yml"


def test_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    project = _project(tmp_path, "yaml")
    (project / "analysis" / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_config(project / "analysis").source == project / ".recast-lint.yml"


def test_the_walk_stops_at_the_repository_root(tmp_path: Path) -> None:
    shutil.copy(CONFIG / "yaml" / ".recast-lint.yml", tmp_path / ".recast-lint.yml")
    project = _project(tmp_path / "repo")
    assert load_config(project / "analysis").source is None


@pytest.mark.parametrize(
    "form,expected",
    [
        ("unknown-key", ".recast-lint.yml:2: unknown key 'ignroe'; did you mean 'ignore'?"),
        ("unknown-key-toml", "pyproject.toml:6: unknown key 'per-file-ignore'; did you mean 'per-file-ignores'?"),
        ("unknown-code", ".recast-lint.yml:3: unknown rule 'RL3O5' in `ignore`; did you mean 'RL305'?"),
        ("no-reason", ".recast-lint.yml:2: per-file-ignores entry 'analysis/specs/legacy/*.yml' has no reason;"),
        ("bad-severity", ".recast-lint.yml:2: severity 'warn' for RL306 is not a severity; did you mean 'warning'?"),
        ("tool-not-a-table", "pyproject.toml:4: `tool` is not a table, so there is no [tool.recast-lint]; fix the TOML"),
        # a header without its `]` is still the table meant: invalid TOML, never a silently ignored configuration
        ("broken-header", "pyproject.toml:4: invalid TOML: Expected ']' at the end of a table declaration (at line 4, column 18)"),
    ],
)
def test_a_broken_configuration_is_one_line_naming_file_and_line(
    tmp_path: Path, form: str, expected: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = _project(tmp_path, form)
    monkeypatch.chdir(project)  # the file is named relative to here, like every path in diagnostics
    result = _check(project)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"recast-lint: error: {expected}")


def test_invalid_yaml_in_the_configuration_is_a_config_error(tmp_path: Path) -> None:
    project = _project(tmp_path)
    (project / ".recast-lint.yml").write_text("select: [RL2\nignore: []\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\.recast-lint\.yml:\d+: invalid YAML"):
        load_config(project / "analysis")


def test_config_command_prints_the_effective_configuration_and_its_source(tmp_path: Path) -> None:
    project = _project(tmp_path, "yaml")
    result = CliRunner().invoke(main, ["config", str(project / "analysis" / "specs")])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == f"# configuration: {project / '.recast-lint.yml'}"
    assert "select: [RL2, RL3]" in lines
    assert "ignore: [RL305]" in lines
    assert "severity: {ref-siblings: error}" in lines
    assert "    reason: kept exactly as it ran for the 2019 paper" in lines


def test_config_command_says_when_defaults_apply_and_fails_cleanly_on_errors(tmp_path: Path) -> None:
    defaults = CliRunner().invoke(main, ["config", str(_project(tmp_path / "a") / "analysis")])
    assert defaults.exit_code == 0
    assert "no configuration file" in defaults.output and "select: []" in defaults.output and "selects every rule" in defaults.output
    broken = CliRunner().invoke(main, ["config", str(_project(tmp_path / "b", "unknown-key") / "analysis")])
    assert broken.exit_code == 2
    assert "did you mean 'ignore'?" in broken.output


def test_an_unsaved_configuration_in_the_overlay_is_read_in_place_of_the_file(tmp_path: Path) -> None:
    project = _project(tmp_path, "yaml")
    config_file = (project / ".recast-lint.yml").resolve()
    assert [c for c, *_ in _found(project, overlay={config_file: "select: [RL305]\n"})] == ["RL305"]
    # a configuration that exists only as a buffer counts too, and its errors are placed in it
    (project / ".recast-lint.yml").unlink()
    with pytest.raises(ConfigError) as raised:
        load_config(project / "analysis", overlay={config_file: "select: [RL3O5]\n"})
    assert (raised.value.path, raised.value.line) == (config_file, 1)
    assert raised.value.message.startswith("unknown rule 'RL3O5' in `select`; did you mean 'RL305'?")


def test_an_unsaved_pyproject_table_is_found_and_read(tmp_path: Path) -> None:
    project = _project(tmp_path)
    pyproject = (project / "pyproject.toml").resolve()
    config = load_config(project / "analysis", overlay={pyproject: '[tool.recast-lint]\nselect = ["RL306"]\n'})
    assert (config.source, config.select) == (pyproject, ["RL306"])


def test_nothing_above_within_is_read(tmp_path: Path) -> None:
    project = _project(tmp_path, "yaml")
    assert load_config(project / "analysis", within=project / "analysis").source is None
    assert load_config(project / "analysis", within=project).source == project / ".recast-lint.yml"
    # an analysis root above `within` is none: the file is linted loose, from its own directory
    result = lint([project / "analysis" / "specs" / "workflow.yml"], cwd=project, within=project / "analysis" / "specs")
    assert [a.entry for a in result.analyses] == [None]
    assert [a.root for a in result.analyses] == [(project / "analysis" / "specs").resolve()]
