"""FakePanel answers like the panel's own integration tests say (issue 11, "FakePanel answers like the panel's
own tests say"). Each test names the Pterodactyl test (tests/Integration/Api/...) it mirrors; expected values
come from those tests and the panel's factories, not from the fake's code."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_ssh_public_key,
)

from pyjexactyl.testing import FakePanel, FakeServer
from pyjexactyl.testing._validation import parse_rules, validate
from tests.lib.helpers import call

# database/Factories/UserSSHKeyFactory.php (Pterodactyl 1.11): OpenSSH keys and phpseclib's fingerprints of them.
ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOaXIq09NH4a93EVdrvHYiZ67Wj+GBEBQ9ou4W0qSYm2"
ED25519_FINGERPRINT = "T2b3VnvHWUmfhDOFLqzZg2VfLgqJhWxzrMUy8WZ+V8M"
RSA_4096 = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAACAQCo/YLm2SPSlOIG7AagBSmEe5c0b2PLPzUGFp3gARhD6n6ydBS40TlWzeg2qV95lh6fWBd8L"
    "sNgPOFmmuKuNZdBjAGeTY4gxKfHY1vK5/zOI4jPPqAMcCMNfd82aM97kx6dO8Hw1R79OyVpOZylpXLHayVPGHUK37Tpih4W7TeVSMrOqQF9F"
    "72lzhwgEtkdjm4gLBL6RpdNXrdnjIaNVnuade0Sb3w384vecZPe+S/997WirOMNy2JU4NdMHEnSjd1/i463RpN96AsXFAu1zl9nrXVhA7DVf"
    "SHoigXAqbs/xav8PRpLgAKjYpPohxQ9Nu6tP5jRUhfWdYwNFFp/aWloD/0JdP9LqcBBc9sO9TLkz3fBiUf11VM/QT1UhO84G+ahMxVn95jA4"
    "72VPUe8uKff69lzbvSavEE6qcQX2TzVKOSi1E26Fzc6IZ/tHEuGEbGFxTsiQ1GysVZ0wr1p6ftd1SVqH5F/oaEK7UO8+xn/syEqaPf6A0eJW"
    "RNc0+lHA1sIRjmo9MOBvbkKExkx5JLHgGG81DYDFdZUuHY1BgSxJJcmNWV5BKRm350EbgRngoYI5tB3tCiZVW1PI8qyff9mBae11LY5GPlUe"
    "DnPrMvSdCKMIWrg7nC8SbndBCO3Fx4z7G2dTQy4ZmY7Ae9jR4pyg7tTOI3qgl8Z462GZi/jzw=="
)
RSA_4096_FINGERPRINT = "vjccQdGfqAvuEK3Bki1Ji6aOo3rIuGU0BGJ0ml4CjLQ"
RSA_1024 = (
    "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC4VVsHFO5MxvCtAPyoKGANWyuwZ4fvllvFog5RJbfpDpw8etDFVGEXl+uRR8p79g9oV7Msc"
    "oFo6HiWrJc4/4vlP665msjosILdIcbnuzMhvXnKisaGh9zflkpyR3KhUxoHxqYp2q8XtffjKKAHz1a8o7OUG6fwaKIqu+d0PoICZQ=="
)
DSA = (
    "ssh-dss AAAAB3NzaC1kc3MAAACBAPfiWwEFvBOafdUmHDPjXsUttt+65FHSZSCVVeEFOTaL7Y3d0CJyrtck8KS1vmXHSb8QFBY2B1yVSb/re"
    "aQvNreWZN3KDYfLbF57/zimBn+IrHrJR+ZglhOxDRHoGPWK7q9jYIrOLwoOjkNKXxz1eOHKUgufFfSNtIRLycEXczLrAAAAFQC6LnBErezot"
    "G52jN4JostfC/TfEwAAAIACuTxRzYFDXHAxFICeqqY9w+y+v2yQfdeQ1BgCq2GMagUYfOdqnjizTO9M614r/nXZK1SV10TqhUcQtkJzDQIU"
    "tBqzBF5cIC/1cIFKzXi5rNHs8Y4bz/PBD+EbQJdiy+1so1oi790r710bqnkzTravAOJ5rGyfuQRLt+f+kuS9NAAAAIEA7tjGtJuXGUtPIXfn"
    "rMYS1iOWryO4irqnvaWfel002/DaGaNjRghNe/cUBYlAsjPhGJ1F7BQlLAY1koliTY6l0svs7ZPBM5QOumrr8OaNXGGVIq/RkkxuZHmRoUL2"
    "qH3DGYaktPUn4vFPliiAmGWOHAEu1K6B4g4vG/SKgMRpIvc="
)


def pkcs8(openssh_line: str) -> str:
    """The key as phpseclib's ``toString('PKCS8')`` writes it: PEM with CRLF line ends and no final newline."""
    pem = load_ssh_public_key(openssh_line.encode()).public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return "\r\n".join(pem.decode().strip().splitlines())


