"""The `recast-lint` program: `check` without click when its arguments allow, every other command through click.

`recast-lint check` runs on every commit, and click is a third of a check of a small analysis
(``recast_lint.check_command``). Whatever ``check_command.parse`` does not read exactly as click
would (help, usage errors, other commands) goes to ``recast_lint.cli``, unchanged.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from typing import List, Optional


def program() -> None:
    """The `recast-lint` program: ``main``; a check then ends at once, its report written.

    What a check built (every document and the model of every stage) is freed by the system when
    the process ends; Python would first free it object by object, some 0.5 s of a check of
    10,000 stages. Other commands end as usual: a server or a runner may have files to close."""
    args = sys.argv[1:]
    try:
        main(args)
    except SystemExit as done:
        if args[:1] != ["check"] or not (done.code is None or isinstance(done.code, int)):
            raise
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):  # the reader went away, or the stream was closed: nothing more to say
                stream.flush()
        os._exit(done.code or 0)


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
