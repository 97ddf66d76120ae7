"""The content hash a pipeline stores per response, shared with the ground truth."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def content_hash(answer: dict[str, Any]) -> str:
    """sha256 hex of the Answer as canonical JSON (sorted keys, compact, UTF-8 kept)."""
    text = json.dumps(answer, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
