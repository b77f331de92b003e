"""RL401, RL405-RL407: dependencies that match nothing or do not parse, cycles, and the stages that never run."""

from __future__ import annotations

from typing import Dict, Iterable, List, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.fix import Applicability
from recast_lint.model import Analysis, Loc, Stage
from recast_lint.rules.graph.wording import no_match, quoted
from recast_lint.rules.registry import Finding, rule
from recast_lint.stagegraph import graphs


@rule("RL401", "unknown-dependency", Severity.ERROR, "a dependency matches no stage", fix=Applicability.UNSAFE)
def unknown_dependency(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `dependencies` expression that matches no stage of its workflow. `init` counts only
    when initdata is given (a loose workflow may be given initdata on the command line); inside a
    sub-workflow `init` holds the parameters of the stage that runs it, and the parent's stages are
    invisible. `map[*].inner` reaches stage `inner` of the sub-workflow of `map`.

    Why: yadage waits for the expression to match a finished stage, forever. The stage and every
    stage after it never run, and the run reports "workflow completed successfully." with exit 0.

    Bad:

        dependencies: [inti]

    Fixed:

        dependencies: [init]
    """
    for graph in graphs(analysis):
        for stage in graph.stages:
            for reading in graph.dependencies.get(stage.index, []):
                if reading.matches_nothing and not graph.blames_name(reading):
                    yield no_match(reading, "dependency", graph)


@rule("RL407", "invalid-stage-expression", Severity.ERROR, "a dependency or selector expression does not parse")
def invalid_stage_expression(analysis: Analysis) -> Iterable[Finding]:
    """Catches dependency and selector expressions that jsonpath-rw cannot parse: spaces between
    names, names starting with a digit, `$` or other characters outside `[A-Za-z0-9_@-]`, a
    trailing `.` or `,`.

    Why: the runtime parses the expression when it checks whether the stage is ready and fails
    with "Parse error at 1:6 near token world (ID)".

    Bad:

        dependencies: ['hello world']

    Fixed:

        dependencies: [hello_world]
    """
    for graph in graphs(analysis):
        readings = [r for rs in graph.dependencies.values() for r in rs] + [s.target for s in graph.selectors]
        for reading in readings:
            error = reading.error
            if error is None or error.unsupported or graph.blames_name(reading):
                continue
            near = reading.text[error.offset : error.offset + 1]
            finding = Finding.at_text(reading.loc, reading.text[error.offset :], f"'{reading.text}' is not a valid stage expression: {error.message}")
            hint = "stage expressions are names like `fit`, `a,b` or `map[*].inner`"
            if near.isspace() or " " in reading.text.strip():
                hint = "list several stages as separate entries (or `a,b`), not separated by spaces"
            yield Finding(finding.doc, finding.span, finding.message, hint)


@rule("RL405", "dependency-cycle", Severity.ERROR, "stages depend on each other in a cycle")
def dependency_cycle(analysis: Analysis) -> Iterable[Finding]:
    """Catches dependency cycles, including a stage that depends on itself; the message names the
    cycle (`a → b → a`).

    Why: no stage of a cycle ever becomes ready, so none of them (and nothing after them) runs,
    and the run still reports "workflow completed successfully." with exit 0.

    Bad:

        - name: a
          dependencies: [b]
        - name: b
          dependencies: [a]

    Fixed: remove the dependency that points backwards (here `a` on `b`).
    """
    for graph in graphs(analysis):
        for cycle in graph.cycles():
            names = [str(s.name) for s in cycle]
            where = graph.edge_loc(cycle[0], cycle[1] if len(cycle) > 1 else cycle[0])
            if len(cycle) == 1:
                yield Finding.at(where, f"stage '{names[0]}' depends on itself, so it never runs", "remove it from its own dependencies")
            else:
                yield Finding.at(
                    where,
                    "dependency cycle: " + " → ".join(names + [names[0]]) + "; none of these stages ever runs",
                    "remove the dependency that points backwards",
                )


@rule("RL406", "never-runs", Severity.INFO, "stages that never run because a stage before them never runs")
def never_runs(analysis: Analysis) -> Iterable[Finding]:
    """Reports, once at each root cause (a dependency that matches nothing, an expression that
    does not parse, a cycle), the stages further down that never run because of it.

    Why: a stage waits for all its dependencies, so one that never runs silently takes every stage
    after it along; the run still ends with "workflow completed successfully." The cause itself is
    the error (RL401, RL405, RL407); this says how much of the workflow it takes down.

    Bad:

        - name: select
          dependencies: [inti]
        - name: fit
          dependencies: [select]     # never runs either

    Fixed: fix the cause (`dependencies: [init]`).
    """
    for graph in graphs(analysis):
        causes = graph.blocked()
        if not causes:
            continue
        downstream = graph.downstream()
        by_loc: Dict[Loc, Tuple[Stage, List[Stage]]] = {}
        for index, loc in causes.items():
            seen, todo = set(), [index]
            while todo:
                for nxt in downstream[todo.pop()]:
                    if nxt not in seen and nxt not in causes:
                        seen.add(nxt)
                        todo.append(nxt)
            cause, victims = by_loc.setdefault(loc, (graph.stages[index], []))
            victims.extend(graph.stages[i] for i in sorted(seen) if graph.stages[i] not in victims)
        for loc, (cause, victims) in by_loc.items():
            if victims:
                names = [v.name for v in victims]
                yield Finding.at(
                    loc,
                    f"because '{cause.name}' never runs, {quoted(names)} {'never runs' if len(names) == 1 else 'never run'} either",
                    "fix this dependency; the stages after it follow",
                )