def base(server: FakeServer) -> str:
    return f"/api/client/servers/{server.identifier}"


# ------------------------------------------------------------------ 1. ApiKeyControllerTest
async def test_bad_allowed_ips_name_the_value(fake_panel: FakePanel) -> None:
    """testValidationErrorIsReturnedForBadRequests: one error per bad entry, quoting it."""
    status, body, _ = await call(
        fake_panel,
        "POST",
        "/api/client/account/api-keys",
        json={"description": "Foobar", "allowed_ips": ["hodor", "127.0.0.1", "hodor/24"]},
    )
    assert status == 422
    assert [(e["detail"], e["meta"]["source_field"]) for e in body["errors"]] == [
        ('"hodor" is not a valid IP address or CIDR range.', "allowed_ips.0"),
        ('"hodor/24" is not a valid IP address or CIDR range.', "allowed_ips.2"),
    ]


async def test_allowed_ips_the_panel_accepts(fake_panel: FakePanel) -> None:
    """validIPAddressDataProvider, plus the ranges and wildcards the panel's IP library parses."""
    for ips in (
        [],
        ["127.0.0.1", "::1"],
        ["::ffff:7f00:1"],
        ["127.0.0.1/32", "192.168.100.100/27", "::1", "::1/128"],
        ["192.168.1.*", "10.0.0.1-10.0.0.9"],
    ):
        status, body, _ = await call(
            fake_panel, "POST", "/api/client/account/api-keys", json={"description": "ok", "allowed_ips": ips}
        )
        assert status == 200, (ips, body)
        assert body["attributes"]["allowed_ips"] == ips


# ------------------------------------------------------------------ 2./3. SSHKeyControllerTest
async def test_pkcs8_public_key_is_accepted_with_a_bare_fingerprint(fake_panel: FakePanel) -> None:
    """testPublicKeyCanBeStored posts the factory key, which is PKCS#8 PEM, and gets it back unchanged; the
    factory's fingerprint is phpseclib's getFingerprint('sha256'): bare base64 without padding or prefix."""
    posted = pkcs8(ED25519)
    status, body, _ = await call(
        fake_panel, "POST", "/api/client/account/ssh-keys", json={"name": "Name", "public_key": posted}
    )
    assert status == 200, body
    assert body["object"] == "ssh_key"
    assert body["attributes"]["public_key"] == posted
    assert body["attributes"]["fingerprint"] == ED25519_FINGERPRINT


async def test_openssh_keys_are_stored_as_pkcs8_with_bare_fingerprints(fake_panel: FakePanel) -> None:
    for line, fingerprint in ((ED25519 + " me@host", ED25519_FINGERPRINT), (RSA_4096, RSA_4096_FINGERPRINT)):
        status, body, _ = await call(
            fake_panel, "POST", "/api/client/account/ssh-keys", json={"name": "k", "public_key": line}
        )
        assert status == 200, body
        assert body["attributes"]["fingerprint"] == fingerprint
        assert body["attributes"]["public_key"] == pkcs8(line)
    _, listing, _ = await call(fake_panel, "GET", "/api/client/account/ssh-keys")
    assert [k["attributes"]["fingerprint"] for k in listing["data"]] == [ED25519_FINGERPRINT, RSA_4096_FINGERPRINT]
    status, _, _ = await call(
        fake_panel, "POST", "/api/client/account/ssh-keys/remove", json={"fingerprint": ED25519_FINGERPRINT}
    )
    assert status == 204
    _, listing, _ = await call(fake_panel, "GET", "/api/client/account/ssh-keys")
    assert [k["attributes"]["fingerprint"] for k in listing["data"]] == [RSA_4096_FINGERPRINT]


