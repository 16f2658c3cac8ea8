"""Application (admin) API endpoints: ``api.locations``, ``api.nests``, ``api.nodes``, ``api.servers``,
``api.user``, ``api.approvals`` (Jexactyl v3)."""

from .approvals import Approvals
from .locations import Locations
from .nests import Nests
from .nodes import Nodes
from .servers import Servers
from .users import Users

__all__ = ["Approvals", "Locations", "Nests", "Nodes", "Servers", "Users"]
