"""Remove what the answers did not ask for (cookiecutter runs this inside the new repository)."""

from __future__ import annotations

import json
from pathlib import Path


def main() -> None:
    answers = json.loads(r"""{{ cookiecutter | jsonify }}""")
    if not answers["use_pre_commit"]:
        Path(".pre-commit-config.yaml").unlink()


if __name__ == "__main__":
    main()
