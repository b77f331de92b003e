"""RL4xx: the stage graph, selectors and published outputs, on real fixture files."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import List

import pytest

from recast_lint.diagnostics import Diagnostic, Severity
from recast_lint.lint import lint
from recast_lint.stagepaths import ExpressionError, addressable, parse
from tests.helpers import ENVS, FIXTURES, no_reference_env, only, run, where

GRAPH = FIXTURES / "graph"
YADAGE_RUN = ENVS / "reference" / "bin" / "yadage-run"
LOOSE = GRAPH / "loose"


def _graph(diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    return [d for d in diagnostics if d.code.startswith("RL4")]


# -- the expression language ------------------------------------------------------------------

# verdicts of jsonpath-rw 1.4.0 (the runtime's parser) on each expression
PARSES = ["a", "map[*].inner", "map.[*].inner", "*.analysis", "a,b", "[a]", "[a,b]", "a[0].b", "a-b", "a | b",
          "$.a", "a[-1]", "a[1:2]", "'hello world'", "@x", "a[*][*]", "hello.world"]
REJECTED = ["1stage", "hello world", "stage$x", "a.", ".a", "a[", "a]", "-a", "a,", "a[*]b"]
NOT_MODELLED = ["a..b", "(a)", "a&b", "a where b", "`this`"]


@pytest.mark.parametrize("text", PARSES)
def test_expressions_jsonpath_rw_accepts_parse(text: str) -> None:
    assert parse(text).chains


@pytest.mark.parametrize("text", REJECTED)
def test_expressions_jsonpath_rw_rejects_are_errors(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert not caught.value.unsupported


@pytest.mark.parametrize("text", NOT_MODELLED)
def test_valid_syntax_the_linter_does_not_model_is_marked_unsupported(text: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.unsupported


def test_addressable_names_follow_the_jsonpath_rw_lexer() -> None:
    assert [n for n in ["fit", "fit-2", "_x", "@a", "1stage", "hello world", "hello.world", "where"] if addressable(n)] == [
        "fit", "fit-2", "_x", "@a"
    ]


# -- clean input stays clean ------------------------------------------------------------------


def test_every_expression_form_used_correctly_gives_nothing() -> None:
    assert _graph(run(GRAPH / "clean")) == []


def test_helloworld_has_no_graph_findings() -> None:
    assert _graph(run(FIXTURES / "helloworld")) == []


def test_helloworld_bugs_dependency_and_output_are_caught_with_suggestions() -> None:
    found = run(FIXTURES / "helloworld-bugs")
    dependency = only(found, "RL401")
    assert (dependency.path, dependency.span.line, dependency.span.column) == ("specs/workflow.yml", 3, 18)
    assert "did you mean 'init'?" in (dependency.hint or "")
    output = only(found, "RL414")
    assert (output.path, output.span.line, output.span.column) == ("specs/workflow.yml", 7, 34)
    assert "did you mean 'name'?" in (output.hint or "")
    assert [d.code for d in found if d.severity is Severity.ERROR and d.code.startswith("RL4")] == ["RL401", "RL414"]


# -- dependencies -----------------------------------------------------------------------------


def test_unknown_dependencies_are_errors_at_the_missing_name_with_the_likely_fix() -> None:
    found = run(LOOSE / "unknown.yml")
    assert where(found, "RL401") == [
        ("unknown.yml", 3, 18),  # selct
        ("unknown.yml", 28, 24),  # a parent stage, from inside a sub-workflow
        ("unknown.yml", 34, 18),  # inner, which lives in map's sub-workflow
        ("unknown.yml", 34, 25),  # *.inner: a wildcard gives stage lists, which have no fields
        ("unknown.yml", 34, 36),  # map.inner
        ("unknown.yml", 34, 63),  # map[1].inner: map is single-step
    ]
    hints = [d.hint or "" for d in found if d.code == "RL401"]
    assert "did you mean 'select'?" in hints[0]
    assert "pass the value in as a parameter of 'map'" in hints[1]
    assert "write 'map[*].inner'" in hints[2]
    assert "'map[*].inner'" in hints[4]
    assert "only [0] exists" in hints[5]


def test_what_the_linter_cannot_model_is_skipped_not_guessed() -> None:
    found = run(LOOSE / "unknown.yml")
    assert not [d for d in found if d.code.startswith("RL4") and d.span.line == 40]  # `map..inner`, `(select)`


def test_stages_after_a_broken_dependency_are_named_once_at_the_cause() -> None:
    found = run(LOOSE / "unknown.yml")
    never = only(found, "RL406")
    assert (never.span.line, never.span.column, never.severity) == (3, 18, Severity.INFO)
    assert "'fit' and 'plot' never run either" in never.message


def test_init_counts_only_when_initdata_is_given() -> None:
    found = run(GRAPH / "no-initdata")
    assert where(found, "RL401") == [("specs/workflow.yml", 3, 18)]
    assert "no `init` stage" in (only(found, "RL401").hint or "")


def test_cycles_are_named_and_reported_once_each() -> None:
    found = run(LOOSE / "cycle.yml")
    assert where(found, "RL405") == [("cycle.yml", 3, 24), ("cycle.yml", 15, 18)]
    messages = [d.message for d in found if d.code == "RL405"]
    assert "a → b → a" in messages[0]
    assert "'self' depends on itself" in messages[1]
    assert where(found, "RL401") == []
    assert {d.message for d in found if d.code == "RL406"} == {
        "because 'a' never runs, 'after' never runs either",
        "because 'self' never runs, 'after' never runs either",
    }


def test_a_cycle_is_named_by_its_shortest_way_back_even_past_a_corner() -> None:
    """From `a` the first way in (b, then c) only leads back to b: the named cycle goes through d."""
    result = lint([LOOSE / "cycle-corner.yml"], cwd=LOOSE)
    assert result.crashes == []
    assert [d.message for d in result.diagnostics if d.code == "RL405"] == ["dependency cycle: a → b → d → a; none of these stages ever runs"]


def test_a_chain_of_thousands_of_stages_is_read_without_recursion(tmp_path: Path) -> None:
    """Finding cycles walks the chain without recursing: 3,000 stages in a row, each waiting for the
    one written after it, exceed Python's recursion limit."""
    lines = ["stages:"] + [
        f"- {{name: s{i}, dependencies: [{f's{i + 1}' if i < 2999 else 'init'}], scheduler: {{scheduler_type: singlestep-stage, "
        f"parameters: {{}}, step: {{$ref: 'steps.yml#/echo'}}}}}}"
        for i in range(3000)
    ]
    (tmp_path / "workflow.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "steps.yml").write_text((LOOSE / "steps.yml").read_text(encoding="utf-8"), encoding="utf-8")
    result = lint([tmp_path / "workflow.yml"], select=["RL405", "RL406"], cwd=tmp_path)
    assert (result.crashes, result.diagnostics) == ([], [])


# -- names ------------------------------------------------------------------------------------


def test_unaddressable_names_error_when_named_by_an_expression_and_warn_otherwise() -> None:
    found = run(LOOSE / "names.yml")
    assert [(d.span.line, d.severity) for d in found if d.code == "RL402"] == [
        (2, Severity.ERROR),  # hello.world, which `fit` depends on
        (8, Severity.WARNING),  # 1stage
        (31, Severity.WARNING),  # where
    ]
    assert "rename it to 'hello_world'" in ([d.hint for d in found if d.code == "RL402"][0] or "")
    # the dependency written `hello.world` is blamed on the name, not reported again
    assert where(found, "RL401") == []


def test_duplicate_names_a_stage_called_init_and_a_step_selector_on_a_shared_name() -> None:
    found = run(LOOSE / "names.yml")
    assert where(found, "RL403") == [("names.yml", 20, 9)]
    assert "(line 14)" in only(found, "RL403").message
    assert where(found, "RL404") == [("names.yml", 26, 9)]
    assert where(found, "RL410") == [("names.yml", 42, 23)]
    assert "2 stages are named 'fit'" in only(found, "RL410").message


def test_an_expression_that_does_not_parse_is_an_error_where_it_breaks() -> None:
    found = run(LOOSE / "names.yml")
    invalid = only(found, "RL407")
    assert (invalid.span.line, invalid.span.column) == (32, 25)
    assert "world" in invalid.message


# -- selectors --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def selectors() -> List[Diagnostic]:
    return run(GRAPH / "selectors")


def test_selector_on_an_unknown_stage(selectors: List[Diagnostic]) -> None:
    assert where(selectors, "RL408") == [("specs/workflow.yml", 39, 23)]
    assert "did you mean 'select'?" in (only(selectors, "RL408").hint or "")


def test_selector_on_a_stage_not_waited_for(selectors: List[Diagnostic]) -> None:
    assert [(d.span.line, d.span.column, d.severity) for d in selectors if d.code == "RL409"] == [
        (23, 23, Severity.ERROR),  # reads itself
        (55, 26, Severity.INFO),  # `version` has no dependencies: applied in the first walk, read in a later one
        (56, 21, Severity.ERROR),  # `report` waits for `plot`: never there in time
        (66, 26, Severity.INFO),
    ]


# what each workflow of graph/schedule does in yadage 0.21.2 (verified with yadage-run, multiproc:2):
# the severity of its one RL409, where the selector is, and whether the run fails
SCHEDULES = {
    "reader-first.yml": (Severity.ERROR, 9, "AssertionError"),  # both ready in one walk, the reader first
    "reader-after-another.yml": (Severity.ERROR, 25, "AttributeError"),  # applied in the same walk, no result yet
    "reads-init-without-waiting.yml": (Severity.ERROR, 9, "AssertionError"),  # init comes after the stages
    "later-round.yml": (Severity.ERROR, 9, "AssertionError"),  # both ready once a step has run, the reader first
    "reader-right-after.yml": (Severity.INFO, 17, None),  # the walk passes over fit after applying select
    "timing-runs.yml": (Severity.WARNING, 9, None),  # select's step finishes before generate's
    "timing-runs-slowly.yml": (Severity.WARNING, 9, "AttributeError"),  # ... or after it
}
SCHEDULE = GRAPH / "schedule"


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_reading_a_stage_not_waited_for_is_judged_by_simulating_yadage(name: str) -> None:
    severity, line, _ = SCHEDULES[name]
    found = [d for d in run(SCHEDULE / name) if d.code == "RL409"]
    assert [(d.span.line, d.severity) for d in found] == [(line, severity)]
    expected = {Severity.ERROR: "the run fails|gives []|fails with AssertionError", Severity.INFO: "it works only because",
                Severity.WARNING: "which step finishes first"}[severity]
    assert any(part in found[0].message for part in expected.split("|"))


@pytest.mark.parametrize("name", sorted(n for n, (severity, _, _) in SCHEDULES.items() if severity is not Severity.WARNING))
def test_the_real_engine_fails_exactly_where_the_simulation_says(name: str, tmp_path: Path) -> None:
    if not YADAGE_RUN.exists():
        pytest.skip(no_reference_env("reference", "yadage-run", "yadage"))
    _, _, failure = SCHEDULES[name]
    done = subprocess.run([str(YADAGE_RUN), "-t", str(SCHEDULE), "-p", "name=hello", "-b", "multiproc:2", str(tmp_path / "run"), name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert (done.returncode != 0) == (failure is not None), done.stdout[-2000:] + done.stderr[-2000:]
    if failure:
        assert failure in done.stdout + done.stderr


def test_step_selector_on_a_multistep_stage(selectors: List[Diagnostic]) -> None:
    assert where(selectors, "RL410") == [("specs/workflow.yml", 40, 26)]


def test_stages_and_steps_together(selectors: List[Diagnostic]) -> None:
    assert where(selectors, "RL411") == [("specs/workflow.yml", 41, 30)]


def test_selector_without_output_lists_what_is_published(selectors: List[Diagnostic]) -> None:
    missing = only(selectors, "RL412")
    assert (missing.span.line, missing.span.column) == (42, 14)
    assert "output" in (missing.hint or "")


def test_misspelt_selector_keys_are_reported_once_with_the_fix(selectors: List[Diagnostic]) -> None:
    assert where(selectors, "RL413") == [("specs/workflow.yml", 43, 29), ("specs/workflow.yml", 44, 49)]
    hints = [d.hint or "" for d in selectors if d.code == "RL413"]
    assert "did you mean 'output'?" in hints[0] and "did you mean 'unwrap'?" in hints[1]


def test_outputs_the_target_does_not_publish(selectors: List[Diagnostic]) -> None:
    assert where(selectors, "RL414") == [
        ("specs/workflow.yml", 7, 37),  # init: example 'small' has no `dataset`
        ("specs/workflow.yml", 54, 39),  # frompar-pub outputmap
        ("specs/workflow.yml", 58, 35),
        ("specs/workflow.yml", 66, 43),  # constant-pub publish
        ("specs/workflow.yml", 81, 43),  # sub-workflow init: the parameters of `wrapper`
        ("specs/workflow.yml", 89, 40),  # a sub-workflow stage itself: only registered values
    ]
    messages = [d.message for d in selectors if d.code == "RL414"]
    assert "example 'small'" in messages[0]
    assert "'wrapper'" in messages[4]
    assert "registered value" in messages[5]


def test_single_step_stages_selector_without_unwrap_is_an_info(selectors: List[Diagnostic]) -> None:
    assert [(d.span.line, d.severity) for d in selectors if d.code == "RL415"] == [(41, Severity.INFO), (46, Severity.INFO)]


def test_literal_mapping_with_a_step_key(selectors: List[Diagnostic]) -> None:
    assert where(selectors, "RL416") == [("specs/workflow.yml", 47, 17)]
    assert only(selectors, "RL416").severity is Severity.ERROR


def test_a_literal_mapping_the_runtime_turns_into_a_selector_is_an_error_and_a_key_value_item_is_data() -> None:
    found = [d for d in run(LOOSE / "literal-selectors.yml") if d.code == "RL416"]
    assert [(d.span.line, d.span.column, d.severity) for d in found] == [(9, 17, Severity.ERROR), (10, 20, Severity.ERROR)]
    assert "TypeError" in found[0].message and "ValueError" in found[1].message


def test_cases_without_a_catch_all_warn_and_with_one_stay_quiet() -> None:
    found = run(LOOSE / "cases.yml")
    assert where(found, "RL417") == [("cases.yml", 7, 5)]
    assert only(found, "RL417").severity is Severity.WARNING


def test_an_example_with_empty_initdata_is_reported_once_at_the_example() -> None:
    # no `init` stage exists for that example: RL514 says so at the example, RL414 stays quiet
    diagnostics = run(FIXTURES / "graph" / "empty-example")
    assert [(d.code, d.path, d.span.line) for d in diagnostics] == [("RL514", "recast.yml", 12)]


def test_an_entry_of_stages_that_is_not_a_mapping_does_not_shift_the_others() -> None:
    # stage indexes once counted the `5`, and RL406 then read past the end of the stage list
    found = [(d.code, d.span.line) for d in run(GRAPH / "not-a-mapping-before")]
    assert found == [("RL204", 2), ("RL401", 4)]


# -- `cases` conditions (verified with yadage 0.21.2 and the jq 1.13.0 package) ---------------


def test_cases_conditions_jq_rejects_are_errors_at_the_offending_text() -> None:
    found = [(d.code, d.span.line, d.span.column, d.severity) for d in run(GRAPH / "cases") if d.code == "RL418"]
    assert found == [
        ("RL418", 12, 26, Severity.ERROR),  # &&
        ("RL418", 14, 26, Severity.ERROR),  # single quotes
        ("RL418", 16, 22, Severity.ERROR),  # lenght
        ("RL418", 18, 26, Severity.ERROR),  # 100 < .mass < 1000
    ]
    hints = [d.hint for d in run(GRAPH / "cases") if d.code == "RL418"]
    assert hints[0] == "jq writes `and`, not `&&`"
    assert hints[2].startswith("did you mean 'length'?")


def test_comparisons_that_never_decide_say_what_flows_in() -> None:
    found = {d.span.line: d for d in run(GRAPH / "cases") if d.code == "RL419"}
    assert sorted(found) == [33, 35, 37, 39, 41]
    assert all(d.severity is Severity.ERROR for d in found.values())
    assert found[33].message.startswith("`.mass >= 1000` is always true: 'mass' is a one-element list (`stages: init` without `unwrap`)")
    assert found[33].hint == "add `unwrap: true` to the selector of 'mass'"
    assert "the boolean false in example 'default' (YAML 1.1 reads an unquoted `no` as false; recast.yml:11)" in found[35].message
    assert "'threshold' is the string '1000'" in found[37].message and "tonumber" in found[37].hint
    assert "not a parameter" in found[39].message and found[39].hint.startswith("did you mean 'channel'?")
    assert "assigns" in found[41].message and found[41].hint == "compare with `==`"


def test_conditions_the_run_decides_stay_quiet_and_the_list_is_reported_once() -> None:
    diagnostics = run(GRAPH / "cases")
    assert not [d for d in diagnostics if d.code in ("RL418", "RL419") and d.span.line > 45]  # stage decided_by_the_run
    assert where(diagnostics, "RL415") == []  # the one-element list is RL419's, said once


def test_a_condition_nested_thousands_deep_is_skipped_not_a_crash() -> None:
    found = run(LOOSE / "cases-deep.yml")
    assert [d.code for d in found if d.code in ("RL418", "RL419", "RL901")] == []