async def test_pkcs8_keys_are_checked_like_openssh_ones(fake_panel: FakePanel) -> None:
    """testDSAKeyIsRejected / testWeakRSAKeyIsRejected post PKCS#8 (the factory's format); a PKCS#8 private key
    is refused (testInvalidOrPrivateKeyIsRejected); a duplicate is refused whatever format it comes in."""

    async def post(public_key: str) -> tuple[int, Any]:
        status, body, _ = await call(
            fake_panel, "POST", "/api/client/account/ssh-keys", json={"name": "Name", "public_key": public_key}
        )
        return status, body

    dsa_pem = dsa.generate_private_key(1024).public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    status, body = await post(dsa_pem.decode())
    assert (status, body["errors"][0]["detail"]) == (422, "DSA keys are not supported.")
    status, body = await post(DSA)
    assert (status, body["errors"][0]["detail"]) == (422, "DSA keys are not supported.")
    status, body = await post(pkcs8(RSA_1024))
    assert (status, body["errors"][0]["detail"]) == (422, "RSA keys must be at least 2048 bytes in length.")
    private = ed25519.Ed25519PrivateKey.generate().private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    status, body = await post(private.decode())
    assert (status, body["errors"][0]["detail"]) == (422, "The public key provided is not valid.")
    assert (await post(ED25519))[0] == 200
    status, body = await post(pkcs8(ED25519))
    assert (status, body["errors"][0]["detail"]) == (422, "The public key provided already exists on your account.")


async def test_ecdsa_pkcs8_key_fingerprint_is_its_openssh_blob_hash(fake_panel: FakePanel) -> None:
    key = ec.generate_private_key(ec.SECP256R1()).public_key()
    openssh = key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()
    blob = base64.b64decode(openssh.split()[1])
    expected = base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")
    pem = key.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()
    for public_key in (pem, openssh):
        status, body, _ = await call(
            fake_panel, "POST", "/api/client/account/ssh-keys", json={"name": "ec", "public_key": public_key}
        )
        if public_key is pem:
            assert status == 200, body
            assert body["attributes"]["fingerprint"] == expected
            assert body["attributes"]["public_key"] == "\r\n".join(pem.strip().splitlines())
        else:
            assert status == 422  # the same key again


# ------------------------------------------------------------------ 4. ExecuteScheduleTest
async def test_executing_a_schedule_without_tasks_is_refused(fake_panel: FakePanel) -> None:
    server = fake_panel.server("Survival SMP")
    schedule = fake_panel.store.create_schedule(server, "empty")
    status, body, _ = await call(fake_panel, "POST", f"{base(server)}/schedules/{schedule.id}/execute")
    assert status == 400
    assert body["errors"][0]["code"] == "DisplayException"
    assert body["errors"][0]["detail"] == "Cannot process schedule for task execution: no tasks are registered."


async def test_executing_an_inactive_schedule_runs_it(fake_panel: FakePanel) -> None:
    """ScheduleController::execute "does not care about the schedule state" (Pterodactyl 1.11)."""
    server = fake_panel.server("Survival SMP")
    schedule = fake_panel.store.create_schedule(server, "off", is_active=False)
    status, body, _ = await call(
        fake_panel,
        "POST",
        f"{base(server)}/schedules/{schedule.id}/tasks",
        json={"action": "command", "payload": "say hi", "time_offset": 0},
    )
    assert status == 200, body
    status, body, _ = await call(fake_panel, "POST", f"{base(server)}/schedules/{schedule.id}/execute")
    assert (status, body) == (202, [])
    assert server.console[-1] == "say hi"


# ------------------------------------------------------------------ 5. next_run_at from the cron fields
def _next_run(now: dt.datetime, minute: str, hour: str, dom: str, month: str, dow: str) -> dt.datetime:
    """The first whole minute after ``now``'s minute matching plain numeric / ``*`` / ``*/n`` fields (a slow
    but obvious oracle)."""

    def match(field: str, value: int) -> bool:
        if field == "*":
            return True
        if field.startswith("*/"):
            return value % int(field[2:]) == 0
        return value in {int(v) for v in field.split(",")}

    moment = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    while not (
        match(minute, moment.minute)
        and match(hour, moment.hour)
        and match(dom, moment.day)
        and match(month, moment.month)
        and match(dow, (moment.weekday() + 1) % 7)
    ):
        moment += dt.timedelta(minutes=1)
    return moment


