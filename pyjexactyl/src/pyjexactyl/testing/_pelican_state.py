"""Records only a Pelican panel keeps: roles (and who holds them), mounts and plugins. They live in
:attr:`PanelStore.pelican <pyjexactyl.testing._store.PanelStore.pelican>`; only ``FakePanel(flavor="pelican")``
serves routes that use them."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

from ._state import utcnow

__all__ = ["FakeMount", "FakePlugin", "FakeRole", "PelicanData"]

ROOT_ADMIN_ROLE = "Root Admin"


@dataclass
class FakeRole:
    """A role (Pelican's root admin is the role named ``Root Admin``)."""

    id: int
    name: str
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakeMount:
    """A mount and the eggs, nodes and servers it is attached to (by id)."""

    id: int
    uuid: str
    name: str
    source: str
    target: str
    description: str | None = None
    read_only: bool = False
    user_mountable: bool = False
    eggs: list[int] = field(default_factory=list)
    nodes: list[int] = field(default_factory=list)
    servers: list[int] = field(default_factory=list)
    created_at: _dt.datetime = field(default_factory=utcnow)
    updated_at: _dt.datetime = field(default_factory=utcnow)


@dataclass
class FakePlugin:
    """A panel plugin (``status``: ``not_installed``, ``disabled``, ``enabled``...)."""

    id: str
    name: str
    author: str = "Pelican"
    version: str = "1.0.0"
    description: str = ""
    category: str = "plugin"
    status: str = "not_installed"
    update_available: bool = False


@dataclass
class PelicanData:
    """Everything Pelican keeps beyond Pterodactyl's tables."""

    roles: dict[int, FakeRole] = field(default_factory=dict)
    user_roles: dict[int, list[int]] = field(default_factory=dict)
    mounts: dict[int, FakeMount] = field(default_factory=dict)
    plugins: dict[str, FakePlugin] = field(default_factory=dict)
    #: server id -> the node it is being transferred to
    transfers: dict[int, int] = field(default_factory=dict)
    #: whether server descriptions are editable (``panel.editable_server_descriptions``)
    editable_descriptions: bool = True
