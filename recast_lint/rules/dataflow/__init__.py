"""RL5xx: data flow between stages and steps (placeholders, parameters, published outputs, literal values).

packtivity hands a step exactly the parameters its stage passes: `cmd` and `script` are rendered
with ``template.format(**parameters)``, `interpolated-pub` templates with
``template.format(workdir=..., **parameters)``, and a `frompar-pub` outputmap leaf is looked up as
``parameters[leaf]``. Before that, every literal string in the stage's parameters (and in initdata)
is rendered with only ``{workdir}`` and ``{readdirN}`` available. The rules below check these
contracts statically; a step is checked against every stage that uses it.
"""

from recast_lint.rules.dataflow import initdata, literals, multistep, placeholders, publishers, unused, yaml11  # noqa: F401  (importing registers the rules)
