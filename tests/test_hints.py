"""Hints that fix the mistake where it is: each fixture under tests/fixtures/hints/ is the
`recast-lint new` helloworld (or a small analysis) with one planted mistake, and the test asserts
the one diagnostic it gets: its code, file, line, severity and the text of its hint."""

from __future__ import annotations

from typing import List, Tuple

import pytest
from click.testing import CliRunner

from recast_lint.cli import main
from recast_lint.diagnostics import Diagnostic
from tests.helpers import FIXTURES, run

HINTS = FIXTURES / "hints"


def found(case: str) -> List[Tuple[str, str, int, str]]:
    """(code, file, line, severity) of every diagnostic of the case."""
    return [(d.code, d.path, d.span.line, d.severity.value) for d in run(HINTS / case)]


def one(case: str) -> Diagnostic:
    diagnostics = run(HINTS / case)
    assert len(diagnostics) == 1, [(d.code, d.path, d.span.line, d.message) for d in diagnostics]
    return diagnostics[0]


def exit_code(case: str) -> int:
    return CliRunner().invoke(main, ["check", "--format", "concise", str(HINTS / case)]).exit_code


# -- YAML that does not say what was meant -------------------------------------------------------


def test_an_unquoted_workdir_path_says_quote_it_at_the_workflow_line() -> None:
    assert found("unquoted-workdir-path") == [("RL101", "specs/workflow.yml", 9, "error")]
    assert one("unquoted-workdir-path").hint == "quote it: `outputfile: '{workdir}/hello_world.txt'`"
    assert exit_code("unquoted-workdir-path") == 1


def test_an_unquoted_workdir_alone_is_an_error_at_the_workflow_line_not_an_info_at_the_step() -> None:
    """`{workdir}` alone is valid YAML, a mapping, which any parameter may be: the step then got
    `{'workdir': None}` and the run wrote no result (RL206's documentation), with exit 0."""
    assert found("unquoted-workdir") == [("RL206", "specs/workflow.yml", 9, "error")]
    assert one("unquoted-workdir").hint == "quote it: '{workdir}'"
    assert exit_code("unquoted-workdir") == 1


# -- a misspelt name: fix the side that is written nowhere else ----------------------------------


@pytest.mark.parametrize(
    "case,where,message,hint",
    [
        # `{nmae}` in the step, `name` everywhere else: RL606 said "rename 'name' to 'nmae'" at the right test key
        ("typo-in-step", ("RL501", "specs/steps.yml", 5, "error"), "`{nmae}` is not a parameter of stage 'hello_world'", "did you mean 'name'?"),
        ("typo-in-stage-parameter", ("RL502", "specs/workflow.yml", 8, "error"),
         "stage 'hello_world' passes 'nmae', which its step does not read, instead of 'name', which it does (`{name}` in cmd)", "rename 'nmae' to 'name'"),
        ("typo-in-test-parameter", ("RL606", "recast.yml", 24, "error"),
         "test 'hello_world' does not pass parameter 'name', which its step uses (`{name}` in cmd)", "rename 'nmae' to 'name'"),
        # RL414 stood on the correct workflow line and said "did you mean 'nam'?"
        ("typo-in-initdata", ("RL414", "recast.yml", 13, "error"),
         "initdata key 'nam' of example 'default' is read by no stage; the workflow reads 'name' from `init`", "rename 'nam' to 'name'"),
        ("typo-in-selector-output", ("RL414", "specs/workflow.yml", 8, "error"),
         "output 'nmae' is not an initdata key, so `init` does not publish it", "did you mean 'name'?"),
    ],
)
def test_a_typo_is_reported_once_where_it_is(case: str, where: Tuple[str, str, int, str], message: str, hint: str) -> None:
    """The template with one name misspelt in one place: the diagnostic stands there, and its hint
    never copies the typo into the places that were right."""
    assert found(case) == [where]
    assert one(case).message == message
    assert one(case).hint.startswith(hint)


