"""RL620-RL621: `reana.yaml` specs, and what REANA ignores of a step that runs locally."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis, Loc, ReanaSpec, Step
from recast_lint.rules.catalogue.common import list_items
from recast_lint.rules.registry import Finding, rule


def _nested_workflow(data: Dict[Any, Any]) -> Optional[Tuple[Any, ...]]:
    """The path of a `workflow:` mapping written below the top level, e.g. `('inputs', 'workflow')`."""
    for key, value in data.items():
        if isinstance(value, dict):
            if isinstance(value.get("workflow"), dict):
                return (key, "workflow")
            for inner_key, inner in value.items():
                if isinstance(inner, dict) and isinstance(inner.get("workflow"), dict):
                    return (key, inner_key, "workflow")
    return None


@rule("RL620", "reana-workflow-misnested", Severity.ERROR, "`reana.yaml` has no top-level `workflow:`")
def reana_workflow_misnested(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `reana.yaml` whose `workflow:` is indented under another key (such as `inputs:`).

    Why: REANA requires `workflow:` at the top level (`reana_analysis_schema.json`); with it
    misnested the file has no workflow, and `reana-client` refuses to create or run it.

    Bad:

        inputs:
          parameters: {}
          workflow:
            type: yadage
            file: workflow.yml

    Fixed:

        inputs:
          parameters: {}
        workflow:
          type: yadage
          file: workflow.yml
    """
    for doc in analysis.reana_documents():
        if not doc.ok or not isinstance(doc.data, dict) or "workflow" in doc.data:
            continue
        nested = _nested_workflow(doc.data)
        if nested is not None:
            parents = ".".join(str(k) for k in nested[:-1])
            yield Finding.at(
                Loc(doc, nested),
                f"`workflow:` is nested under `{parents}:`, so the file has no top-level workflow",
                "dedent `workflow:` (and the keys under it) to the top level",
                key=True,
            )


REANA_IGNORED_ENVIRONMENT_KEYS = {
    "envscript": "REANA never sources `envscript`",
    "par_mounts": "REANA does not create `par_mounts`",
    "workdir": "REANA ignores the environment `workdir`",
}
REANA_RESOURCE_FIX = {
    "CVMFS": "list the repositories under `workflow.resources.cvmfs` in reana.yaml",
    "GRIDProxy": "write `- voms_proxy: true`",
    "KRB5Auth": "write `- kerberos: true`, or `kerberos: true` under `workflow.resources` in reana.yaml",
}


def _reana_provides(spec: ReanaSpec) -> Set[str]:
    """The string resources a reana.yaml provides to every job through `workflow.resources`."""
    resources = spec.loc.child("workflow", "resources").value
    if not isinstance(resources, dict):
        return set()
    provided = {"CVMFS"} if resources.get("cvmfs") else set()
    return provided | ({"KRB5Auth"} if resources.get("kerberos") is True else set())


def _reana_steps(analysis: Analysis) -> List[Tuple[Step, Set[str]]]:
    """Each step a reana.yaml workflow runs, with the string resources every such reana.yaml provides."""
    steps: Dict[int, Tuple[Step, Set[str]]] = {}
    for spec in analysis.reana:
        provided = _reana_provides(spec)
        for workflow in spec.workflow.walk() if spec.workflow else []:
            for stage in workflow.stages:
                for step in ([stage.step] if stage.step else []) + stage.case_steps:
                    known = steps.get(id(step))
                    steps[id(step)] = (step, provided if known is None else known[1] & provided)
    return list(steps.values())


@rule("RL621", "ignored-on-reana", Severity.WARNING, "a step run by REANA relies on something REANA ignores")
def ignored_on_reana(analysis: Analysis) -> Iterable[Finding]:
    """Catches, in steps that a `reana.yaml` workflow runs, string `resources` (`CVMFS`,
    `GRIDProxy`, `KRB5Auth`) that the reana.yaml does not provide otherwise, `envscript`,
    `par_mounts` and the environment `workdir`.

    Why: REANA's job controller honours only dictionary resources (`kerberos: true`,
    `voms_proxy: true`, ...) plus `workflow.resources` of reana.yaml (`cvmfs:`, `kerberos:`), and
    never uses `envscript`, `par_mounts` or `workdir`: the step runs without CVMFS, credentials,
    setup script or mounted files, and fails or computes something else. (`env`, ignored by every
    executor, is RL705.)

    Bad:

        environment:
          environment_type: docker-encapsulated
          image: atlas/analysisbase
          imagetag: 21.2.125
          resources: [CVMFS, KRB5Auth]

    Fixed: in reana.yaml `workflow: {resources: {cvmfs: [atlas.cern.ch]}}`, and in the step
    `resources: [{kerberos: true}]`.
    """
    for step, provided in _reana_steps(analysis):
        environment = step.part("environment")
        if environment is None or environment.get("environment_type") != "docker-encapsulated":
            continue
        for item_loc, item in list_items(environment.child("resources")):
            if isinstance(item, str) and item not in provided:
                yield Finding.at(
                    item_loc,
                    f"REANA ignores string resources such as {item!r}; this step runs without it there",
                    REANA_RESOURCE_FIX.get(item, "use the dictionary form REANA reads, e.g. `- kerberos: true`"),
                )
        for key, why in REANA_IGNORED_ENVIRONMENT_KEYS.items():
            if environment.get(key):
                yield Finding.at(environment.child(key), f"{why}; this step relies on it", "do the same inside `cmd`/`script` or the image", key=True)
