"""Reading the pipeline's dlt state: where the responses cursor stands."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

RESPONSES_RESOURCE = "responses"


def find_cursor(state: Mapping[str, Any]) -> str | None:
    """Find the responses cursor in a dlt pipeline state.

    Args:
        state: the pipeline state (`pipeline.state`).

    Returns:
        the cursor as text, or None when no sync has stored one.
    """
    source_state = state.get("sources", {}).get("wxm", {})
    resource_state = source_state.get("resources", {}).get(RESPONSES_RESOURCE, {})
    for candidate in (resource_state, source_state):
        found = _find_key(candidate, ("cursor", "last_value"))
        if found is not None:
            return str(found)
    return None


def _find_key(node: Any, keys: tuple[str, ...]) -> Any:
    """Depth-first search of nested dicts for the first non-empty value under one of `keys`."""
    if isinstance(node, Mapping):
        for key in keys:
            if node.get(key) not in (None, ""):
                return node[key]
        for value in node.values():
            found = _find_key(value, keys)
            if found is not None:
                return found
    return None
