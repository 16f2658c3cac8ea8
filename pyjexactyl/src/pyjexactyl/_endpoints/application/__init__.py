"""Application (admin) API endpoints: ``api.locations``, ``api.nests``, ``api.nodes``, ``api.servers``,
``api.user``."""

from .locations import Locations
from .nests import Nests
from .nodes import Nodes
from .servers import Servers
from .users import Users

__all__ = ["Locations", "Nests", "Nodes", "Servers", "Users"]
