"""`recast-lint graph`: the workflow picture, on real fixture files under tests/fixtures/draw/.

Each format is pinned by a golden file per fixture (regenerate after an intended change with
`RECAST_LINT_UPDATE_GOLDEN=1 pytest tests/test_draw.py`); the tests around them say what the
picture must show. Graphviz itself reads the DOT of every fixture and of every corpus workflow.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import yaml
from click.testing import CliRunner, Result

from recast_lint.cli import main
from recast_lint.draw import draw, render
from recast_lint.draw.graph import Graph, Node
from recast_lint.draw.readme import BEGIN, END, replace_block
from tests.helpers import CORPUS, FIXTURES

DRAW = FIXTURES / "draw"
GOLDEN = Path(__file__).resolve().parent / "golden" / "draw"
EXTENSION = {"mermaid": "mmd", "dot": "dot", "json": "json"}
FIXTURE_NAMES = sorted(p.name for p in DRAW.iterdir() if p.is_dir())
REPO = Path(__file__).resolve().parents[1]
REFERENCE_PYTHON = REPO / "bench" / ".envs" / "reference" / "bin" / "python"
MERMAID = REPO / "bench" / ".envs" / "mermaid"


def _graph(name: str, example: Optional[str] = None) -> Graph:
    return draw(DRAW / name, example=example, cwd=DRAW / name)[1]


def _named(graph: Graph, label: str) -> Node:
    found = [n for n in graph.nodes if n.label == label]
    assert len(found) == 1, [(n.id, n.kind, n.label) for n in graph.nodes]
    return found[0]


def _edge_codes(graph: Graph, source: Node, target: Node) -> List[str]:
    edge = next(e for e in graph.edges if (e.source, e.target) == (source.id, target.id))
    return sorted(d.code for d in edge.diagnostics)


def _invoke(*args: str, cwd: Path) -> Result:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["graph", *args])
    finally:
        os.chdir(old)


needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed (apt-get install graphviz)")


# -- golden files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FIXTURE_NAMES)
@pytest.mark.parametrize("format_name", sorted(EXTENSION))
def test_format_matches_its_golden_file(name: str, format_name: str) -> None:
    golden = GOLDEN / f"{name}.{EXTENSION[format_name]}"
    output = render(format_name, _graph(name))
    if os.environ.get("RECAST_LINT_UPDATE_GOLDEN"):
        golden.parent.mkdir(exist_ok=True)
        golden.write_text(str(output), encoding="utf-8")
    assert output == golden.read_text(encoding="utf-8")


def test_every_golden_file_belongs_to_a_fixture() -> None:
    expected = {f"{name}.{extension}" for name in FIXTURE_NAMES for extension in EXTENSION.values()}
    assert {p.name for p in GOLDEN.iterdir()} == expected


# -- what the picture shows -----------------------------------------------------------------------


def test_init_shows_the_chosen_examples_inputs() -> None:
    init = _graph("nested").nodes[0]
    assert (init.kind, init.details) == ("init", ["name = hello", "masses = [1000, 1500, 2000]", "files = [a.root, b.root]"])
    small = _graph("nested", example="small")
    assert small.nodes[0].details == ["name = hi", "masses = [1000]", "files = [a.root]"]
    assert "1 step · zip(mass)" in _named(small, "scan").details  # the step count follows the example


def test_multistep_stages_are_one_node_with_their_scatter_and_step_count() -> None:
    graph = _graph("nested")
    scan, batched, grid = _named(graph, "scan"), _named(graph, "batched"), _named(graph, "grid")
    assert (scan.kind, scan.details) == ("multistep", ["step point", "3 steps · zip(mass)"])
    assert batched.details == ["step point", "3 steps · cartesian(name, mass) · batches of 2"]
    assert (grid.kind, grid.details) == ("multistep-workflow", ["2 steps · zip(inputfile)"])
    points = _named(_graph("loose"), "points")
    assert points.details == ["step echo", "500 steps · zip(value)"]
    assert not [n for n in _graph("loose").nodes if n.label.startswith("points_")]


def test_sub_workflows_are_clusters_holding_their_init_and_stages() -> None:
    graph = _graph("nested")
    signal = _named(graph, "signal")
    inside = [(n.kind, n.label, n.details) for n in graph.children(signal.id)]
    assert signal.kind == "workflow"
    assert inside == [("init", "init", ["inputfile"]), ("stage", "select", []), ("stage", "count", ["step select"])]
    assert [n.stage for n in graph.children(signal.id)][1:] == ["signal.select", "signal.count"]


def test_cases_branch_with_their_conditions() -> None:
    graph = _graph("nested")
    decide = _named(graph, "decide")
    branches = [(graph.node(e.target).kind, graph.node(e.target).label, e.label()) for e in graph.edges if e.source == decide.id]
    assert branches == [("case", "select", "if .inputfile | length > 2"), ("case-workflow", "case 2", "if true")]


def test_edges_carry_the_outputs_read_and_come_from_the_stage_that_writes_them() -> None:
    graph = _graph("nested")
    init = graph.nodes[0]
    scan, fit, signal = (_named(graph, name) for name in ("scan", "fit", "signal"))
    inner_select = next(n for n in graph.nodes if n.stage == "signal.select")
    edges = {(graph.node(e.source).label, graph.node(e.target).label): e for e in graph.edges if e.target in (scan.id, fit.id)}
    assert edges["init", "scan"].outputs == ["name", "masses"] and edges["init", "scan"].waits
    assert edges["scan", "fit"].outputs == ["outputfile"]
    signal_to_fit = next(e for e in graph.edges if (e.source, e.target) == (signal.id, fit.id))
    assert signal_to_fit.waits and signal_to_fit.outputs == []  # fit waits for signal, and reads signal[*].select:
    select_to_fit = next(e for e in graph.edges if (e.source, e.target) == (inner_select.id, fit.id))
    assert select_to_fit.outputs == ["outputfile"] and not select_to_fit.waits
    assert init.where == ("recast.yml", 10)


def test_results_are_sinks_attached_to_the_stage_that_writes_them() -> None:
    graph = _graph("nested")
    writers = {graph.node(e.target).label: graph.node(e.source).stage for e in graph.edges if e.kind == "result"}
    assert writers == {"limits": "fit", "first scan point": "scan", "selected events": "signal.select"}


def test_diagnostics_sit_on_the_node_or_edge_they_point_into() -> None:
    graph = _graph("errors")
    select, scan, fit, plot, report, signal = (_named(graph, n) for n in ("select", "scan", "fit", "plot", "report", "signal"))
    assert sorted(d.code for d in scan.diagnostics) == ["RL521", "RL705"]
    assert sorted(d.code for d in fit.diagnostics) == ["RL501", "RL702"]  # both written in steps.yml, in the step of fit
    assert _edge_codes(graph, scan, fit) == ["RL414"]
    assert _edge_codes(graph, fit, report) == ["RL409"]
    assert [d.code for d in signal.diagnostics] == ["RL301"]
    assert (report.kind, [d.code for d in report.diagnostics]) == ("cases", ["RL417"])
    # one step (point) run by several stages: its problem shows on each of them
    assert {n.label for n in graph.nodes if any(d.code == "RL705" for d in n.diagnostics)} == {"select", "scan", "plot", "point"}
    assert (scan.problem_line(), fit.problem_line()) == ("error RL521; warning RL705", "error RL501; warning RL702")


def test_a_dependency_on_nothing_comes_from_a_red_missing_node_and_what_follows_never_runs() -> None:
    graph = _graph("errors")
    inti, invalid = _named(graph, "inti"), _named(graph, "scan fit")
    assert (inti.kind, inti.details, invalid.kind) == ("missing", ["no such stage"], "invalid")
    assert _edge_codes(graph, inti, _named(graph, "select")) == ["RL401", "RL406"]
    assert _edge_codes(graph, invalid, _named(graph, "plot")) == ["RL407"]
    assert {n.label for n in graph.nodes if n.never_runs} == {"select", "fit", "plot"}


def test_problems_off_the_picture_are_listed_in_a_note() -> None:
    graph = _graph("errors")
    note = _named(graph, "not on the picture")
    assert (note.kind, note.details, [d.code for d in note.diagnostics]) == ("note", ["recast.yml: error RL203"], ["RL203"])
    limits = _named(graph, "limits")
    assert [d.code for d in limits.diagnostics] == ["RL603"] and not [e for e in graph.edges if e.target == limits.id]


def test_a_workflow_that_does_not_parse_still_shows_inputs_results_and_the_error() -> None:
    graph = _graph("broken")
    assert [(n.kind, n.label) for n in graph.nodes] == [("init", "init"), ("result", "greeting"), ("note", "not on the picture")]
    assert graph.nodes[-1].details == ["specs/workflow.yml: error RL101"]


def test_several_roots_are_one_cluster_each() -> None:
    graph = _graph("loose")
    roots = [n for n in graph.nodes if n.parent is None]
    assert [(n.kind, n.label, n.details) for n in roots] == [("root", "hello.yml", ["loose workflow"]), ("root", "scan.yml", ["loose workflow"])]
    assert all(n.parent in {r.id for r in roots} for n in graph.nodes if n.parent is not None)
    assert _named(graph, "hello").parent == roots[0].id


def test_the_json_summary_counts_what_check_counts() -> None:
    data = json.loads(str(render("json", _graph("errors"))))
    checked = json.loads(CliRunner().invoke(main, ["check", "--format", "json", str(DRAW / "errors")]).output)["summary"]
    assert data["summary"] == {key: checked[key] for key in ("errors", "warnings", "infos")}


@pytest.mark.skipif(not REFERENCE_PYTHON.exists(), reason="no reference yadage in bench/.envs/reference (python3 -m venv bench/.envs/reference "
                    "&& bench/.envs/reference/bin/pip install yadage)")
def test_step_counts_are_what_yadages_scatter_makes() -> None:
    """yadage's own scatter (handlers/scheduler_handlers.py) on each stage's literal parameters."""
    stages = yaml.safe_load((DRAW / "scatter" / "workflow.yml").read_text(encoding="utf-8"))["stages"]
    calls = [(s["name"], s["scheduler"]["parameters"], s["scheduler"]["scatter"], s["scheduler"].get("batchsize"), s["scheduler"].get("partitionsize"))
             for s in stages]
    script = ("import json, sys\nfrom yadage.handlers.scheduler_handlers import scatter\n"
              "print(json.dumps({n: len(scatter(p, s, b, q)) for n, p, s, b, q in json.load(sys.stdin)}))")
    done = subprocess.run([str(REFERENCE_PYTHON), "-c", script], input=json.dumps(calls), capture_output=True, text=True, timeout=120, check=True)
    theirs: Dict[str, int] = json.loads(done.stdout)
    graph = _graph("scatter")
    ours = {name: int(re.match(r"(\d+) steps?", _named(graph, name).details[1]).group(1)) for name in theirs}  # type: ignore[union-attr]
    assert ours == theirs and len(set(theirs.values())) > 3


# -- the command ----------------------------------------------------------------------------------


def test_exit_codes_say_whether_errors_are_drawn() -> None:
    clean = _invoke(cwd=DRAW / "nested")
    assert clean.exit_code == 0 and clean.output.startswith("flowchart TD\n")
    broken = _invoke("--format", "dot", cwd=DRAW / "errors")
    assert broken.exit_code == 1 and "digraph workflow {" in broken.output
    assert "the graph shows 10 errors and 3 warnings; `recast-lint check` explains them" in broken.output
    assert "Traceback" not in broken.output


def test_output_file_and_usage_errors(tmp_path: Path) -> None:
    out = tmp_path / "graph.json"
    done = _invoke("--format", "json", "--output-file", str(out), cwd=DRAW / "nested")
    assert done.exit_code == 0 and done.output == "" and json.loads(out.read_text())["nodes"]
    for args, message in [
        (["--example", "smal"], "no example 'smal' in recast.yml; did you mean 'small'?"),
        (["--update", "README.md", "--format", "dot"], "--update writes the Mermaid block of README"),
        ([str(tmp_path)], "nothing to draw in"),
    ]:
        failed = _invoke(*args, cwd=DRAW / "nested")
        assert failed.exit_code == 2, failed.output
        assert failed.output.startswith(f"recast-lint: error: {message}") and len(failed.output.splitlines()) == 1


@needs_dot
def test_svg_and_png_come_from_graphviz(tmp_path: Path) -> None:
    svg, png = tmp_path / "w.svg", tmp_path / "w.png"
    assert _invoke("--format", "svg", "--output-file", str(svg), cwd=DRAW / "nested").exit_code == 0
    assert _invoke("--format", "png", "--output-file", str(png), cwd=DRAW / "nested").exit_code == 0
    assert "<svg" in svg.read_text() and ">batched</text>" in svg.read_text()
    assert png.read_bytes().startswith(b"\x89PNG\r\n")


def test_svg_without_graphviz_says_to_install_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    done = _invoke("--format", "svg", cwd=DRAW / "nested")
    assert done.exit_code == 2
    assert done.output.splitlines() == [
        "recast-lint: error: --format svg needs Graphviz's `dot` on PATH; install graphviz (e.g. `apt-get install graphviz`) or use --format dot"
    ]


@needs_dot
def test_the_readmes_pictures_are_what_graph_draws_now(tmp_path: Path) -> None:
    """docs/workflow.svg is the template's analysis, docs/workflow-problems.svg the errors fixture.
    Redraw them after a change to the picture (from the analysis directory, so paths are short):
    `recast-lint new --no-input /tmp/a && cd /tmp/a && recast-lint graph --format svg --output-file
    <clone>/docs/workflow.svg`, and the same in tests/fixtures/draw/errors for workflow-problems.svg.
    Layout coordinates differ between Graphviz versions; the text and tooltips must not."""
    from recast_lint.scaffold import create

    analysis = create(tmp_path / "ANA-EXOT-2099-099", {}, True, False).path
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for picture, source in [("workflow.svg", analysis), ("workflow-problems.svg", DRAW / "errors")]:
        assert f"](docs/{picture})" in readme
        drawn = render("svg", draw(source, cwd=source)[1])
        assert isinstance(drawn, bytes)
        assert _svg_text(drawn.decode("utf-8")) == _svg_text((REPO / "docs" / picture).read_text(encoding="utf-8")), picture


def _svg_text(svg: str) -> List[str]:
    return re.findall(r"<text[^>]*>([^<]*)</text>|xlink:title=\"([^\"]*)\"", svg)


# -- the README block -------------------------------------------------------------------------------

README = f"# analysis\r\n\r\nIntro.\r\n\r\n{BEGIN}\r\nold picture\r\n{END}\r\n\r\n## Lint\r\n\r\n```md\r\n{BEGIN}\r\n```\r\n"


def test_update_rewrites_only_the_block_and_keeps_line_endings(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_bytes(README.encode())
    done = _invoke("--update", str(readme), cwd=DRAW / "nested")
    assert done.exit_code == 0 and "workflow block updated" in done.output
    text = readme.read_bytes().decode()
    before, after = README.split("old picture\r\n")
    assert text.startswith(before) and text.endswith(after)
    mermaid = str(render("mermaid", _graph("nested")))
    assert text[len(before) : -len(after)] == "```mermaid\r\n" + mermaid.replace("\n", "\r\n") + "```\r\n"
    again = _invoke("--update", str(readme), cwd=DRAW / "nested")
    assert "already up to date" in again.output and readme.read_bytes().decode() == text


@pytest.mark.parametrize(("text", "found"), [
    ("# analysis\n\nno block\n", "has no workflow block to update; add the two lines"),
    (f"{END}\n{BEGIN}\n", "needs exactly one <!-- recast-lint graph: begin --> line followed by one"),
    (f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n", "(found 2 and 2)"),
    (f"```\n{BEGIN}\n{END}\n```\n", "has no workflow block"),  # markers shown in a code block are not markers
])
def test_update_without_usable_markers_says_what_to_add(tmp_path: Path, text: str, found: str) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(text)
    done = _invoke("--update", str(readme), cwd=DRAW / "nested")
    assert done.exit_code == 2 and found in done.output and len(done.output.splitlines()) == 1
    assert readme.read_text() == text


def test_a_broken_block_is_replaced_whole() -> None:
    text = f"a\n{BEGIN}\n```mermaid\nflowchart TD\n{END}\nb\n"  # the closing fence was deleted by hand
    assert replace_block(text, "flowchart TD\n  n0\n", "README.md") == f"a\n{BEGIN}\n```mermaid\nflowchart TD\n  n0\n```\n{END}\nb\n"


# -- against the real renderers ---------------------------------------------------------------------


def _dot_accepts(source: str) -> None:
    done = subprocess.run(["dot", "-Tsvg"], input=source.encode("utf-8"), capture_output=True, timeout=120, check=False)
    assert done.returncode == 0 and b"<svg" in done.stdout, done.stderr.decode("utf-8", "replace")[:2000]


def _corpus_targets() -> List[tuple]:
    if not (CORPUS / "VERDICTS.tsv").is_file():
        return []
    targets = []
    with open(CORPUS / "VERDICTS.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            path = CORPUS / row["path"]
            toplevel = None
            if "needs toplevel=" in row["note"]:  # the toplevel the reference validated the file with
                toplevel = path.parent / row["note"].split("needs toplevel=")[1].split()[0].rstrip(",;|")
            targets.append((row["path"], path.parent if path.name == "recast.yml" else path, toplevel))
    return targets


@needs_dot
@pytest.mark.parametrize("name", [*FIXTURE_NAMES, "every fixture at once"])
def test_graphviz_draws_the_dot_of_every_fixture(name: str) -> None:
    path = FIXTURES if name == "every fixture at once" else DRAW / name
    _dot_accepts(str(render("dot", draw(path, cwd=path)[1])))


@needs_dot
@pytest.mark.corpus
@pytest.mark.skipif(not (CORPUS / "VERDICTS.tsv").is_file(), reason=f"corpus not found at {CORPUS}")
def test_graphviz_draws_the_dot_of_every_corpus_workflow() -> None:
    from recast_lint.lint import UsageError

    drawn = 0
    for relpath, target, toplevel in _corpus_targets():
        try:
            graph = draw(target, toplevel, cwd=CORPUS)[1]
        except UsageError as exc:  # a catalogue entry of another name, a reana file of another name: nothing to draw
            assert "nothing to draw" in str(exc), relpath
            continue
        _dot_accepts(str(render("dot", graph)))
        drawn += 1
    assert drawn > 300


@pytest.mark.skipif(not (MERMAID / "node_modules" / "mermaid").is_dir() or shutil.which("node") is None,
                    reason="no mermaid.js in bench/.envs/mermaid (npm install --prefix bench/.envs/mermaid mermaid@10 jsdom@24)")
def test_mermaid_parses_the_mermaid_of_every_fixture(tmp_path: Path) -> None:
    files = []
    for name in FIXTURE_NAMES:
        files.append(tmp_path / f"{name}.mmd")
        files[-1].write_text(str(render("mermaid", _graph(name))), encoding="utf-8")
    done = subprocess.run(["node", str(Path(__file__).with_name("mermaid_parse.mjs")), *map(str, files)], capture_output=True, text=True,
                          env={**os.environ, "MERMAID_MODULES": str(MERMAID / "node_modules")}, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
