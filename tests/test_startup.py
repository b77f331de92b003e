"""Start-up cost: pre-commit starts `recast-lint check` on every commit, so a clean run of it must
not pay for modules it does not need. The benchmark (bench/bench.py) measures the time; this test
keeps the known costs out of the import graph."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers import FIXTURES

# dataclasses: 0.25-0.45 ms per class defined; subprocess: git is started only when a rule needs it;
# difflib: only for a did-you-mean; jsonschema: only the tests compare against it; cookiecutter: only `new`;
# click (with inspect, gettext, uuid): a third of a check, needed only for help, usage errors and other commands;
# pygls, lsprotocol and asyncio: only `server`; recast_lint.draw: only `graph`
NOT_ON_A_CLEAN_CHECK = (
    "dataclasses", "subprocess", "difflib", "jsonschema", "cookiecutter", "click", "inspect",
    "pygls", "lsprotocol", "asyncio", "recast_lint.draw",
)


def test_a_clean_check_imports_none_of_the_costly_modules() -> None:
    probe = (  # what the `recast-lint` program runs
        "import sys\n"
        "from recast_lint.entry import main\n"
        "try:\n    main(['check', '.', '--color', 'never'])\nexcept SystemExit as done:\n    print('exit', done.code)\n"
        f"print(sorted(m for m in {NOT_ON_A_CLEAN_CHECK!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=FIXTURES / "helloworld", check=False)
    assert done.stdout.splitlines()[-2:] == ["exit 0", "[]"], done.stdout + done.stderr
