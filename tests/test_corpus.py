"""The real-world corpus: no false errors on what the reference accepts, and every rejection caught.

Reads ``../shared/corpus`` in place (its files carry no licence to copy); skips when it is absent.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from recast_lint.diagnostics import Severity
from recast_lint.lint import lint
from tests.helpers import CORPUS

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(
        not (CORPUS / "VERDICTS.tsv").is_file(), reason=f"no corpus at {CORPUS}: the real-world corpus is read in place beside the clone, not distributed"
    ),
]


def _verdicts() -> List[Tuple[str, str, str]]:
    if not (CORPUS / "VERDICTS.tsv").is_file():
        return []
    with open(CORPUS / "VERDICTS.tsv", encoding="utf-8") as handle:
        return [(r["path"], r["verdict"], r["note"]) for r in csv.DictReader(handle, delimiter="\t")]


def _toplevel(path: Path, note: str) -> Optional[Path]:
    """`needs toplevel=..` in a verdict note: the toplevel the reference validated the file with."""
    if "needs toplevel=" not in note:
        return None
    return path.parent / note.split("needs toplevel=")[1].split()[0].rstrip(",;|")


def _errors(relpath: str, note: str) -> List[str]:
    path = CORPUS / relpath
    target = path.parent if path.name == "recast.yml" else path
    result = lint([target], toplevel=_toplevel(path, note), cwd=CORPUS)
    return [f"{d.path}:{d.span.line}: {d.code} {d.message}" for d in result.diagnostics if d.severity is Severity.ERROR]


ACCEPTED = [(p, n) for p, v, n in _verdicts() if v == "valid"]
REJECTED = [(p, n) for p, v, n in _verdicts() if v in ("invalid", "error")]

# rejections no rule catches yet; strict, so the test fails once a rule starts catching them
NOT_YET_CAUGHT: Dict[str, str] = {}

# errors on files the reference accepts that are real runtime failures: file -> {code: reason}.
# Exact: every listed code must still be reported there, and nothing else may be.
PROVEN_FAILURES: Dict[str, Dict[str, str]] = {
    "yadage+yadage-workflows/testing/manualflow/manualflow.yml": {
        "RL707": "both steps publish with `manual-instructions-pub`, but packtivity registers its manual publisher as "
        "`manual-publishing`: no handler, KeyError when the step publishes",
    },
}

# RL5xx (data flow), each read by hand: cmd/script are rendered with `.format(**stage parameters)`,
# so a placeholder the stage does not pass is a KeyError inside the step (REPORT.md §6: {hepmc}, {yoda}, {runs})
_NOT_PASSED = "KeyError at run time: the step's `{%s}` is not a parameter of stage '%s' (it passes %s)"
DATAFLOW_PROVEN_FAILURES: Dict[str, Dict[str, str]] = {
    "edvb+recast_workflow/src/recast_workflow/subworkflows/analysis/madanalysis/workflow.yml": {
        "RL501": _NOT_PASSED % ("hepmc", "madanalysis5", "ma5_run_card, ma5_recast_card, output_folder"),
    },
    "vladov3000+recast_workflow/src/recast_workflow/subworkflows/analysis/madanalysis/workflow.yml": {
        "RL501": _NOT_PASSED % ("hepmc", "madanalysis5", "ma5_run_card, ma5_recast_card, output_folder"),
    },
    "edvb+recast_workflow/src/recast_workflow/subworkflows/statistics/pyhf/workflow.yml": {
        "RL501": _NOT_PASSED % ("yoda", "pyhf", "workspace, outputcls"),
    },
    "vladov3000+recast_workflow/src/recast_workflow/subworkflows/statistics/pyhf/workflow.yml": {
        "RL501": _NOT_PASSED % ("yoda", "pyhf", "workspace, outputcls"),
    },
    "ptemplem+MINERvA-workflow/workflow/test.yml": {
        "RL501": _NOT_PASSED % ("runs", "plot", "data_runs and mc_runs, not runs"),
    },
    "vladov3000+madgraph_pythia/workflows/genflow.yml": {
        "RL501": _NOT_PASSED % ("hepmc", "pythia", "outputhepmc, not hepmc"),
    },
    "vladov3000+yadage-tests/madgraph_pythia_test/workflow.yml": {
        "RL501": _NOT_PASSED % ("hepmc", "pythia", "outputhepmc, not hepmc"),
        # the same step's outputmap `hepmc: hepmc` looks up parameters['hepmc'] too: KeyError once the script is fixed
        "RL508": "KeyError when publishing: the outputmap value `hepmc` is not a parameter of stage 'pythia' (it passes outputhepmc)",
    },
    "vladov3000+yadage-tests/madgraph_pythia-rivet-pyhf/workflow.yml": {
        "RL501": _NOT_PASSED % ("yoda", "rivet", "analysis and hepmc; no yoda"),
        # the same KeyError for `{hepmc}`, reported at its cause: the script, the outputmap (`hepmc: hepmc`) and the
        # stage reading the output all say hepmc, only pythia's parameter says outputhepmc
        "RL502": "KeyError at run time: stage 'pythia' passes `outputhepmc` where its script reads `{hepmc}` and its "
        "outputmap publishes parameter `hepmc`; renaming the parameter fixes both",
    },
    "vladov3000+yadage-tests/rivet-test/workflow.yml": {
        "RL501": _NOT_PASSED % ("yoda", "rivet", "analysis, hepmc, output_interface, output_path"),
    },
    "vincecr0ft+classificationworkflows/workflow.yml": {
        "RL506": "stage 'train' passes a parameter named `workdir` to a step with `interpolated-pub`: the publisher "
        "calls `.format(workdir=..., **parameters)`, TypeError 'multiple values for keyword argument workdir'",
    },
    "yadage+yadage/tests/testspecs/casesflow/multi/workflow.yml": {
        "RL524": "multistep stage with `scatter` but no `step`/`workflow`/`cases`: RuntimeError 'do not know what kind "
        "of stage spec we are dealing with' (the multistep schema's duplicated `oneOf` lets it validate)",
    },
}
for _relpath, _codes in DATAFLOW_PROVEN_FAILURES.items():
    PROVEN_FAILURES.setdefault(_relpath, {}).update(_codes)

# RL4xx (stage graph), each read by hand. A dependency that matches no stage keeps yadage's
# jsonpath_ready False for ever: the stage and all after it never run, and the run reports success (rc 0)
_NEVER_READY = "dependency %s matches no stage (meant %s): those stages silently never run"
_SUB_INIT = (
    "inside the sub-workflow of %s, `init` publishes only that stage's parameters (%s), so `{step: init, output: %s}` "
    "raises 'no matches found in reference selection'"
)
GRAPH_PROVEN_FAILURES: Dict[str, Dict[str, str]] = {
    "alintulu+workflow-JetMETAnalysis/workflow/yadage/prod_camp_auto_reana_fullD/reana.yaml": {
        "RL401": _NEVER_READY % ("'temps' and 'produce_ntuples'", "'temp', 'produce_ntuple'"),
    },
    "alintulu+workflow-JetMETAnalysis/workflow/yadage/prod_camp_auto_reana_fullD/workflow.yaml": {
        "RL401": _NEVER_READY % ("'temps' and 'produce_ntuples'", "'temp', 'produce_ntuple'"),
    },
    "alintulu+workflow-JetMETAnalysis/workflow/yadage/reana/workflow/workflow.yaml": {
        "RL401": _NEVER_READY % ("'match_jetss'", "'match_jets'"),
    },
    "alintulu+workflow-JetMETAnalysis/workflow/yadage/reana_box/reana.yaml": {
        "RL401": _NEVER_READY % ("'compute_l1s'", "'compute_l1'"),
    },
    "alintulu+workflow-JetMETAnalysis/workflow/yadage/reana_box/workflow.yaml": {
        "RL401": _NEVER_READY % ("'compute_l1s'", "'compute_l1'"),
    },
    "yadage+yadage/examples/testflows/mcprodflowsub/rootflow.yml": {
        "RL401": "'*.analysis': jsonpath-rw 1.4 gives `*` over the scope as stage lists, and a field of a list is "
        "nothing, so 'rootmerge' never runs (checked with jsonpath_rw.parse('*.analysis') on the steps index)",
        "RL408": "`stages: 'madevent.*.analysis'`: there is no stage 'madevent' at the top (it is inside 'subchain'), "
        "so the selector yields [] and rootmerge would get no input files",
    },
    "vladov3000+madgraph_pythia/workflows/genflow.yml": {
        "RL414": _SUB_INIT % ("'generation_madgraph_pythia'", "n_events, proc_card", "param_card|run_card|ufotar|pythia_card"),
    },
    "vladov3000+yadage-tests/madgraph_pythia-rivet-pyhf/workflow.yml": {
        "RL414": _SUB_INIT % ("'generation_madgraph_pythia' and 'selection_rivet'", "n_events, proc_card; analysis_id, hepmc", "param_card|analysis|..."),
        "RL408": "`{step: generation}` and `{step: selection}` name no stage (they are 'generation_madgraph_pythia', "
        "'selection_rivet'): `select_steps` finds nothing and `assert len(steps) == 1` fails",
    },
}
for _relpath, _codes in GRAPH_PROVEN_FAILURES.items():
    PROVEN_FAILURES.setdefault(_relpath, {}).update(_codes)

# RL409, each run with yadage-run 0.21.2 (PACKTIVITY_DRYRUN=1, initdata given with -p): yadage adds
# the root `init` after the stages, so a stage with no dependencies is applied in the first walk,
# before `init` is scheduled: `{stages: init}` gives [] and `{step: init}` fails with AssertionError
_BEFORE_INIT = "'%s' reads init without waiting for it: %s"
SCHEDULE_PROVEN_FAILURES: Dict[str, Dict[str, str]] = {
    "vladov3000+yadage-tests/local-helloword/workflow.yml": {"RL409": _BEFORE_INIT % ("hello_world", "AssertionError")},
    "vladov3000+yadage-tests/madgraph_pythia_test/workflow.yml": {"RL409": _BEFORE_INIT % ("madgraph", "AssertionError")},
    "yadage+yadage-workflows/atlasexamples/pileupfull/workflow.yml": {
        "RL409": _BEFORE_INIT % ("download_evnt' and 'download_pu_hi", "their steps got nrandomfiles: [] "
                                 "(download_pu_low, right after an applied stage, waits a walk and gets the value)"),
    },
    "yadage+yadage-workflows/phenochain/parallel_md.yml": {
        "RL409": _BEFORE_INIT % ("production", "nevents is [], the scatter makes no step, 'merge' never runs, rc 0"),
    },
    "yadage+yadage-workflows/testing/anademo/workflow.yml": {"RL409": _BEFORE_INIT % ("calcavgstage", "its step got commasepnum: []")},
    "yadage+yadage-workflows/testing/examples/inputfiles/workflow.yml": {"RL409": _BEFORE_INIT % ("test", "its step got inputfile: []")},
    "yadage+yadage-workflows/testing/examples/interpolated/workflow.yml": {"RL409": _BEFORE_INIT % ("test", "its step got inputfile: []")},
    "yadage+yadage-workflows/testing/examples/stageselection/workflow.yml": {"RL409": _BEFORE_INIT % ("test", "its step got inputfile: []")},
    "yadage+yadage-workflows/testing/local-helloworld/workflow.yml": {
        "RL409": _BEFORE_INIT % ("hello_world", "it wrote 'Hello ' (parone: [])"),
    },
    "yadage+yadage-workflows/testing/manualflow/manualflow.yml": {"RL409": _BEFORE_INIT % ("manualstep", "its step got input: []")},
}
for _relpath, _codes in SCHEDULE_PROVEN_FAILURES.items():
    PROVEN_FAILURES.setdefault(_relpath, {}).update(_codes)

# RL103 (an error when the two values differ), read by hand
_LOST_PARAM_CARD = (
    "`param_card` is written twice in stage 'generation_madgraph_pythia' with different values: the first "
    "({step: init, output: param_card}, line 15) never reaches the run, PyYAML keeps the second (line 28, the "
    "flattened list the scatter needs), and a YAML 1.2 loader rejects the file (the identical `ma5_recast_card` is a warning)"
)
for _relpath in ("vladov3000+fpd-reana/ma5_scatter.yaml", "vladov3000+fpd-reana/reana.yaml"):
    PROVEN_FAILURES.setdefault(_relpath, {})["RL103"] = _LOST_PARAM_CARD


@pytest.mark.parametrize("relpath,note", ACCEPTED, ids=[p for p, _ in ACCEPTED])
def test_no_error_on_files_the_reference_accepts(relpath: str, note: str) -> None:
    proven = PROVEN_FAILURES.get(relpath, {})
    errors = _errors(relpath, note)
    assert [e for e in errors if e.split(" ", 2)[1] not in proven] == []
    assert sorted({e.split(" ", 2)[1] for e in errors} & set(proven)) == sorted(proven)


@pytest.mark.parametrize("relpath,note", REJECTED, ids=[p for p, _ in REJECTED])
def test_files_the_reference_rejects_are_rejected(relpath: str, note: str, request: pytest.FixtureRequest) -> None:
    if relpath in NOT_YET_CAUGHT:
        request.applymarker(pytest.mark.xfail(reason=NOT_YET_CAUGHT[relpath], strict=True))
    assert _errors(relpath, note), f"reference verdict: {note}"


def test_every_diagnostic_on_the_corpus_says_how_to_fix_it() -> None:
    diagnostics = lint([CORPUS], cwd=CORPUS).diagnostics
    assert [(d.code, d.path, d.span.line, d.message) for d in diagnostics if not d.hint] == []
