"""Start-up cost: pre-commit starts `recast-lint check` on every commit, so a clean run of it must
not pay for modules it does not need. The benchmark (bench/bench.py) measures the time; this test
keeps the known costs out of the import graph."""

from __future__ import annotations

import re
import subprocess
import sys
from typing import NamedTuple, Optional

import pytest

from recast_lint.lazyre import LazyPattern
from recast_lint.records import Record
from tests.helpers import FIXTURES

# dataclasses: 0.25-0.45 ms per class defined; subprocess: git is started only when a rule needs it;
# difflib: only for a did-you-mean; jsonschema: only the tests compare against it; cookiecutter: only `new`;
# click (with inspect, gettext, uuid): a third of a check, needed only for help, usage errors and other commands;
# pygls, lsprotocol and asyncio: only `server`; recast_lint.draw: only `graph`; recast_lint.jqprog: only a `cases` condition
NOT_ON_A_CLEAN_CHECK = (
    "dataclasses", "subprocess", "difflib", "jsonschema", "cookiecutter", "click", "inspect",
    "pygls", "lsprotocol", "asyncio", "recast_lint.draw", "recast_lint.jqprog",
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


def test_a_record_is_the_namedtuple_typing_would_make() -> None:
    class Typed(NamedTuple):
        """A span of text."""

        start: int
        end: Optional[int] = None
        tags: tuple = ()

        @property
        def width(self) -> int:
            return (self.end or self.start) - self.start

    class Ours(Record):
        """A span of text."""

        start: int
        end: Optional[int] = None
        tags: tuple = ()

        @property
        def width(self) -> int:
            return (self.end or self.start) - self.start

    for kind in (Typed, Ours):
        span = kind(3, 7)
        assert (span, span.width, span._replace(end=None).width, kind(1, tags=("a",))) == ((3, 7, ()), 4, 0, (1, None, ("a",)))
        assert (kind._fields, kind._field_defaults, kind.__doc__) == (("start", "end", "tags"), {"end": None, "tags": ()}, "A span of text.")
        assert repr(span) == f"{kind.__name__}(start=3, end=7, tags=())" and kind.__qualname__.endswith(f"<locals>.{kind.__name__}")
    with pytest.raises(TypeError):

        class Misordered(Record):
            start: int = 0
            end: int


def test_a_lazy_pattern_is_compiled_when_first_used_and_then_is_the_pattern() -> None:
    words = LazyPattern(r"(?P<word>[a-z]+)", re.IGNORECASE)
    assert "search" not in vars(words)
    assert words.fullmatch("Hello")["word"] == "Hello" and words.pattern == "(?P<word>[a-z]+)"
    assert words.sub("x", "a1B") == "x1x" and [m.group(0) for m in words.finditer("ab cd")] == ["ab", "cd"]
    assert vars(words)["search"].__self__ is vars(words)["sub"].__self__  # one compiled pattern
