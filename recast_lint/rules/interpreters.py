"""RL720-RL721: the program a step's command or script is handed to, and whether its image has it.

packtivity runs a `cmd` as `sh -c '<cmd>'` and a `script` as `sh -c '<interpreter>'` with the
script on standard input (``packtivity/handlers/execution_handlers.py`` ``script_argv``), so
`interpreter:` must be a program of the image, and a `#!` first line of a script is only a
comment: the script runs in the interpreter, `sh` by default. Minimal images have no bash:
`busybox` holds only BusyBox's applets (its `sh` is ash), and `alpine` BusyBox plus `apk`; images
built on Alpine (`python:3.12-alpine`, tags with `alpine`) start without bash too.
"""

from __future__ import annotations

from typing import Iterable, Iterator, Optional

from recast_lint.diagnostics import Severity
from recast_lint.lazyre import LazyPattern
from recast_lint.model import Analysis, Loc, Step
from recast_lint.records import Record
from recast_lint.rules.registry import Finding, rule

_BUSYBOX_ONLY = ("busybox", "alpine")  # images whose programs are BusyBox's applets (and apk)
# programs a BusyBox image runs for `sh -c <name>`: its shell and the applets that interpret scripts
_BUSYBOX_INTERPRETERS = ("sh", "ash", "hush", "awk")
_SHELLS_LIKE_BASH = ("bash", "zsh", "ksh")
_COMMAND_WORD = LazyPattern(r"(?:^|[;&|\n(]|&&|\|\|)\s*(?:exec\s+|env\s+|/usr/bin/env\s+)?(?P<program>(?:/usr)?(?:/local)?(?:/bin/)?[A-Za-z][\w.+-]*)")
_SHEBANG = LazyPattern(r"\A\s*#!\s*(?:/usr/bin/env\s+)?(?P<path>\S+)")
# bash syntax BusyBox's ash rejects (verified: `files=(a b c)` is `sh: syntax error: unexpected "("`)
_ARRAY = LazyPattern(r"(?m)(?:^|[;&|\s])(?:declare\s+-[aA]\s+\w+|\w+=\()|\$\{\w+\[")


class Image(Record):
    name: str  # the last path component, without tag
    tag: str
    written: str

    @property
    def busybox_only(self) -> bool:
        return self.name in _BUSYBOX_ONLY

    @property
    def alpine_based(self) -> bool:
        return self.busybox_only or "alpine" in self.tag or self.name.endswith("-alpine")

    def lacks(self, program: str) -> bool:
        """Whether the image certainly has no ``program`` (a name or a path, e.g. `/bin/bash`)."""
        name = program.rsplit("/", 1)[-1]
        if self.busybox_only:
            return name not in _BUSYBOX_INTERPRETERS and (name in _SHELLS_LIKE_BASH or name.startswith(("python", "perl", "ruby", "node")))
        return self.alpine_based and name in _SHELLS_LIKE_BASH


def _image(step: Step) -> Optional[Image]:
    environment = step.part_value("environment")
    image = environment.get("image")
    if environment.get("environment_type") != "docker-encapsulated" or not isinstance(image, str) or "{" in image or "$" in image:
        return None
    tag = environment.get("imagetag", "latest")
    path, _, inline_tag = image.rpartition("/")[2].partition(":")  # an inline tag is RL701's; read it all the same
    return Image(path.split("@")[0], str(inline_tag or tag), f"{image}:{tag}" if not inline_tag else image)


class _Use(Record):
    loc: Loc
    needle: str  # the text to point at
    program: str
    how: str


def _uses(step: Step) -> Iterator[_Use]:
    """The programs the step hands its work to: `interpreter:`, and each command word of `cmd`/`script`."""
    process = step.part("process")
    if process is None:
        return
    interpreter = process.get("interpreter")
    if process.has("script") and isinstance(interpreter, str):
        program = interpreter.split()[0] if interpreter.split() else interpreter
        yield _Use(process.child("interpreter"), interpreter, program, f"the script runs with `{program}`")
    for key in ("cmd", "script"):
        text = process.get(key)
        if isinstance(text, str):
            for line in text.splitlines():
                if line.lstrip().startswith("#"):
                    continue
                for match in _COMMAND_WORD.finditer(line):
                    program = match.group("program")
                    yield _Use(process.child(key), program, program, f"the {key} calls `{program}`")


