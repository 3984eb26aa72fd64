"""Fixtures of the authorization tests: the world of principals and object variants."""

import pytest

from tests.authz.world import World, build_world


@pytest.fixture
def my_number_text() -> dict[str, str]:
    """What A's My Number case says (tests/authz/test_canary.py plants canaries here)."""
    return {"my_number_summary": "マイナンバーの提出について", "my_number_description": "提出方法を教えてください。"}


@pytest.fixture
def world(db, my_number_text) -> World:
    return build_world(**my_number_text)
