"""RL606: the `tests:` of `recast.yml` (`recast tests run`) against the steps they run."""

from __future__ import annotations

from typing import Iterable, List, Set

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis, Test
from recast_lint.rules.catalogue.common import entry_data
from recast_lint.rules.dataflow.templates import needed_parameters
from recast_lint.rules.registry import Finding, closest, rule


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
    """
    for test in entry_tests(analysis):
        parameters = test.loc.get("parameters")
        if test.step is None or not isinstance(parameters, dict):
            continue
        reported: Set[str] = set()
        for name, used_in in needed_parameters(test.step).items():
            # `{workdir}` in a command is RL505's error, not a parameter the test could pass
            if name == "workdir" or name in parameters or name in reported:
                continue
            reported.add(name)
            misspelt = closest(name, [key for key in parameters if isinstance(key, str)])
            yield Finding.at(
                test.loc.child("parameters"),
                f"test {test.name!r} does not pass parameter {name!r}, which its step uses ({used_in})",
                f"rename '{misspelt}' to '{name}'" if misspelt else f"add `{name}:` under `parameters`",
                key=True,
            )
