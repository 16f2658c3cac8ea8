"""Application API: a server's databases (``api.servers`` database methods) against the fake panel over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import (
    NotFoundError,
    ValidationError,
)
from tests.lib.helpers import since

API_KIND = "application"


# ---------------------------------------------------------------------------------- databases
async def test_server_databases(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    created = await api.servers.create_server_database(1, "main", "%", 1)
    [post] = since(fake_panel, mark)
    assert (post.method, post.path, post.status) == ("POST", "/api/application/servers/1/databases", 201)
    assert post.json == {"database": "main", "remote": "%", "host": 1}
    attributes = created["attributes"]
    assert created["object"] == "server_database"
    assert attributes["database"] == "s1_main" and attributes["remote"] == "%" and attributes["host"] == 1
    database_id = attributes["id"]
    assert created["meta"]["resource"].endswith(f"/api/application/servers/1/databases/{database_id}")
    await api.servers.create_server_database(1, "logs", "10.0.0.%", 1)

    listing = await api.servers.list_server_databases(1, includes=["host"])
    items = await listing.collect()
    assert [d["attributes"]["database"] for d in items] == ["s1_main", "s1_logs"]
    assert items[0]["attributes"]["relationships"]["host"]["attributes"]["name"] == "MySQL 01"
    assert fake_panel.requests[-1].query == {"include": ["host"]}
    assert fake_panel.requests[-1].path == "/api/application/servers/1/databases"

    info = await api.servers.get_server_database_info(1, database_id, includes=["password"])
    old_password = info["attributes"]["relationships"]["password"]["attributes"]["password"]
    assert fake_panel.requests[-1].path == f"/api/application/servers/1/databases/{database_id}"

    assert await api.servers.reset_server_database_password(1, database_id) is None
    reset = fake_panel.requests[-1]
    assert (reset.method, reset.path, reset.status) == (
        "POST",
        f"/api/application/servers/1/databases/{database_id}/reset-password",
        204,
    )
    info = await api.servers.get_server_database_info(1, database_id, includes=["password"])
    assert info["attributes"]["relationships"]["password"]["attributes"]["password"] != old_password

    assert await api.servers.delete_server_database(1, database_id) is None
    delete = fake_panel.requests[-1]
    assert (delete.method, delete.path, delete.status) == (
        "DELETE",
        f"/api/application/servers/1/databases/{database_id}",
        204,
    )
    with pytest.raises(NotFoundError):
        await api.servers.get_server_database_info(1, database_id)
    with pytest.raises(ValidationError) as err:
        await api.servers.create_server_database(1, "main", "anywhere", 1)
    assert err.value.errors[0].source_field == "remote"


async def test_create_server_database_requires_all_three(api: AsyncJexactyl) -> None:
    with pytest.raises(TypeError):
        await api.servers.create_server_database(1, "main")  # type: ignore[call-arg]
