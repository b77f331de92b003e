"""Every rule is registered once, named, documented with an example, and reachable from the CLI."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from recast_lint.cli import main
from recast_lint.lint import lint
from recast_lint.rules.registry import all_rules
from tests.helpers import FIXTURES


def test_every_rule_has_code_name_summary_and_documentation_with_an_example() -> None:
    rules = all_rules()
    assert len({r.code for r in rules}) == len(rules)
    assert len({r.name for r in rules}) == len(rules)
    for r in rules:
        assert re.fullmatch(r"RL[1-9]\d\d", r.code), r.code
        assert re.fullmatch(r"[a-z0-9-]+", r.name), r.name
        assert r.summary and not r.summary[0].isupper(), f"{r.code} summary must not start with a capital"
        assert len(r.documentation.splitlines()) >= 3, f"{r.code} needs documentation"
        assert "Why" in r.documentation or "why" in r.documentation, f"{r.code} documentation must say why"
        assert "Fix" in r.documentation, f"{r.code} documentation must say how to fix it"


def test_rules_lists_every_code_and_explain_prints_the_docstring() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["rules"]).output
    for r in all_rules():
        assert r.code in listing
    shown = runner.invoke(main, ["explain", "RL201"])
    assert shown.exit_code == 0
    assert "string-interpolated-cmd" in shown.output


def test_explain_takes_a_name_in_any_case_or_a_family() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["explain", "Unknown-Type"]).output.startswith("RL201 unknown-type (error)")
    family = runner.invoke(main, ["explain", "rl2"])
    assert family.exit_code == 0
    assert [line.split()[0] for line in family.output.splitlines()[:-1]] == [r.code for r in all_rules() if r.family == "RL2"]


def test_rules_lines_up_every_column() -> None:
    lines = CliRunner().invoke(main, ["rules"]).output.splitlines()
    # names hold no spaces, so the first severity word after the code is the severity column
    assert len({line.index(f" {r.severity.value} ") for r, line in zip(all_rules(), lines)}) == 1


def test_explain_unknown_code_is_a_usage_error_with_a_suggestion() -> None:
    result = CliRunner().invoke(main, ["explain", "RL2O1"])
    assert result.exit_code == 2
    assert "did you mean 'RL201'?" in result.output


def test_every_diagnostic_on_the_fixtures_says_how_to_fix_it() -> None:
    # the fixtures hold at least one case of nearly every rule; test_corpus does the same on real files
    diagnostics = lint([FIXTURES], cwd=FIXTURES).diagnostics
    assert len({d.code for d in diagnostics}) >= 90
    assert [(d.code, d.path, d.span.line, d.message) for d in diagnostics if not d.hint] == []


@pytest.mark.parametrize(
    "word, choices, meant",
    [
        ("inti", ["init", "hello_world"], "init"),  # two letters swapped
        ("steps.yaml", ["steps.yml", "reana.yaml"], "steps.yml"),
        ("string-interpolated-command", ["string-interpolated-cmd", "interpolated-script-cmd"], "string-interpolated-cmd"),
        ("frompar-publisher", ["frompar-pub", "fromparjq-pub"], "frompar-pub"),  # shortened
        ("temps", ["temp", "temp2"], None),  # two choices one edit away
        ("param_card", ["proc_card", "n_events"], None),  # another word with the same ending
        ("lhe_prod.yml", ["parallel_prod.yml", "straight_prod.yml"], None),
        ("helloworld", ["hello"], None),  # half of it is not a shortening
        ("x" * 200, ["x" * 199], None),  # too long to be a name anyone mistypes
    ],
)
def test_a_single_close_match_is_a_slip_of_the_finger_with_no_rival(word: str, choices: list, meant: object) -> None:
    from recast_lint.rules.registry import closest, single_close_match

    assert single_close_match(word, choices) == meant
    if meant is not None:
        assert closest(word, choices) == meant  # the fix writes what the hint proposes
