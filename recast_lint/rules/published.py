"""RL309: the files a step publishes, named by an `interpolated-pub` template."""

from __future__ import annotations

from typing import Any, Dict, Iterable, Set, Tuple

from recast_lint.diagnostics import Severity
from recast_lint.model import Analysis
from recast_lint.rules.dataflow.templates import checked_steps, templates, union_names
from recast_lint.rules.registry import Finding, rule
from recast_lint.stagegraph import graphs
from recast_lint.stagepaths import IDENTIFIER


@rule("RL309", "publish-without-braces", Severity.ERROR, "an `interpolated-pub` value names a parameter without `{braces}`")
def publish_without_braces(analysis: Analysis) -> Iterable[Finding]:
    """Catches an `interpolated-pub` `publish` value that is exactly the name of a parameter the
    stage passes, written without braces (`yoda: outputyoda`).

    Why: the publisher renders each value with ``value.format(workdir=..., **parameters)``, and
    text without a `{field}` renders as itself. Seen with packtivity 0.17.1 (`packtivity-run` on a
    step whose stage passes `outputyoda: '<workdir>/out.yoda'`): it published
    `{'yoda': 'outputyoda'}`, and with `relative_paths: true` `{'yoda': '<workdir>/outputyoda'}`,
    a file that does not exist. A stage reading `yoda` gets that text, not the file the step
    wrote: an error. When no stage reads the output, the run is unaffected but the published
    value is wrong (a warning).

    Bad:

        publish:
          yoda: outputyoda

    Fixed:

        publish:
          yoda: '{outputyoda}'
    """
    read = _outputs_read(analysis)
    for step, users in checked_steps(analysis):
        publisher = step.part("publisher")
        if publisher is None or publisher.get("publisher_type") != "interpolated-pub":
            continue
        names = set(union_names(users))
        relative = publisher.get("relative_paths") is True
        for template in templates(step):
            if template.where != "publish template" or template.fields or template.error or template.text not in names:
                continue
            published = f"the path '<workdir>/{template.text}'" if relative else f"the text '{template.text}'"
            output = template.loc.pointer[len(publisher.child("publish").pointer)] if len(template.loc.pointer) > len(publisher.pointer) + 1 else None
            readers = sorted(read.get((id(step), output), set()))
            consequence = f"; '{readers[0]}' reads it as its input" if readers else ""
            yield Finding.at(
                template.loc,
                f"publish value '{template.text}' has no braces, so the step publishes {published}, "
                f"not the value of parameter '{template.text}'{consequence}",
                f"write '{{{template.text}}}'",
                severity=None if readers else Severity.WARNING,
            )


def _outputs_read(analysis: Analysis) -> Dict[Tuple[int, Any], Set[str]]:
    """(step, output name) -> the stages whose selectors read that output of a stage running the step."""
    read: Dict[Tuple[int, Any], Set[str]] = {}
    for graph in graphs(analysis):
        for selector in graph.selectors:
            output = selector.value.get("output")
            match = IDENTIFIER.match(output) if isinstance(output, str) else None
            resolution = selector.target.resolution
            if match is None or resolution is None:
                continue
            for reached in resolution.reached:
                stage = reached.entry.stage
                if stage is not None and stage.step is not None:
                    read.setdefault((id(stage.step), match.group(0)), set()).add(str(selector.stage.path))
    return read