@rule("RL720", "interpreter-not-in-image", Severity.ERROR, "a step runs bash (or another interpreter) on an image that has none")
def interpreter_not_in_image(analysis: Analysis) -> Iterable[Finding]:
    """Catches `interpreter: bash` (or `python`, `perl`, ...) and commands that call `bash` on an
    image known to lack them: `busybox` and `alpine` hold only BusyBox's applets, and images built
    on Alpine (`*-alpine` tags) have no bash.

    Why: packtivity starts the step as `sh -c '<interpreter>'` with the script on standard input;
    the shell finds no such program and the step fails with `sh: bash: not found` (exit 127).
    Verified with packtivity 0.17.1 and Docker on `busybox:1.36.1`: `interpreter: bash` and
    `cmd: bash -c "..."` both failed with `sh: bash: not found`.

    Bad:

        process:
          process_type: interpolated-script-cmd
          interpreter: bash
          script: ...
        environment:
          environment_type: docker-encapsulated
          image: busybox

    Fixed: write the script for `sh` (BusyBox's ash) and drop `interpreter:`, or use an image that
    has bash.
    """
    for step in analysis.steps:
        image = _image(step)
        if image is None or not image.alpine_based:
            continue
        reported = set()
        for use in _uses(step):
            if not image.lacks(use.program) or (use.loc.pointer, use.program) in reported:
                continue
            reported.add((use.loc.pointer, use.program))
            name = use.program.rsplit("/", 1)[-1]
            yield Finding.at_text(
                use.loc,
                use.needle,
                f"{use.how}, which image {image.written!r} does not have: the step fails with `sh: {use.program}: not found`",
                f"write it for `sh` (BusyBox's ash) without `{name}`, or use an image that has {name}",
            )


@rule("RL721", "shebang-ignored", Severity.WARNING, "a `script` whose `#!` line names another interpreter than the one that runs it")
def shebang_ignored(analysis: Analysis) -> Iterable[Finding]:
    """Catches a `script:` whose first line is `#!/bin/bash` (or another interpreter) while
    `interpreter:` is `sh` or left out.

    Why: packtivity pipes the script into `sh -c '<interpreter>'`, so the `#!` line is a comment and
    the script runs in `sh`: dash on Debian and Ubuntu images, BusyBox's ash on busybox and Alpine
    images, bash only where `sh` is bash. An error on a BusyBox or Alpine image when the script
    uses bash arrays, which ash rejects. Verified with packtivity 0.17.1 and Docker on
    `busybox:1.36.1`: a `#!/bin/bash` script with `files=(a b c)` failed with `sh: syntax error:
    unexpected "("`; one with only `[[ ... ]]` ran (BusyBox's ash accepts it).

    Bad:

        script: |
          #!/bin/bash
          files=(a.root b.root)

    Fixed: `interpreter: bash` on an image that has bash; else write the script for `sh`.
    """
    for step in analysis.steps:
        process = step.part("process")
        script = process.get("script") if process is not None else None
        shebang = _SHEBANG.match(script) if isinstance(script, str) else None
        if process is None or shebang is None:
            continue
        wanted = shebang.group("path").rsplit("/", 1)[-1]
        interpreter = process.get("interpreter", "sh")
        if not isinstance(interpreter, str) or wanted in ("sh", interpreter.split()[0] if interpreter.split() else ""):
            continue
        image = _image(step)
        busybox = image is not None and image.alpine_based
        fails = busybox and wanted in _SHELLS_LIKE_BASH and bool(_ARRAY.search(script))
        where = f"BusyBox's ash on {image.written!r}" if busybox and image is not None else f"`{interpreter}`"
        consequence = "; ash rejects its bash arrays, so the step fails with a syntax error" if fails else ""
        yield Finding.at_text(
            process.child("script"),
            shebang.group(0).strip(),
            f"the `#!` line is only a comment: packtivity pipes the script to `{interpreter}`, so it runs in {where}, not {wanted}{consequence}",
            f"set `interpreter: {wanted}`" + (" on an image that has it" if busybox else "") + ", or write the script for `sh`",
            severity=Severity.ERROR if fails else None,
        )
