"""Application API ``api.user`` / ``api.users`` against the fake panel over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from pyjexactyl import AsyncJexactyl
from pyjexactyl.exceptions import BadRequestError, InvalidArgumentError, NotFoundError, ValidationError
from tests.lib.helpers import since

API_KIND = "application"


async def test_user_and_users_are_one_namespace(api: AsyncJexactyl) -> None:
    assert api.user is api.users


async def test_list_users_with_filters(api: AsyncJexactyl, fake_panel: Any) -> None:
    for n in range(3):
        await api.user.create_user(f"bob{n}", f"bob{n}@corp.example", "Bob", str(n))
    params = {"per_page": 2}
    mark = len(fake_panel.requests)
    users = await api.users.list_users(email="@corp.example", includes=["servers"], params=params)
    items = await users.collect()
    assert [u["attributes"]["username"] for u in items] == ["bob0", "bob1", "bob2"]
    assert items[0]["attributes"]["relationships"]["servers"]["object"] == "list"
    assert params == {"per_page": 2}
    requests = since(fake_panel, mark)
    assert len(requests) == 2
    for request in requests:
        assert request.path == "/api/application/users"
        assert request.query["filter[email]"] == ["@corp.example"]
        assert request.query["include"] == ["servers"] and request.query["per_page"] == ["2"]
    assert "filter[username]" not in requests[0].query

    alice = (await (await api.users.list_users(username="alic")).collect())[0]["attributes"]
    assert alice["email"] == "alice@example.com"
    by_uuid = await (await api.users.list_users(uuid=alice["uuid"])).collect()
    assert [u["attributes"]["id"] for u in by_uuid] == [alice["id"]]
    await api.user.edit_user(alice["id"], external_id="crm-9")
    by_external = await (await api.users.list_users(external_id="crm-9")).collect()
    assert [u["attributes"]["id"] for u in by_external] == [alice["id"]]
    assert fake_panel.requests[-1].query == {"filter[external_id]": ["crm-9"]}
    everyone = await api.users.list_users(params={"per_page": 9001})
    assert len(await everyone.collect()) == 5


async def test_get_user_info(api: AsyncJexactyl, fake_panel: Any) -> None:
    envelope = await api.user.get_user_info(2)
    assert envelope["object"] == "user"
    assert envelope["attributes"]["id"] == 2 and envelope["attributes"]["username"] == "alice"
    assert fake_panel.requests[-1].path == "/api/application/users/2"
    attributes = await api.user.get_user_info(user_id=2, detail=False, includes=["servers"])
    assert attributes["email"] == "alice@example.com"
    assert len(attributes["relationships"]["servers"]["data"]) == 4
    assert fake_panel.requests[-1].query == {"include": ["servers"]}

    await api.user.edit_user(2, external_id="crm-2")
    by_external = await api.user.get_user_info(external_id="crm-2")
    assert by_external["attributes"]["id"] == 2
    assert fake_panel.requests[-1].path == "/api/application/users/external/crm-2"
    with pytest.raises(NotFoundError):
        await api.user.get_user_info(999)

    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.user.get_user_info()
    with pytest.raises(InvalidArgumentError):
        await api.user.get_user_info(2, "crm-2")
    assert since(fake_panel, mark) == []


async def test_create_user(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    result = await api.user.create_user("test_user", "test@gmail.com", "Test", "Name")
    [post] = since(fake_panel, mark)
    assert (post.method, post.path, post.status) == ("POST", "/api/application/users", 201)
    assert post.json == {
        "email": "test@gmail.com",
        "username": "test_user",
        "first_name": "Test",
        "last_name": "Name",
        "language": "en",
        "root_admin": False,
    }
    assert result["object"] == "user"
    user_id = result["attributes"]["id"]
    assert result["meta"]["resource"].endswith(f"/api/application/users/{user_id}")
    assert result["attributes"]["username"] == "test_user" and result["attributes"]["root_admin"] is False

    full = await api.user.create_user(
        "boss",
        "boss@example.com",
        "Big",
        "Boss",
        external_id="crm-1",
        password="hunter22",
        root_admin=True,
        language="de",
    )
    assert fake_panel.requests[-1].json == {
        "email": "boss@example.com",
        "username": "boss",
        "first_name": "Big",
        "last_name": "Boss",
        "language": "de",
        "root_admin": True,
        "external_id": "crm-1",
        "password": "hunter22",
    }
    attributes = full["attributes"]
    assert (attributes["external_id"], attributes["root_admin"], attributes["language"]) == ("crm-1", True, "de")

    with pytest.raises(ValidationError) as err:
        await api.user.create_user("test_user", "other@gmail.com", "Test", "Name")
    assert [(e.source_field, e.rule) for e in err.value.errors] == [("username", "unique")]


async def test_edit_user_sends_full_object(api: AsyncJexactyl, fake_panel: Any) -> None:
    before = (await api.user.get_user_info(2))["attributes"]
    mark = len(fake_panel.requests)
    edited = await api.user.edit_user(2, email="alice@wonderland.example")
    get, patch = since(fake_panel, mark)
    assert (get.method, get.path) == ("GET", "/api/application/users/2")
    assert (patch.method, patch.path, patch.status) == ("PATCH", "/api/application/users/2", 200)
    assert patch.json == {
        "external_id": before["external_id"],
        "email": "alice@wonderland.example",
        "username": before["username"],
        "first_name": before["first_name"],
        "last_name": before["last_name"],
        "language": before["language"],
        "root_admin": before["root_admin"],
    }
    after = edited["attributes"]
    assert after["email"] == "alice@wonderland.example"
    for key in ("username", "first_name", "last_name", "language", "root_admin", "external_id"):
        assert after[key] == before[key], key

    await api.user.edit_user(2, password="n3w-passw0rd", root_admin=True)
    body = fake_panel.requests[-1].json
    assert body["password"] == "n3w-passw0rd" and body["root_admin"] is True
    assert body["email"] == "alice@wonderland.example"
    assert fake_panel.store.users[2].password == "n3w-passw0rd"

    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError, match="nickname"):
        await api.user.edit_user(2, nickname="al")
    with pytest.raises(InvalidArgumentError):
        await api.user.edit_user(2)
    assert since(fake_panel, mark) == []


async def test_delete_user(api: AsyncJexactyl, fake_panel: Any) -> None:
    user_id = (await api.user.create_user("gone", "gone@example.com", "Gone", "Soon"))["attributes"]["id"]
    mark = len(fake_panel.requests)
    assert await api.user.delete_user(user_id=user_id) is None
    [delete] = since(fake_panel, mark)
    assert (delete.method, delete.path, delete.status) == ("DELETE", f"/api/application/users/{user_id}", 204)
    with pytest.raises(NotFoundError):
        await api.user.get_user_info(user_id)

    other = (await api.user.create_user("ext", "ext@example.com", "Ex", "Ternal", external_id="crm-5"))["attributes"]
    mark = len(fake_panel.requests)
    assert await api.user.delete_user(external_id="crm-5") is None
    lookup, delete = since(fake_panel, mark)
    assert (lookup.method, lookup.path) == ("GET", "/api/application/users/external/crm-5")
    assert (delete.method, delete.path) == ("DELETE", f"/api/application/users/{other['id']}")

    with pytest.raises(BadRequestError):
        await api.user.delete_user(2)  # alice owns servers
    mark = len(fake_panel.requests)
    with pytest.raises(InvalidArgumentError):
        await api.user.delete_user()
    with pytest.raises(InvalidArgumentError):
        await api.user.delete_user(1, "crm-1")
    assert since(fake_panel, mark) == []


async def test_user_path_injection_refused(api: AsyncJexactyl, fake_panel: Any) -> None:
    mark = len(fake_panel.requests)
    for call in (
        lambda: api.user.get_user_info("../../client"),
        lambda: api.user.get_user_info(external_id="../1"),
        lambda: api.user.edit_user("2/../1", email="x@example.com"),
        lambda: api.user.delete_user(".."),
        lambda: api.user.delete_user(external_id="a/b"),
    ):
        with pytest.raises(InvalidArgumentError):
            await call()
    assert since(fake_panel, mark) == []
