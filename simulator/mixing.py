"""Deterministic integer hashing shared by the scalar and the vectorised (numpy) code paths."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MASK64 = 0xFFFFFFFFFFFFFFFF
_GOLDEN = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB


def mix64(value: int) -> int:
    """The splitmix64 finaliser of an integer (a well-spread 64-bit hash)."""
    z = (value + _GOLDEN) & MASK64
    z = ((z ^ (z >> 30)) * _M1) & MASK64
    z = ((z ^ (z >> 27)) * _M2) & MASK64
    return z ^ (z >> 31)


def mix64_array(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """`mix64` of every element of a uint64 array (wrapping arithmetic, same results)."""
    with np.errstate(over="ignore"):
        z = values + np.uint64(_GOLDEN)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(_M1)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(_M2)
        return z ^ (z >> np.uint64(31))


def object_id(seed: int, kind: str, number: int) -> str:
    """A 24-hex object id, stable for (seed, kind, number)."""
    salt = sum(ord(ch) * 131**i for i, ch in enumerate(kind)) & MASK64
    high = mix64(seed * 1_000_003 + salt)
    low = mix64(high ^ number)
    return f"{(high >> 16) & 0xFFFFFFFF:08x}{low & 0xFFFFFFFFFFFFFFFF:016x}"
