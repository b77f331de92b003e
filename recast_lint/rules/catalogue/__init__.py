"""RL6xx: the catalogue entry, REANA specs and the CI file.

What `recast run`, `recast tests run`, REANA and a GitLab CI job do with `recast.yml`, `reana.yaml`
and `.gitlab-ci.yml` (``../shared/reference/runtime-semantics.md`` A.3, C.1, C.5, C.6 and E R4–R14,
C1, C3).
"""

from recast_lint.rules.catalogue import ci, civars, coverage, entry, index, inputs, pins, reana, steptests  # noqa: F401  (importing registers the rules)
