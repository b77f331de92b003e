"""recast-lint: lint, scaffold and run RECAST analyses (recast.yml, yadage workflows, packtivity steps)."""

__version__ = "0.1.0"
