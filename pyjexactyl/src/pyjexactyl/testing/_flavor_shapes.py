"""How Jexactyl v4 and Pelican reshape Pterodactyl's objects (§10, §12 of the contract and the panels'
transformers). The transformers build the Pterodactyl shape and hand it here; the default flavor and Jexactyl
v3 are left as they are."""

from __future__ import annotations

from typing import Any

from ._state import FakeEgg, FakeServer, FakeUser

__all__ = ["app_egg", "app_server", "app_user", "client_account", "client_server"]

JsonDict = dict[str, Any]


def _iso(value: Any) -> Any:
    from ._transformers import iso

    return iso(value)


def client_account(flavor: str, user: FakeUser, attributes: JsonDict) -> JsonDict:
    """``GET /account``: v4 drops the names; Pelican sends its own user object (no ``id``)."""
    if flavor == "jexactyl4":
        return {k: attributes[k] for k in ("id", "admin", "username", "email", "language")}
    if flavor == "pelican":
        return {
            "uuid": user.uuid,
            "username": user.username,
            "email": user.email,
            "language": user.language,
            "image": user.image,
            "admin": user.root_admin,
            "root_admin": user.root_admin,
            "2fa_enabled": user.totp_enabled,
            "created_at": _iso(user.created_at),
            "updated_at": _iso(user.updated_at),
        }
    return attributes


def client_server(flavor: str, server: FakeServer, egg: FakeEgg | None, attributes: JsonDict) -> JsonDict:
    """Client ``server``: v4 has ``oom_killer``, the raw egg startup, a subuser limit and ``status`` only;
    Pelican adds the SFTP alias and ``oom_killer`` beside the deprecated ``oom_disabled``."""
    if flavor == "jexactyl4":
        limits = dict(attributes["limits"])
        limits["oom_killer"] = not limits.pop("oom_disabled")
        attributes["limits"] = limits
        attributes["invocation"] = egg.startup if egg is not None else ""
        attributes["feature_limits"] = {**attributes["feature_limits"], "subusers": server.subuser_limit}
        attributes.pop("is_suspended", None)
        attributes.pop("is_installing", None)
    elif flavor == "pelican":
        attributes["sftp_details"] = {
            "ip": attributes["sftp_details"]["ip"],
            "alias": None,
            "port": attributes["sftp_details"]["port"],
        }
        attributes["limits"] = {**attributes["limits"], "oom_killer": not server.oom_disabled}
    return attributes


def app_user(flavor: str, user: FakeUser, attributes: JsonDict, role_id: int | None, role: str | None) -> JsonDict:
    """Application ``user``: v4 drops the names and adds avatar, admin role and state; Pelican drops the names
    and adds ``is_managed_externally`` and ``2fa_enabled``."""
    if flavor == "jexactyl4":
        return {
            "id": user.id,
            "external_id": user.external_id,
            "uuid": user.uuid,
            "username": user.username,
            "email": user.email,
            "language": user.language,
            "root_admin": user.root_admin,
            "2fa": user.totp_enabled,
            "avatar_url": user.image,
            "admin_role_id": role_id,
            "role_name": role,
            "state": user.state,
            "created_at": attributes["created_at"],
            "updated_at": attributes["updated_at"],
            **({"relationships": attributes["relationships"]} if "relationships" in attributes else {}),
        }
    if flavor == "pelican":
        out = {
            "id": user.id,
            "external_id": user.external_id,
            "is_managed_externally": False,
            "uuid": user.uuid,
            "username": user.username,
            "email": user.email,
            "language": user.language,
            "root_admin": user.root_admin,
            "2fa_enabled": user.totp_enabled,
            "2fa": user.totp_enabled,
            "created_at": attributes["created_at"],
            "updated_at": attributes["updated_at"],
        }
        if "relationships" in attributes:
            out["relationships"] = attributes["relationships"]
        return out
    return attributes


def app_server(flavor: str, server: FakeServer, attributes: JsonDict) -> JsonDict:
    """Application ``server``: v4 renames the foreign keys, has ``oom_killer`` and a subuser limit and drops
    the deprecated fields; Pelican has no nests and adds ``oom_killer``."""
    if flavor == "jexactyl4":
        limits = dict(attributes["limits"])
        limits["oom_killer"] = not limits.pop("oom_disabled")
        container = attributes["container"]
        out = {
            "id": attributes["id"],
            "external_id": attributes["external_id"],
            "uuid": attributes["uuid"],
            "identifier": attributes["identifier"],
            "name": attributes["name"],
            "description": attributes["description"],
            "status": attributes["status"],
            "limits": limits,
            "feature_limits": {**attributes["feature_limits"], "subusers": server.subuser_limit},
            "owner_id": server.owner_id,
            "node_id": server.node_id,
            "allocation_id": server.allocation_id,
            "nest_id": server.nest_id,
            "egg_id": server.egg_id,
            "container": {
                "startup": container["startup_command"],
                "image": container["image"],
                "environment": container["environment"],
            },
            "created_at": attributes["created_at"],
            "updated_at": attributes["updated_at"],
        }
        if "relationships" in attributes:
            out["relationships"] = attributes["relationships"]
        return out
    if flavor == "pelican":
        attributes.pop("nest", None)
        attributes["limits"] = {**attributes["limits"], "oom_killer": not server.oom_disabled}
    return attributes


def app_egg(flavor: str, egg: FakeEgg, attributes: JsonDict) -> JsonDict:
    """Application ``egg``: v4 names the nest ``nest_id`` and drops ``docker_image``; Pelican has no nests and
    adds ``features``, ``tags`` and ``startup_commands``."""
    if flavor == "jexactyl4":
        attributes["nest_id"] = attributes.pop("nest")
        attributes.pop("docker_image", None)
    elif flavor == "pelican":
        attributes.pop("nest", None)
        attributes["icon"] = None
        attributes["features"] = list(egg.features or [])
        attributes["tags"] = []
        attributes["startup_commands"] = {"Default": egg.startup}
    return attributes
