"""Application (admin) API endpoints: ``api.locations``, ``api.nests``, ``api.nodes``, ``api.servers``,
``api.user``, ``api.approvals`` (Jexactyl v3), ``api.eggs``, ``api.database_hosts``, ``api.mounts``,
``api.roles``, ``api.plugins`` (Pelican)."""

from .approvals import Approvals
from .database_hosts import DatabaseHosts
from .eggs import Eggs
from .locations import Locations
from .mounts import Mounts
from .nests import Nests
from .nodes import Nodes
from .plugins import Plugins
from .roles import Roles
from .servers import Servers
from .users import Users

__all__ = [
    "Approvals",
    "DatabaseHosts",
    "Eggs",
    "Locations",
    "Mounts",
    "Nests",
    "Nodes",
    "Plugins",
    "Roles",
    "Servers",
    "Users",
]
