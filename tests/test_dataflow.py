"""RL5xx: data flow between stages and steps, reported where the offending text is written."""

from __future__ import annotations

from typing import List

import pytest

from recast_lint.diagnostics import Diagnostic, Severity
from tests.helpers import FIXTURES, only, run, where

DATAFLOW = FIXTURES / "dataflow"


def _case(name: str) -> List[Diagnostic]:
    return run(DATAFLOW / name, cwd=DATAFLOW / name)


def _dataflow(diagnostics: List[Diagnostic]) -> List[Diagnostic]:
    return [d for d in diagnostics if d.code.startswith("RL5")]


STEPS = "specs/steps.yml"
WORKFLOW = "specs/workflow.yml"


@pytest.mark.parametrize(
    "case,code,path,line,column",
    [
        ("placeholders", "RL501", STEPS, 4, 22),  # {nmae}
        ("placeholders", "RL501", STEPS, 22, 23),  # {fitlabel}: neither stage using the step passes it
        ("placeholders", "RL502", WORKFLOW, 24, 7),  # fit_control lacks {region}
        ("placeholders", "RL505", STEPS, 37, 25),  # {workdir} in a script comment
        ("placeholders", "RL506", WORKFLOW, 48, 9),  # `workdir:` with interpolated-pub
        ("placeholders", "RL507", WORKFLOW, 9, 9),  # verbose is never used
        ("placeholders", "RL508", STEPS, 31, 16),  # outputmap leaf archvie
        ("braces", "RL503", STEPS, 8, 44),  # find -exec ls {}
        ("braces", "RL504", STEPS, 5, 16),  # {1..3}
        ("braces", "RL504", STEPS, 5, 32),  # ${HOME}
        ("braces", "RL504", STEPS, 6, 12),  # awk '{print $1}'
        ("braces", "RL504", STEPS, 7, 27),  # {bak,orig}
        ("braces", "RL504", STEPS, 9, 15),  # ${output}, output being a parameter
        ("braces", "RL504", STEPS, 10, 18),  # lone }
        ("braces", "RL513", STEPS, 22, 25),  # {files[0]} on a list
        ("literals", "RL510", WORKFLOW, 7, 16),  # '{"pt": 25}'
        ("literals", "RL510", WORKFLOW, 8, 16),  # '${HOME}/config'
        ("literals", "RL510", WORKFLOW, 9, 17),  # '{output}/plots'
        ("literals", "RL510", WORKFLOW, 10, 19),  # '{wrokdir}'
        ("literals", "RL510", WORKFLOW, 14, 41),  # 'b{' inside a list
        ("literals", "RL511", WORKFLOW, 11, 16),  # true
        ("literals", "RL511", WORKFLOW, 12, 9),  # no value
        ("literals", "RL512", WORKFLOW, 13, 18),  # {readdir0}
        ("literals", "RL516", STEPS, 4, 83),  # {window} is a mapping
        ("initdata", "RL514", "recast.yml", 9, 15),  # initdata: {}
        ("initdata", "RL515", "recast.yml", 14, 16),  # '{workdir}/out'
        ("initdata", "RL515", "recast.yml", 15, 14),  # '{"pt": 25}'
        ("multistep", "RL520", WORKFLOW, 5, 23),  # no scatter
        ("multistep", "RL520", WORKFLOW, 17, 7),  # scatter without parameters
        ("multistep", "RL521", WORKFLOW, 28, 17),  # zipp
        ("multistep", "RL522", WORKFLOW, 40, 22),  # inputfiles
        ("multistep", "RL523", WORKFLOW, 53, 7),  # batchsize and partitionsize
        ("multistep", "RL524", WORKFLOW, 58, 23),  # multistep without step
        ("multistep", "RL524", WORKFLOW, 72, 7),  # singlestep with step and workflow
        ("multistep", "RL525", WORKFLOW, 78, 20),  # scattering a string
    ],
)
def test_problem_is_reported_where_it_is_written(case: str, code: str, path: str, line: int, column: int) -> None:
    assert (path, line, column) in where(_case(case), code)


@pytest.mark.parametrize(
    "case,expected",
    [
        ("placeholders", {"RL501": 2, "RL502": 1, "RL505": 1, "RL506": 1, "RL507": 1, "RL508": 1}),
        ("braces", {"RL503": 1, "RL504": 6, "RL513": 1}),
        ("literals", {"RL510": 5, "RL511": 2, "RL512": 1, "RL516": 1}),
        ("initdata", {"RL514": 1, "RL515": 2}),
        ("multistep", {"RL520": 2, "RL521": 1, "RL522": 1, "RL523": 1, "RL524": 2, "RL525": 1}),
    ],
)
def test_each_cause_is_reported_once(case: str, expected: dict) -> None:
    found: dict = {}
    for d in _dataflow(_case(case)):
        found[d.code] = found.get(d.code, 0) + 1
    assert found == expected


