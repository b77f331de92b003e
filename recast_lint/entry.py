"""The `recast-lint` program: `check` without click when its arguments allow, every other command through click.

`recast-lint check` runs on every commit, and click is a third of a check of a small analysis
(``recast_lint.check_command``). Whatever ``check_command.parse`` does not read exactly as click
would (help, usage errors, other commands) goes to ``recast_lint.cli``, unchanged.
"""

from __future__ import annotations

import gc
import sys
from typing import List, Optional


def main(argv: Optional[List[str]] = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["check"]:
        # one lint, then the process ends: what it leaves is freed at exit, and collecting it first would
        # walk every object of the model once more (a tenth of a 10,000-stage check). Off before the
        # imports too: defining the rules' classes would start some 50 collections that find nothing.
        # Not for commands that keep running, such as a language server.
        gc.disable()
        from recast_lint import check_command

        options = check_command.parse(args[1:])
        if options is not None:
            try:
                check_command.guarded(lambda: check_command.run(**options))
            except KeyboardInterrupt:  # as click reports it: an empty line, then one of ours
                check_command.echo("", err=True)
                check_command.fail("aborted")
            sys.exit(check_command.EXIT_CLEAN)
        gc.enable()  # click reads these arguments, and its commands may keep running
    from recast_lint.cli import main as click_main

    click_main(args)