async def test_next_run_at_follows_the_cron_fields(fake_panel: FakePanel) -> None:
    """UpdateServerScheduleTest::testScheduleCanBeUpdated compares next_run_at with the cron library's answer;
    CreateServerScheduleTest posts ``0 */2 * * 2``."""
    server = fake_panel.server("Survival SMP")
    for fields in (("5", "*", "*", "*", "*"), ("0", "*/2", "*", "*", "2"), ("30", "4", "1", "*", "*")):
        minute, hour, dom, month, dow = fields
        body_in = {
            "name": "cron",
            "minute": minute,
            "hour": hour,
            "day_of_month": dom,
            "month": month,
            "day_of_week": dow,
            "is_active": True,
        }
        before = dt.datetime.now(dt.UTC)
        status, body, _ = await call(fake_panel, "POST", f"{base(server)}/schedules", json=body_in)
        after = dt.datetime.now(dt.UTC)
        assert status == 200, body
        got = dt.datetime.fromisoformat(body["attributes"]["next_run_at"])
        assert got in {_next_run(before, *fields), _next_run(after, *fields)}, (fields, got)


async def test_invalid_cron_values_are_refused(fake_panel: FakePanel) -> None:
    server = fake_panel.server("Survival SMP")
    for minute, hour in (("60", "*"), ("*", "24"), ("5-x", "*")):
        status, body, _ = await call(
            fake_panel,
            "POST",
            f"{base(server)}/schedules",
            json={"name": "x", "minute": minute, "hour": hour, "day_of_month": "*", "month": "*", "day_of_week": "*"},
        )
        assert (status, body["errors"][0]["detail"]) == (
            400,
            "The cron data provided does not evaluate to a valid expression.",
        ), (minute, hour)
    status, _, _ = await call(
        fake_panel,
        "POST",
        f"{base(server)}/schedules",
        json={"name": "x", "minute": "0", "hour": "4", "day_of_month": "L", "month": "JAN", "day_of_week": "MON-FRI"},
    )
    assert status == 200


# ------------------------------------------------------------------ 6. UpdateServerScheduleTest
async def test_changing_is_active_resets_is_processing(fake_panel: FakePanel) -> None:
    """testScheduleIsProcessingIsSetToFalseWhenActiveStateChanges."""
    server = fake_panel.server("Survival SMP")
    schedule = fake_panel.store.create_schedule(server, "stuck", is_active=True, is_processing=True)
    update = {
        "name": "Updated Schedule Name",
        "minute": "5",
        "hour": "*",
        "day_of_week": "*",
        "month": "*",
        "day_of_month": "*",
        "is_active": False,
    }
    status, body, _ = await call(fake_panel, "POST", f"{base(server)}/schedules/{schedule.id}", json=update)
    assert status == 200, body
    assert body["attributes"]["is_active"] is False
    assert body["attributes"]["is_processing"] is False
    assert schedule.is_processing is False
    # Unchanged activity leaves a processing flag alone.
    schedule.is_processing = True
    status, body, _ = await call(fake_panel, "POST", f"{base(server)}/schedules/{schedule.id}", json=update)
    assert body["attributes"]["is_processing"] is True


# ------------------------------------------------------------------ 7. UpdateStartupVariableTest
async def test_startup_variable_rules_are_all_applied(fake_panel: FakePanel) -> None:
    """testStartupVariableCanBeUpdated: ``alpha_num`` refuses ``1.2.3`` with the panel's message."""
    panel = fake_panel
    egg = panel.add_egg(
        panel.store.nests[1],
        "Bungee",
        startup="java -jar {{SERVER_JARFILE}} --version {{BUNGEE_VERSION}}",
        variables=[
            {"name": "Jar", "env_variable": "SERVER_JARFILE", "default_value": "bungeecord.jar", "rules": "required"},
            {
                "name": "Version",
                "env_variable": "BUNGEE_VERSION",
                "default_value": "latest",
                "rules": "required|alpha_num|between:1,6",
            },
        ],
    )
    server = panel.add_server(panel.user, "Bungee", egg=egg)
    path = base(server) + "/startup/variable"
    status, body, _ = await call(panel, "PUT", path, json={"key": "BUNGEE_VERSION", "value": "1.2.3"})
    assert status == 422
    assert body["errors"][0]["code"] == "ValidationException"
    assert body["errors"][0]["detail"] == "The value may only contain letters and numbers."
    assert body["errors"][0]["meta"] == {"source_field": "value", "rule": "alpha_num"}
    status, body, _ = await call(panel, "PUT", path, json={"key": "BUNGEE_VERSION", "value": "123"})
    assert status == 200, body
    assert body["meta"]["startup_command"] == "java -jar bungeecord.jar --version 123"


