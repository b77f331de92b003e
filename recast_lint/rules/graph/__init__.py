"""RL4xx: the stage graph of every workflow scope (dependencies, names, cycles, reachability, selectors).

yadage applies a stage once every `dependencies` expression matches at least one stage whose steps
are done, and resolves a parameter selector (`{step|stages: X, output: Y}`) when it applies the
stage. An expression that matches nothing never becomes ready and the run still "completes
successfully"; a selector on a stage that has not been scheduled yields `[]` (`stages:`) or a bare
`AssertionError` (`step:`). Each workflow, and each sub-workflow, is its own scope: it sees its own
stages plus `init` (``../shared/reference/runtime-semantics.md`` B.2). Expressions are understood
by ``recast_lint.stagepaths``; what it cannot model is skipped, never guessed at.
"""

from recast_lint.rules.graph import cases, dependencies, names, outputs, selectors, shapes  # noqa: F401  (importing registers the rules)
