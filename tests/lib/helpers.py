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


def error(status: int, code: str, detail: str) -> dict[str, Any]:
    """The panel's error envelope with one error, as a test expects it."""
    return {"errors": [{"code": code, "status": str(status), "detail": detail}]}


async def call(
    panel: FakePanel,
    method: str,
    path: str,
    *,
    key: FakeUser | str | None = None,
    auth: bool = True,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> tuple[int, Any, Any]:
    """One raw HTTP request to ``panel``, redirects not followed (a test sees what the panel answered).

    Args:
        key: A user or bearer token (default: the seeded user).
        auth: ``False`` sends none of ``panel.auth_headers`` (no token, no ``Accept``), only ``headers``.
        headers: Headers added to (or, with ``auth=False``, instead of) the authentication headers.

    Returns ``(status, body, headers)`` with a JSON body decoded and any other body (or a JSON-typed body
    that is not JSON) as text.
    """
    sent = {**(panel.auth_headers(key) if auth else {}), **(headers or {})}
    kwargs.setdefault("allow_redirects", False)
    async with aiohttp.ClientSession() as http:
        async with http.request(method, panel.url + path, headers=sent, **kwargs) as resp:
            raw = await resp.read()
            body: Any = None
            if raw:
                try:
                    body = json.loads(raw) if resp.content_type == "application/json" else raw.decode()
                except ValueError:  # e.g. Jexactyl's checkout URL: sent as application/json, not JSON
                    body = raw.decode()
            return resp.status, body, resp.headers
