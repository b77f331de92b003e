"""RL606: the `tests:` of `recast.yml` (`recast tests run`) against the steps they run."""

from __future__ import annotations

from typing import Iterable, List, Optional, Set

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis, Test
from recast_lint.rules.catalogue.common import entry_data
from recast_lint.rules.dataflow.templates import checked_steps, needed_parameters
from recast_lint.rules.registry import Finding, closest, rule
from recast_lint.rules.spelling import Misspelt, misspelt, read_at, step_side


def entry_tests(analysis: Analysis) -> List[Test]:
    return analysis.entry.tests if entry_data(analysis) else []


@rule("RL606", "test-parameters-incomplete", Severity.ERROR, "a test does not pass a parameter its step uses")
def test_parameters_incomplete(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `tests[]` entry whose `parameters` lack a `{placeholder}` of the step's `cmd`,
    `script` or `interpolated-pub` templates, or a parameter named by a `frompar-pub` outputmap.

    Why: `recast tests run` hands exactly these parameters to `packtivity-run`; the step fails
    with `KeyError: 'name'` (the runner provides `{workdir}`, to publishers only).

    Bad:

        tests:
          - name: hello
            spec: steps.yml#/hello_world          # cmd: echo {name} | tee {outputfile}
            parameters:
              outputfile: '{workdir}/hello.txt'

    Fixed:

        parameters:
          name: tester
          outputfile: '{workdir}/hello.txt'

    A close name the test passes is offered as a rename at that key only when it is the
    misspelling (written nowhere else); when the step's `{nmae}` is the typo (the stages and the
    test say `name`), RL501 reports it in the step, or this rule there when no stage uses the step.
    """
    for test in entry_tests(analysis):
        parameters = test.loc.get("parameters")
        if test.step is None or not isinstance(parameters, dict):
            continue
        reported: Set[str] = set()
        used_by_stages = any(test.step is step for step, _ in checked_steps(analysis))
        for name, used_in in needed_parameters(test.step).items():
            # `{workdir}` in a command is RL505's error, not a parameter the test could pass
            if name == "workdir" or name in parameters or name in reported:
                continue
            reported.add(name)
            candidate = closest(name, [key for key in parameters if isinstance(key, str)])
            side = Misspelt.UNKNOWN
            if candidate is not None:
                side = misspelt(analysis, name, step_side(test.step), candidate, [test.loc.child("parameters", candidate)])
            if side is Misspelt.WRITTEN:  # the step's name is the typo: the test passes what the stages pass
                if not used_by_stages:  # else RL501 reports it in the step
                    yield _misspelt_in_step(test, name, candidate)
                continue
            rename = candidate is not None and side is not Misspelt.NEITHER
            yield Finding.at(
                test.loc.child("parameters", candidate) if rename else test.loc.child("parameters"),  # at the key to rename
                f"test {test.name!r} does not pass parameter {name!r}, which its step uses ({used_in})",
                f"rename '{candidate}' to '{name}'" if rename else f"add `{name}:` under `parameters`",
                key=True,
            )


def _misspelt_in_step(test: Test, name: str, meant: Optional[str]) -> Finding:
    where = read_at(test.step, name)[0] if test.step is not None else test.loc
    return Finding.at_text(
        where,
        "{" + name,
        f"`{{{name}}}` in the step of test {test.name!r} is not a parameter the test passes",
        f"did you mean `{{{meant}}}`, which the test passes?",
    )
