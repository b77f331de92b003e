"""jq programs (`cases` conditions) read like the runtime's jq compiles them.

Every verdict below was recorded with the `jq` package 1.13.0 (libjq 1.8), the one installing
yadage 0.21.2 brings: ``jq.compile(program)`` either compiles or raises ``ValueError``. The
parser was compared with it on 448 programs, these among them, with no difference.
"""

from __future__ import annotations

import pytest

from recast_lint.jqprog import JqError, parse

COMPILES = [
    ".mass >= 1000", ".a == \"x\" and .b", ".a | length > 0", "true", "select(.a)", "empty", "not", ".a | not",
    ".a != null", "\"\\(.a)\" == \"x\"", ".a[0] > 1", ".[\"a\"]", ".a?", "if .a then true else false end",
    ".a as $x | $x > 1", "def f: 1; f", "@base64", ".a // 1", "$__loc__", "$ENV.HOME", "{a: 1 + 2}", "{a: .b | .c}",
    "{(.a): 1}", "{$__loc__}", "{if: 1}", "{a}", ". as $x | {$x}", "reduce .[] as $x (0; . + $x) | . + 1",
    "1 + reduce .[] as $x (0; .)", "if . then 1 end", "try error catch .", ".a?.b", ".a.[\"b\"]", "\"\\u00e9\"",
    ".a # comment", "- - 1", "def f($a): a; f(1)", "label $f | break $f", ". as [$a] ?// $a | $a", ".a? // 1",
    "def f: $x; 1", "def f: g; 1", "1, def f: 1; f", "(def f: 1; f)", "first(def g: 1; g)", ".a.[0]", ". [0]", ".a .b",
    ".e1", "1.", ".5 + 1", "{a: 1, b: 2,}", "[.[] | {name, value: .v}]", "0 < .parone and .parone < 4", "4 <= .parone",
    ".parone==0", "(.a | type) == \"array\"", "def f: .; def f(a): a; [f, f(1)]", "foreach .[] as $x (0; .; $x) | 1",
]
REJECTED = [
    ".a && .b", ".a || .b", "lenght", ".a ==", "(.a", ".a == yes", ".a =~ \"x\"", "$x", "ascii", "getpath",
    ".a === 1", ".a <> 1", ".a == True", "'a'", "!.a", ".a !", "not(.a)", "break $f", "getpath([\"a\"]; 1)",
    ".a and", "and", ".a == .b == .c", ".a = .b = .c", ".a < .b < .c", "$ x", "\"\\q\"", ".a?//1", "0x10", ".a)",
    "[.a", "{", ".a ]", ". a", ".a.[1:2]", "1 as $x | $y", "def f: g; f", "def f($a): $a + $b; f(1)",
    ".a + def f: 1; f", "try def f: 1; f", "{a: def f: 1; f}", "1 // def f: 1; f", "{1: 2}", "[,]", "reduce .[] as $x (0; $x) | $x",
    "\"\\($x)\"", "test(\"x\";\"g\";\"h\")", "$__prog_args", "{a: 1 b: 2}",
]


@pytest.mark.parametrize("program", COMPILES)
def test_programs_jq_compiles_parse(program: str) -> None:
    parse(program)


@pytest.mark.parametrize("program", REJECTED)
def test_programs_jq_rejects_raise_with_a_place(program: str) -> None:
    with pytest.raises(JqError) as caught:
        parse(program)
    assert 0 <= caught.value.offset <= len(program)


def test_comparisons_keep_their_operands() -> None:
    found = [(n.value, n.text, [c.kind for c in n.children]) for n in parse('.mass >= 1000 and (.flag == "no" or .x | length > 2)').comparisons()]
    assert found == [(">=", ".mass >= 1000", ["path", "literal"]), ("==", '.flag == "no"', ["path", "literal"]), (">", "length > 2", ["other", "literal"])]
    paths = [n.children[0].value for n in parse('.["a"] == 1 and ."b" == 2 and .c? == -3').comparisons()]
    assert paths == [("a",), ("b",), ("c",)]
    assert [n.children[1].value for n in parse(".a == -3").comparisons()] == [-3]


def test_an_assignment_is_kept_for_the_rules() -> None:
    assert [(n.kind, n.value) for n in parse('.channel = "mm"').comparisons()] == [("assign", "=")]
