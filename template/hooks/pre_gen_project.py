"""Check every answer before cookiecutter writes a file, and stop with one line naming the field.

cookiecutter renders the ``ANSWERS`` line of ``main`` and runs this script; ``recast-lint new``
imports ``problem`` and checks the answers before rendering, so both say the same thing. The
answers land unquoted in YAML and in CI shell lines, hence the strict forms.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Dict, Optional, Tuple

# Docker's reference grammar (distribution/reference), without tag or digest.
_HOST = r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]+)?/)"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_URL = re.compile(r"https://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~%+-]+)*")
_ONE_LINE = re.compile(r"[^\x00-\x1f\x7f]*\S[^\x00-\x1f\x7f]*")

# Tags that name a moving target: the analysis would not rerun the same way in ten years.
MOVING_TAGS = ("latest", "master", "main", "stable")

# question -> (the form its answer must match in full, that form in words)
FORMS: Dict[str, Tuple[re.Pattern[str], str]] = {
    "reference_code": (re.compile(r"[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+"), "upper-case words and numbers joined by '-', e.g. ANA-EXOT-2099-099"),
    "repo_name": (re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}"), "letters, digits, '.', '_' or '-' (a safe directory name), e.g. ANA-EXOT-2099-099"),
    "catalogue_name": (re.compile(r"[a-z0-9][a-z0-9._-]*/[a-z0-9][a-z0-9._-]*"), "<group>/<identifier> in lower case, e.g. atlas/ana-exot-2099-099"),
    "author": (_ONE_LINE, "one line of text, e.g. RECAST team"),
    "short_description": (_ONE_LINE, "one line of text"),
    "step_image": (re.compile(rf"{_HOST}?{_COMPONENT}(?:/{_COMPONENT})*"), "a Docker image name without tag, e.g. busybox or registry.example.org/group/image"),
    "step_image_tag": (re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"), "a Docker tag, e.g. 1.36.1"),
    "recastatlas_version": (re.compile(r"v[0-9]+\.[0-9]+\.[0-9]+"), "a release tag vX.Y.Z, e.g. v0.4.2"),
    "recast_lint_repo": (_URL, "an https:// URL without a trailing '/', e.g. https://gitlab.cern.ch/recast-atlas/recast-lint"),
    "schema_base_url": (_URL, "an https:// URL without a trailing '/'"),
}
FLAGS = ("needs_auth", "use_pre_commit")


def field_problem(field: str, value: Any) -> Optional[str]:
    """What is wrong with one answer, in one line; None when it has its expected form."""
    if field in FLAGS:
        return None if isinstance(value, bool) else f"{field} {value!r} is not valid; expected yes or no"
    pattern, expected = FORMS[field]
    if value is None:
        return f"{field} is missing; expected {expected}"
    if field == "step_image" and isinstance(value, str) and ("@" in value or ":" in value.rsplit("/", 1)[-1]):
        return f"step_image {value!r} includes a tag or digest; put the name in step_image and the tag in step_image_tag"
    if not isinstance(value, str) or not pattern.fullmatch(value):
        return f"{field} {value!r} is not valid; expected {expected}"
    if field == "step_image_tag" and value.lower() in MOVING_TAGS:
        return f"step_image_tag {value!r} moves over time, so reruns would not be reproducible; pin a version, e.g. 1.36.1"
    return None


def problem(answers: Dict[str, Any]) -> Optional[str]:
    """The first answer that does not have its expected form, said in one line; None when all do."""
    for field in (*FORMS, *FLAGS):
        message = field_problem(field, answers.get(field))
        if message:
            return message
    return None


def main() -> int:
    answers = json.loads(r"""{{ cookiecutter | jsonify }}""")
    message = problem(answers)
    if message:
        print(f"error: {message}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
