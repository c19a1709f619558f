"""Where the released editor's conformance vectors live, and the marks that skip a test without them."""

from __future__ import annotations

import json

import pytest
from conftest import SHARED

CONF = SHARED / "conformance"


def marks(name: str) -> list:
    return [pytest.mark.conformance,
            pytest.mark.skipif(not (CONF / name).is_file(),
                               reason=f"conformance vectors not found at {CONF} (beside the checkout only)")]


def spec_fixture(name: str):
    @pytest.fixture(scope="module")
    def spec() -> dict:
        return json.loads((CONF / name).read_text())

    return spec
