"""The sync client is generic: every async endpoint appears on it with the same name, signature and
docstring, as a plain function, and list endpoints come back as sync PaginatedResponse objects."""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from typing import Any

from pyjexactyl import AsyncJexactyl, Jexactyl, PaginatedResponse
from pyjexactyl._endpoints.base import Namespace
from pyjexactyl._gen_sync_types import ROOTS
from pyjexactyl.testing import FakePanel


def walk(namespace: Namespace, path: str) -> Iterator[tuple[str, Any]]:
    for name in dir(namespace):
        if name.startswith("_"):
            continue
        value = getattr(namespace, name)
        if isinstance(value, Namespace):
            yield from walk(value, f"{path}.{name}")
        elif inspect.ismethod(value):  # endpoints, and console() which hands back an async object
            yield f"{path}.{name}", value


def endpoints() -> list[tuple[str, Any]]:
    api = AsyncJexactyl("https://panel.example.com", "ptlc_" + "k" * 43)
    return [item for root in ROOTS for item in walk(getattr(api, root), root)]


def resolve(obj: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        obj = getattr(obj, part)
    return obj


def test_every_endpoint_has_a_documented_sync_twin() -> None:
    found = endpoints()
    # 109 methods serve the 111 routes: delete_server(force=) and the external_id lookups cover two routes
    # each, and get_node_info is an alias of get_node_details.
    assert len({name for name, _ in found if not name.startswith("users.")}) >= 109
    sync = Jexactyl("https://panel.example.com", "ptlc_" + "k" * 43)
    try:
        for dotted, method in found:
            twin = resolve(sync, dotted)
            assert callable(twin) and not inspect.iscoroutinefunction(twin), dotted
            assert inspect.signature(twin) == inspect.signature(method), dotted
            assert twin.__doc__ == method.__doc__, dotted
            assert "Args:" in (method.__doc__ or "") or not inspect.signature(method).parameters, dotted
            assert "Example:" in (method.__doc__ or ""), f"{dotted} has no example"
    finally:
        sync.close()


def test_sync_list_endpoints_return_sync_pages(fake_panel_sync: FakePanel) -> None:
    with Jexactyl(fake_panel_sync.url, fake_panel_sync.application_key) as api:
        for response in (api.servers.list_servers(), api.user.list_users(), api.nests.list_nests()):
            assert isinstance(response, PaginatedResponse)
            assert len(response.collect()) == len(response)


def test_the_constructors_keyword_lists_are_in_step() -> None:
    """``AsyncJexactyl.__init__``, ``Jexactyl.__init__`` and ``ClientConfig.build`` spell out the same
    options with the same defaults (only the async client takes a ``session``, only the builder a
    ``user_agent``)."""
    from pyjexactyl import ClientConfig

    def options(function: Any, *leave_out: str) -> dict[str, object]:
        parameters = inspect.signature(function).parameters.values()
        return {p.name: p.default for p in parameters if p.kind is p.KEYWORD_ONLY and p.name not in leave_out}

    sync = options(Jexactyl.__init__)
    assert "max_response_bytes" in sync
    assert options(AsyncJexactyl.__init__, "session") == sync
    assert options(ClientConfig.build, "user_agent") == sync
