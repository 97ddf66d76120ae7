"""Keeping the process's heap small on glibc: fewer malloc arenas, freed pages handed back.

The source parses pages in up to `max_in_flight` request threads; glibc gives each thread its own
malloc arena, and pages freed by the consumer stay fragmented in them. On a long backfill that
doubled the resident memory without a single live object more. Two arenas and a trim between
dlt's steps keep it flat. Elsewhere (macOS, musl) these calls are skipped.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os

logger = logging.getLogger(__name__)

M_ARENA_MAX = -8
"""glibc's `mallopt` parameter for the most arenas (malloc.h)."""
ARENAS = 2


def _libc() -> ctypes.CDLL | None:
    """glibc, or None where it is not the C library."""
    name = ctypes.util.find_library("c")
    if not name or not name.startswith("libc.so"):
        return None
    try:
        libc = ctypes.CDLL(name)
    except OSError:
        return None
    return libc if hasattr(libc, "mallopt") and hasattr(libc, "malloc_trim") else None


def limit_arenas() -> None:
    """Cap glibc's malloc arenas (threads started later share them); `MALLOC_ARENA_MAX` wins."""
    if os.environ.get("MALLOC_ARENA_MAX"):
        return
    libc = _libc()
    if libc is not None and not libc.mallopt(M_ARENA_MAX, ARENAS):
        logger.debug("mallopt(M_ARENA_MAX) refused")


def release_free_memory() -> None:
    """Hand freed heap pages back to the system (`malloc_trim`), e.g. after dlt's extract."""
    libc = _libc()
    if libc is not None:
        libc.malloc_trim(0)
