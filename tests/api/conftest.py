"""Fixtures for the library tests: the HTTP session every client under test uses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """One aiohttp session per test, closed after it."""
    async with aiohttp.ClientSession() as session:
        yield session
