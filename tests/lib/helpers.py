"""Helpers shared by the library test modules (``from tests.lib.helpers import only_request``)."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from pyjexactyl.testing import FakePanel, FakeUser, RecordedRequest


def since(panel: FakePanel, mark: int) -> list[RecordedRequest]:
    """The requests the fake received after the first ``mark`` (``mark = len(panel.requests)`` before)."""
    return list(panel.requests[mark:])


def only_request(panel: FakePanel, before: int) -> RecordedRequest:
    """The one request the fake received after the first ``before``; fails if there were more or none."""
    new = since(panel, before)
    assert len(new) == 1, new
    return new[0]


async def call(
    panel: FakePanel, method: str, path: str, *, key: FakeUser | str | None = None, **kwargs: Any
) -> tuple[int, Any, Any]:
    """One raw HTTP request to ``panel`` (``key``: a user or bearer token, the seeded user by default).

    Returns ``(status, body, headers)`` with a JSON body decoded and any other body (or a JSON-typed body
    that is not JSON) as text.
    """
    headers = {**panel.auth_headers(key), **kwargs.pop("headers", {})}
    async with aiohttp.ClientSession() as http:
        async with http.request(method, panel.url + path, headers=headers, **kwargs) as resp:
            raw = await resp.read()
            body: Any = None
            if raw:
                try:
                    body = json.loads(raw) if resp.content_type == "application/json" else raw.decode()
                except ValueError:  # e.g. Jexactyl's checkout URL: sent as application/json, not JSON
                    body = raw.decode()
            return resp.status, body, resp.headers
