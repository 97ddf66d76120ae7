"""Fixtures of the transforms tests: a hand-made catalog and a shaper."""

from __future__ import annotations

import pytest
from transforms_fixtures import QUESTIONS, SETTINGS

from transforms.shape import Catalog, PiiPolicy, Shaper


@pytest.fixture
def catalog() -> Catalog:
    """The hand-made catalog."""
    return Catalog.from_api(QUESTIONS, SETTINGS)


@pytest.fixture
def shaper(catalog: Catalog) -> Shaper:
    """A shaper with the default (hash) policy."""
    return Shaper(catalog, PiiPolicy("hash", "pepper"))
