"""Vendors the Kubernetes schemas the deployment tests need, from a folder of kubernetes-validate's
`kubernetes-json-schema/vX.Y.Z-local-strict` (README.md says where it comes from):

    python tests/deploy/schemas/trim_kubernetes.py SOURCE_DIR tests/deploy/schemas/kubernetes-v1.33.0

Each kind's file is copied as it is; `_definitions.json` (1.4 MB) is cut to the definitions those kinds
reach, without their descriptions, which no validation reads.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path
from typing import Any

KINDS = (
    "deployment-apps-v1",
    "statefulset-apps-v1",
    "service-v1",
    "secret-v1",
    "persistentvolumeclaim-v1",
    "networkpolicy-networking-v1",
)
POINTER = "#/$defs/"
"""How a kind's file (after /api/_definitions.json) and the definitions themselves name a definition."""


def references(node: Any) -> set[str]:
    """The definitions `node` names directly."""
    if isinstance(node, dict):
        ref = str(node.get("$ref", ""))
        found = {ref.partition(POINTER)[2]} if POINTER in ref else set()
        return found.union(*(references(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(references(value) for value in node))
    return set()


def without_descriptions(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: without_descriptions(value)
            for key, value in node.items()
            if not (key == "description" and isinstance(value, str))
        }
    if isinstance(node, list):
        return [without_descriptions(value) for value in node]
    return node


def reachable(definitions: dict[str, Any], roots: set[str]) -> set[str]:
    seen: set[str] = set()
    pending = set(roots)
    while pending:
        name = pending.pop()
        seen.add(name)
        pending |= references(definitions[name]) - seen
    return seen


def main(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    roots: set[str] = set()
    for kind in KINDS:
        shutil.copyfile(source / f"{kind}.json", target / f"{kind}.json")
        roots |= references(json.loads((source / f"{kind}.json").read_text()))
    full = json.loads((source / "_definitions.json").read_text())
    kept = sorted(reachable(full["$defs"], roots))
    trimmed = {**full, "$defs": {name: without_descriptions(full["$defs"][name]) for name in kept}}
    (target / "_definitions.json").write_text(json.dumps(trimmed, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
