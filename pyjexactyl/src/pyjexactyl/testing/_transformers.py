"""Turn records into the panel's ``attributes`` (client and application transformers).

The route modules use them as ``t.<name>``: the client ones live in ``_client_transformers``, the application
ones (with ``include`` relationships) in ``_application_transformers``, the timestamp formats in ``_timestamps``.
"""

from __future__ import annotations

from ._application_transformers import (
    app_allocation,
    app_database,
    app_database_host,
    app_egg,
    app_egg_variable,
    app_location,
    app_nest,
    app_node,
    app_server,
    app_subuser,
    app_user,
    node_usage,
    with_relationships,
)
from ._client_transformers import (
    activity,
    activity_id,
    api_key,
    backup,
    client_account,
    client_allocation,
    client_database,
    client_nested_user,
    client_server,
    client_subuser,
    client_variable,
    feature_limits,
    file_object,
    render_startup,
    resource_usage,
    schedule,
    server_limits,
    ssh_key,
    stats,
    task,
)
from ._timestamps import (
    iso,
    raw_ts,
)

__all__ = [
    "activity",
    "activity_id",
    "api_key",
    "app_allocation",
    "app_database",
    "app_database_host",
    "app_egg",
    "app_egg_variable",
    "app_location",
    "app_nest",
    "app_node",
    "app_server",
    "app_subuser",
    "app_user",
    "backup",
    "client_account",
    "client_allocation",
    "client_database",
    "client_nested_user",
    "client_server",
    "client_subuser",
    "client_variable",
    "feature_limits",
    "file_object",
    "iso",
    "node_usage",
    "raw_ts",
    "render_startup",
    "resource_usage",
    "schedule",
    "server_limits",
    "ssh_key",
    "stats",
    "task",
    "with_relationships",
]