def test_valid_data_flow_stays_clean() -> None:
    # shared steps, publisher-only parameters, {{ }}, {workdir} in publish templates, a `workdir`
    # parameter, par_mounts, a jq publisher, a sub-workflow reading init, a jq-stage, {readdir0} in initdata
    assert _dataflow(_case("clean")) == []


def test_empty_initdata_is_fine_when_nothing_reads_init() -> None:
    assert _dataflow(_case("no-init")) == []


def test_empty_initdata_in_every_example_is_left_to_the_uses_of_init() -> None:
    # one cause, one report: RL401/RL408 point at each `init` the workflow uses and say to give initdata
    assert where(_case("initdata-all-empty"), "RL514") == []


def test_helloworld_typo_is_one_error_at_the_placeholder_with_the_right_name() -> None:
    found = _dataflow(run(FIXTURES / "helloworld-bugs"))
    assert [(d.path, d.span.line, d.span.column, d.code) for d in found] == [("specs/steps.yml", 4, 33, "RL501")]
    assert found[0].hint.startswith("did you mean 'name'?")
    assert "stage 'hello_world'" in found[0].message


def test_helloworld_has_no_data_flow_finding() -> None:
    assert _dataflow(run(FIXTURES / "helloworld")) == []


def test_unknown_placeholder_names_the_stage_and_suggests_the_parameter() -> None:
    found = {d.span.line: d for d in _case("placeholders") if d.code == "RL501"}
    assert found[4].message == "`{nmae}` is not a parameter of stage 'greet'"
    assert found[4].hint.startswith("did you mean 'name'?")


def test_placeholder_no_stage_passes_is_reported_once_in_the_step_naming_every_stage() -> None:
    found = {d.span.line: d for d in _case("placeholders") if d.code == "RL501"}
    assert found[22].message == "`{fitlabel}` is not a parameter of stages 'fit_signal', 'fit_control'"
    assert found[22].hint == "pass 'fitlabel' in `parameters` (passed now: region, input, result), or use a parameter that is passed"


def test_misspelt_placeholder_does_not_also_report_the_parameter_as_unused() -> None:
    # `name` is passed and `{nmae}` read: one cause, reported once (RL501), not again as RL507
    assert [d.message for d in _case("placeholders") if d.code == "RL507"] == ["parameter 'verbose' of stage 'greet' is not used by its step"]


def test_stage_that_forgets_a_parameter_of_a_shared_step_is_reported_at_the_stage() -> None:
    finding = only(_case("placeholders"), "RL502")
    assert "stage 'fit_control'" in finding.message and "'region'" in finding.message and "`{region}` in script" in finding.message
    # the step itself is right (fit_signal passes region), so nothing is reported in steps.yml for it
    assert not [d for d in _case("placeholders") if d.code == "RL501" and "region" in d.message]


def test_outputmap_leaf_suggests_the_parameter() -> None:
    assert only(_case("placeholders"), "RL508").hint.startswith("did you mean 'archive'?")


def test_workdir_in_a_command_gets_its_own_message_not_unknown_placeholder() -> None:
    diagnostics = _case("placeholders")
    assert "not available in script" in only(diagnostics, "RL505").message
    assert not [d for d in diagnostics if d.code == "RL501" and "workdir" in d.message]


def test_shell_braces_hint_says_to_double_them() -> None:
    for d in _case("braces"):
        if d.code == "RL504":
            assert "{{" in d.hint and "}}" in d.hint


def test_dollar_brace_around_a_parameter_is_a_warning_naming_both_readings() -> None:
    found = [d for d in _case("braces") if d.code == "RL504" and d.span.line == 9]
    assert [d.severity for d in found] == [Severity.WARNING]
    assert "parameter 'output'" in found[0].message
    assert found[0].hint == "write `{output}` for the parameter, or `${{output}}` for the shell variable"


def test_literal_parameter_hints_name_the_fix() -> None:
    hints = {d.span.line: d.hint for d in _case("literals") if d.code in ("RL510", "RL511")}
    assert hints[9].startswith("parameters cannot refer to each other")
    assert hints[10] == "did you mean '{workdir}'?"
    assert hints[11] == "quote it so it is text: 'true'"


def test_scatter_method_suggests_zip() -> None:
    assert only(_case("multistep"), "RL521").hint.startswith("did you mean 'zip'?")


