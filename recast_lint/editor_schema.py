"""`recast-lint schema NAME`: a bundled JSON Schema as one self-contained document, for editors.

The bundled files refer to each other (`workflow.json` uses `steps.json#/definitions/step`), which
works when they are read from one directory or one base URL. Printed on its own, a schema instead
carries each file it refers to under `definitions/<file name>`, so a single saved file is enough for
yaml-language-server's `# yaml-language-server: $schema=...` modeline.
"""

from __future__ import annotations

import copy
from typing import Any, Dict

from recast_lint.schemacheck import Schemas

# what each schema describes, the file its modeline goes into: a steps file is a mapping of named steps
# (steps.json); step.json is one step, for a file referenced whole
SCHEMA_FILES = {"recast": "recast.json", "workflow": "workflow.json", "steps": "steps.json", "step": "step.json"}


def self_contained(name: str) -> Dict[str, Any]:
    schemas = Schemas()
    main_file = SCHEMA_FILES[name]
    document = copy.deepcopy(schemas.document(main_file))
    embedded: Dict[str, Any] = {}

    def rewrite(node: Any, current: str) -> Any:
        if isinstance(node, list):
            return [rewrite(item, current) for item in node]
        if not isinstance(node, dict):
            return node
        is_reference = isinstance(node.get("$ref"), str)  # not a property that happens to be named `$ref`
        rewritten = {key: rewrite(value, current) for key, value in node.items() if not (is_reference and key == "$ref")}
        if is_reference:
            target, _, pointer = node["$ref"].partition("#")
            target = target or current
            if target == main_file:
                rewritten["$ref"] = f"#{pointer}"
            else:
                if target not in embedded:
                    embedded[target] = {}  # reserve first: the embedded file may refer back to itself
                    embedded[target] = rewrite(copy.deepcopy(schemas.document(target)), target)
                rewritten["$ref"] = f"#/definitions/{target}{pointer}"
        return {"$ref": rewritten.pop("$ref"), **rewritten} if is_reference else rewritten

    result = rewrite(document, main_file)
    if embedded:
        result.setdefault("definitions", {}).update(embedded)
    return result
