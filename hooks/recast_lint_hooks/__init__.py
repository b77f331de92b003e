"""Glue between pre-commit and recast-lint (the hooks are declared in ``.pre-commit-hooks.yaml``).

Installed as the import package ``recast_lint_hooks`` (from ``hooks/recast_lint_hooks``) with the
console scripts ``recast-lint-precommit`` and ``recast-lint-no-credentials``, because pre-commit
pip-installs this repository into the hook environment and runs whatever its ``entry`` names.
"""