def test_severities_follow_the_runtime() -> None:
    severities = {d.code: d.severity for case in ("placeholders", "literals", "multistep", "braces") for d in _dataflow(_case(case))}
    assert severities["RL507"] is Severity.WARNING  # works, just unused
    assert severities["RL512"] is Severity.WARNING  # works, fragile
    assert severities["RL513"] is Severity.WARNING
    assert severities["RL525"] is Severity.ERROR  # a string scatters its characters, a number raises TypeError
    assert severities["RL516"] is Severity.INFO  # works, renders a Python repr
    assert severities["RL501"] is Severity.ERROR


# -- what a multistep stage scatters (verified with yadage 0.21.2 and recast-atlas 0.4.2) ------


def _scatter_findings() -> List[tuple]:
    return [(d.code, d.span.line, d.span.column, d.severity) for d in _case("scatter") if d.code in ("RL415", "RL525", "RL526", "RL527")]


def test_scatter_values_are_judged_where_the_parameter_is_written() -> None:
    assert _scatter_findings() == [
        ("RL527", 7, 15, Severity.ERROR),  # literal zip: 3 masses, 2 cross sections
        ("RL527", 17, 15, Severity.ERROR),  # zip over the initdata of example 'default'
        ("RL525", 27, 15, Severity.ERROR),  # a number: TypeError
        ("RL525", 37, 15, Severity.ERROR),  # a selected single value: TypeError
        ("RL526", 47, 15, Severity.ERROR),  # {stages: init} of a list: one step gets it all
        ("RL527", 57, 15, Severity.ERROR),  # an empty list in example 'default': no step
        ("RL526", 79, 15, Severity.ERROR),  # {stages: X} of a fromglob-pub list
        ("RL526", 89, 15, Severity.WARNING),  # {stages: X} of a fromyaml-pub value: only the run knows
        ("RL526", 99, 15, Severity.INFO),  # {stages: init} of a single value: exactly one step
    ]


def test_zip_lengths_name_the_example_and_where_its_list_is_written() -> None:
    found = {d.span.line: d for d in _case("scatter") if d.code == "RL527"}
    assert found[17].message == (
        "`zip` over lists of different lengths in example 'default' ('mass' 3, 'xsec' 2): it stops at the shortest, "
        "so 2 steps run and the last value of 'mass' (recast.yml:10) is silently dropped"
    )
    assert "example 'balanced'" not in found[17].message  # 3 and 3 there
    assert "cartesian" in found[17].hint


def test_selected_single_value_says_where_it_comes_from() -> None:
    found = {d.span.line: d for d in _case("scatter") if d.code == "RL525"}
    assert "'label', a single string in example 'default' (recast.yml:12)" in found[37].message
    assert "TypeError" in found[37].message


def test_scatters_that_work_stay_quiet() -> None:
    # flatten over init, unwrap over a fromglob-pub list, batches that even out (4 and 3 by 2),
    # cartesian over different lengths: nothing beyond the findings above, and no RL415 beside RL526
    found = [(d.code, d.span.line) for d in _case("scatter") if d.code.startswith(("RL4", "RL5"))]
    assert found == [(code, line) for code, line, _, _ in _scatter_findings()]


# -- where publishers look for files (verified with packtivity 0.17.1, local steps and Docker) --


def test_publisher_findings_point_at_the_path_or_the_write() -> None:
    found = [(d.code, d.path, d.span.line, d.span.column, d.severity) for d in _case("publishers") if d.code.startswith(("RL4", "RL5"))]
    assert found == [
        ("RL528", STEPS, 3, 55, Severity.ERROR),  # yamlfile '{workdir}/summary.yml'
        ("RL528", STEPS, 7, 55, Severity.ERROR),  # yamlfile /tmp/summary.yml
        ("RL528", STEPS, 11, 61, Severity.ERROR),  # globexpression '{workdir}/*.root'
        ("RL529", STEPS, 15, 63, Severity.ERROR),  # constant-pub '{workdir}/hists.root'
        ("RL529", STEPS, 15, 94, Severity.ERROR),  # constant-pub '{outdir}'
        ("RL529", STEPS, 19, 62, Severity.WARNING),  # constant-pub bare 'hists.root' the step writes
        ("RL530", STEPS, 23, 75, Severity.ERROR),  # {name} from {stages: init} without unwrap, read by 'show'
        ("RL530", STEPS, 27, 75, Severity.WARNING),  # {names} a literal list, an output nothing reads
        ("RL531", STEPS, 34, 72, Severity.ERROR),  # > summary.yml in a busybox container
        ("RL531", STEPS, 38, 79, Severity.ERROR),  # tee hello.txt
    ]