async def test_an_unknown_egg_rule_is_an_error_not_a_pass(fake_panel: FakePanel) -> None:
    panel = fake_panel
    try:
        panel.add_egg(
            panel.store.nests[1],
            "Typo",
            variables=[{"name": "V", "env_variable": "V", "rules": "required|alpha_numm"}],
        )
    except ValueError as exc:
        assert "alpha_numm" in str(exc)
    else:  # pragma: no cover - the assertion below reports it
        raise AssertionError("add_egg accepted an unknown validation rule")
    # A rule changed behind the fake's back reaches the validator, which fails like Laravel (500), loudly.
    server = panel.server("Survival SMP")
    panel.store.eggs[server.egg_id].variables[0].rules = "required|no_such_rule"
    status, _, _ = await call(
        panel, "PUT", base(server) + "/startup/variable", json={"key": "SERVER_JARFILE", "value": "a.jar"}
    )
    assert status == 500


# ------------------------------------------------------------------ 8. application includes and r_* bits
async def test_application_includes_respect_read_permissions(fake_panel: FakePanel) -> None:
    panel = fake_panel
    key = panel.add_api_key(
        panel.admin, kind="application", permissions={"servers": 1, "users": 0, "nodes": 1, "allocations": 0}
    )
    status, body, _ = await call(
        panel, "GET", "/api/application/servers/1", key=key, params={"include": "user,node,allocations"}
    )
    assert status == 200, body
    relationships = body["attributes"]["relationships"]
    assert relationships["user"] == {"object": "null_resource", "attributes": None}
    assert relationships["allocations"] == {"object": "null_resource", "attributes": None}
    assert relationships["node"]["object"] == "node"
    # With every read bit (the seeded key), the same includes are served.
    status, body, _ = await call(
        panel, "GET", "/api/application/servers/1", key=panel.application_key, params={"include": "user,allocations"}
    )
    assert body["attributes"]["relationships"]["user"]["object"] == "user"
    assert body["attributes"]["relationships"]["allocations"]["object"] == "list"
    # A root admin's client key passes every include check.
    status, body, _ = await call(
        panel, "GET", "/api/application/users/2", key=panel.admin, params={"include": "servers"}
    )
    assert body["attributes"]["relationships"]["servers"]["object"] == "list"
    key = panel.add_api_key(panel.admin, kind="application", permissions={"users": 1, "servers": 0})
    status, body, _ = await call(panel, "GET", "/api/application/users/2", key=key, params={"include": "servers"})
    assert body["attributes"]["relationships"]["servers"] == {"object": "null_resource", "attributes": None}


# ------------------------------------------------------------------ power signals are trimmed
async def test_power_signal_with_spaces_is_trimmed_by_the_panel(fake_panel: FakePanel) -> None:
    server = fake_panel.server("Creative")
    status, body, _ = await call(fake_panel, "POST", base(server) + "/power", json={"signal": "  start "})
    assert (status, body) == (204, None)
    assert server.state == "starting"


@pytest.mark.parametrize(
    ("rules", "good", "bad", "message"),
    [
        ("alpha", "abc", "abc1", "The value may only contain letters."),
        ("alpha_dash", "a-b_c1", "a.b", "The value may only contain letters, numbers, and dashes."),
        ("digits:3", "123", "12a", "The value must be 3 digits."),
        ("digits_between:2,4", "123", "12345", "The value must be between 2 and 4 digits."),
        ("in:paper,spigot", "paper", "forge", "The selected value is invalid."),
        ("not_in:latest", "1.20", "latest", "The selected value is invalid."),
        ("ipv4", "10.0.0.1", "::1", "validation.ipv4"),
        ("timezone", "Europe/Paris", "Mars/Olympus", "The value must be a valid zone."),
        ("json", '{"a": 1}', "{a}", "The value must be a valid JSON string."),
        ("uuid", "123e4567-e89b-12d3-a456-426614174000", "123", "validation.uuid"),
        ("regex:/^[0-9]+\\.[0-9]+$/", "1.2", "1", "The value format is invalid."),
        ("integer|between:1,10", "5", "11", "The value must be between 1 and 10."),
    ],
)
def test_egg_variable_rules(rules: str, good: str, bad: str, message: str) -> None:
    """Laravel rules the fake applies to egg variables, with the panel's messages (keys for rules the panel's
    lang file has no line for, as Laravel prints them)."""
    assert validate({"value": good}, [("value", parse_rules(rules))]) == []
    issues = validate({"value": bad}, [("value", parse_rules(rules))])
    assert [i.message for i in issues][:1] == [message]