def test_a_parameter_missing_from_a_parent_stage_is_passed_in_not_swapped_for_another() -> None:
    """`param_card` is read inside the sub-workflow, `proc_card` is a different card: offering it
    would pass the wrong value. The initdata has `param_card`, so the hint says how to pass it."""
    assert found("subworkflow-parameter") == [("RL414", "specs/workflow.yml", 16, "error")]
    assert one("subworkflow-parameter").hint == (
        "pass it into 'generation': add `param_card: {step: init, output: param_card}` to the parameters of 'generation'"
    )


# -- one rule no longer hides another --------------------------------------------------------------


def test_an_outputmap_naming_a_missing_parameter_is_reported_with_the_command_that_does() -> None:
    """`{hepmc}` in the command and `hepmc: hepmc` in the outputmap: renaming the command's
    placeholder, as RL501 says, leaves the outputmap broken, so both are reported at once."""
    assert found("outputmap-and-command") == [("RL501", "specs/steps.yml", 4, "error"), ("RL508", "specs/steps.yml", 8, "error")]
    assert all(d.hint.startswith("did you mean 'outputhepmc'?") for d in run(HINTS / "outputmap-and-command"))


# -- an expression that names the wrong place -------------------------------------------------------


def test_a_stage_inside_a_sub_workflow_is_offered_through_the_holder_the_reader_waits_for() -> None:
    """Both `signal` and `control` hold a `fit`; `summary` waits for `control`. The hint named
    the first holder, `signal`, whose fit `summary` does not wait for."""
    assert found("wrong-subchain") == [("RL408", "specs/workflow.yml", 21, "error")]
    assert one("wrong-subchain").hint == "'fit' is a stage inside the sub-workflow of 'control'; write 'control[*].fit'"


def test_a_ref_two_entry_points_resolve_differently_names_the_one_that_fails_and_a_fix_for_both() -> None:
    """recast.yml resolves the workflow's `$ref`s against specs/, REANA against the directory of
    reana.yaml. The hint said "write 'specs/steps.yml'", which breaks the recast run."""
    assert found("reana-and-recast") == [("RL301", "specs/workflow.yml", 10, "error")]
    diagnostic = one("reana-and-recast")
    assert diagnostic.message == (
        "`$ref` file 'steps.yml' not found for reana.yaml, which resolves it against the analysis root; for recast.yml it resolves against specs/"
    )
    assert diagnostic.hint == (
        "writing 'specs/steps.yml' instead would break recast.yml; keep it, and give REANA the workflow with every `$ref` inlined: "
        "`recast-lint submit` writes and submits that"
    )


def test_a_catalogue_name_that_is_itself_invalid_is_fixed_in_recast_yml_once() -> None:
    """The CI job's three commands run `atlas/ana-exot-2099-099`; recast.yml says `ana-exot-2099-099`,
    no `<group>/<identifier>` name. RL630 said "write 'ana-exot-2099-099'" at each CI line, and
    RL601 warned at recast.yml besides: one mistake, now one error where it is."""
    assert found("invalid-entry-name") == [("RL630", "recast.yml", 2, "error")]
    assert one("invalid-entry-name").hint == "rename the entry to 'atlas/ana-exot-2099-099', which the CI job already uses"


def test_a_publish_value_without_braces_publishes_its_text() -> None:
    """`yoda: outputyoda` publishes the text 'outputyoda' (seen with packtivity-run); `plot` reads it."""
    assert found("publish-without-braces") == [("RL309", "specs/steps.yml", 8, "error")]
    diagnostic = one("publish-without-braces")
    assert diagnostic.message.endswith("not the value of parameter 'outputyoda'; 'plot' reads it as its input")
    assert diagnostic.hint == "write '{outputyoda}'"


def test_a_publish_value_without_braces_nothing_reads_is_a_warning() -> None:
    assert found("publish-without-braces-unread") == [("RL309", "specs/steps.yml", 8, "warning")]