def test_publisher_messages_say_what_the_runtime_does() -> None:
    found = {(d.code, d.span.line, d.span.column): d for d in _case("publishers")}
    assert found[("RL528", 3, 55)].message == "`yamlfile` is not interpolated: `{workdir}` stays in the path, so the publisher fails with FileNotFoundError"
    assert found[("RL528", 3, 55)].hint == "write it relative to the step's workdir, e.g. 'summary.yml'"
    assert "publishes an empty list" in found[("RL528", 11, 61)].message
    assert "expands `{workdir}` to its own workdir" in found[("RL529", 15, 63)].message
    assert "KeyError: 'outdir'" in found[("RL529", 15, 94)].message
    assert found[("RL530", 23, 75)].hint == "add `unwrap: true` to the selector of 'name'"
    assert found[("RL530", 23, 75)].message.endswith("so output 'out' is its Python repr, e.g. ['...']; 'show' reads it")
    assert "nothing reads it yet" in found[("RL530", 27, 75)].message
    assert "`workdir: '{workdir}'`" in found[("RL531", 34, 72)].hint


def test_a_one_element_list_a_publisher_renders_is_reported_once() -> None:
    # RL530 says what the list does in the template; RL415's note would repeat it
    assert where(_case("publishers"), "RL415") == []


# -- YAML 1.1 scalars (recast-atlas 0.4.2 and yadage 0.21.2 read every file with PyYAML's SafeLoader) --


def test_values_yaml_1_1_reads_as_other_numbers_or_booleans_are_errors_where_written() -> None:
    found = [(d.path, d.span.line, d.span.column, d.severity) for d in _case("yaml11") if d.code == "RL540"]
    assert found == [
        ("recast.yml", 10, 12, Severity.ERROR),  # run: 0123 is 83
        ("recast.yml", 11, 13, Severity.ERROR),  # syst: no is False
        ("recast.yml", 12, 15, Severity.ERROR),  # window: 1:30 is 90
        ("recast.yml", 25, 12, Severity.ERROR),  # a test's run: 0077 is 63
        (WORKFLOW, 23, 13, Severity.ERROR),  # seed: 0042 is 34
        (WORKFLOW, 24, 26, Severity.ERROR),  # 010 in a list is 8; 001 is 1 in YAML 1.2 too, and 0x1F is the number meant
    ]
    octal = next(d for d in _case("yaml11") if d.code == "RL540")
    assert "as the octal number 83, so the step gets 83, not 0123" in octal.message
    assert octal.fix is not None and octal.fix.safe and octal.fix.edits[0].replacement == "'0123'"


def test_a_format_spec_the_value_cannot_take_is_an_error_at_the_number_written_as_text() -> None:
    found = {d.span.line: d for d in _case("yaml11") if d.code == "RL541" and d.path == "recast.yml"}
    assert sorted((line, d.severity) for line, d in found.items()) == [(13, Severity.ERROR), (14, Severity.ERROR)]
    assert "Unknown format code 'e' for object of type 'str'" in found[13].message and found[13].hint == "write 4.0e-3"
    assert "it is quoted" in found[14].message and found[14].hint == "write 2.5 without quotes"
    assert found[13].fix is not None and not found[13].fix.safe


def test_a_one_element_list_formatted_as_a_number_is_one_error_at_the_template() -> None:
    diagnostics = _case("yaml11")
    listed = only([d for d in diagnostics if d.path == STEPS], "RL541")
    assert (listed.span.line, listed.span.column, listed.severity) == (15, 70, Severity.ERROR)
    assert "one-element list (`stages: init` without `unwrap`)" in listed.message and "unwrap: true" in listed.hint
    assert where(diagnostics, "RL415") == []  # RL541 says what the list breaks


def test_a_misspelt_override_of_a_merged_default_is_one_error_at_the_key() -> None:
    diagnostics = _case("merges")
    found = [(d.path, d.span.line, d.span.column, d.severity) for d in diagnostics if d.code == "RL542"]
    assert found == [("recast.yml", 15, 7, Severity.ERROR), (WORKFLOW, 18, 7, Severity.ERROR)]  # not plot's `label`, heavy's `mass`
    initdata = next(d for d in diagnostics if d.code == "RL542")
    assert "'mass' keeps the merged default 500 (line 10)" in initdata.message and initdata.hint == "rename it to 'mass'"
    assert initdata.fix is not None and not initdata.fix.safe and initdata.fix.edits[0].replacement == "mass"
    assert where(diagnostics, "RL507") == []  # `lable` is reported once, as the override it was meant to be
