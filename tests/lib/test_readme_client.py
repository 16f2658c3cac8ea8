"""The classic pyjexactyl README's client-side examples, run as written (URL and key swapped)."""

from __future__ import annotations

import inspect
import logging

import pytest

import pyjexactyl
from pyjexactyl import Jexactyl
from pyjexactyl.testing import FakePanel


def test_exploring_the_api_touches_no_network() -> None:
    api = Jexactyl('debug', 'anything')
    names = [i for i in dir(api.client.servers) if not i.startswith('_')]
    for expected in ['backups', 'databases', 'files', 'get_server', 'get_server_utilization', 'list_permissions',
                     'list_servers', 'network', 'schedules', 'send_console_command', 'send_power_action',
                     'settings', 'startup', 'users']:
        assert expected in names
    assert [i for i in dir(api.client.servers.settings) if not i.startswith('_')] == [
        'reinstall_server', 'rename_server', 'update_docker_image']
    doc = api.client.servers.settings.rename_server.__doc__
    # As the README prints it (indented, on every Python: 3.13 strips docstring indentation when compiling).
    assert inspect.cleandoc(doc).startswith(inspect.cleandoc(
        "Renames the server.\n        Args:\n            server_id(str): Server identifier "
        "(abbreviated UUID)\n            name(str): New name for the server"))
    for namespace in ('account', 'servers'):
        assert namespace in dir(api.client)
    for namespace in ('locations', 'nests', 'nodes', 'servers', 'user', 'users'):
        assert namespace in dir(api)
    api.close()


def test_client_examples(fake_panel_sync: FakePanel) -> None:
    api = Jexactyl(fake_panel_sync.url, fake_panel_sync.user.client_key)
    my_servers = api.client.servers.list_servers()
    srv_id = my_servers[0]['attributes']['identifier']
    srv_utilization = api.client.servers.get_server_utilization(srv_id)
    assert set(srv_utilization) >= {'current_state', 'resources'}
    api.client.servers.send_power_action(srv_id, 'start')
    assert fake_panel_sync.requests[-1].json == {'signal': 'start'}
    api.close()


def test_constructor_options_and_debug(fake_panel_sync: FakePanel, caplog: pytest.LogCaptureFixture) -> None:
    Jexactyl('panel', 'key', backoff_factor=2, retries=10).close()
    Jexactyl('foo', 'bar', extra_retry_codes=[502, 504]).close()
    caplog.set_level(logging.DEBUG, logger="pyjexactyl")
    app_api = Jexactyl(fake_panel_sync.url, fake_panel_sync.application_key, debug=True)
    app_api.servers.list_servers(includes=('egg', 'nest'))
    assert any("GET /api/application/servers?include=egg,nest 200" in r.getMessage() for r in caplog.records)
    app_api.nodes.list_nodes(params={'per_page': 9001})
    app_api.users.list_users(params={'per_page': 9001})
    assert fake_panel_sync.requests[-1].query['per_page'] == ['9001']
    app_api.close()


def test_exported_members() -> None:
    assert sorted(pyjexactyl.__all__) == sorted(set(pyjexactyl.__all__))
    for name in pyjexactyl.__all__:
        assert hasattr(pyjexactyl, name), name
    assert not [n for n in dir(pyjexactyl) if n.isidentifier() and not n.startswith('_') and n not in pyjexactyl.__all__
                and n not in {'events', 'exceptions', 'responses', 'testing', 'logging'}]
