"""I/O-free pieces of the library: path quoting, query building, error mapping, Retry-After, config."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from pyjexactyl import AsyncJexactyl, Jexactyl
from pyjexactyl._config import normalize_url
from pyjexactyl._paths import build_path, build_query, encode_query, quote_identifier
from pyjexactyl._retry import parse_retry_after
from pyjexactyl.exceptions import (
    BadRequestError,
    ConflictError,
    ForbiddenError,
    InvalidArgumentError,
    JexactylApiError,
    NotFoundError,
    RateLimitedError,
    ServerError,
    ServerOfflineError,
    UnauthorizedError,
    ValidationError,
    error_from_response,
)

KEY = "ptlc_" + "A" * 11 + "s3cr3t" * 5 + "xy"


@pytest.mark.parametrize(
    "bad",
    ["", ".", "..", "../../application/users", "a/b", "a\\b", "%2e%2e", "%2F", "abc?x=1", "ab#c", "a b", "a\x00"],
)
def test_path_identifiers_refused(bad: str) -> None:
    with pytest.raises(InvalidArgumentError):
        build_path("/api/client/servers/{server}", server=bad)


def test_path_identifiers_quoted_and_typed() -> None:
    assert build_path("/api/application/users/{user}", user=14) == "/api/application/users/14"
    assert quote_identifier("server_id", "é1") == "%C3%A91"
    with pytest.raises(InvalidArgumentError):
        quote_identifier("server_id", None)
    with pytest.raises(InvalidArgumentError):
        quote_identifier("server_id", True)
    with pytest.raises(InvalidArgumentError):
        quote_identifier("server_id", "x" * 500)


def test_build_query_does_not_mutate_params() -> None:
    params = {"per_page": 10, "include": "egg"}
    query = build_query(("nest", "egg"), params, filter=None)
    assert params == {"per_page": 10, "include": "egg"}
    assert query == {"per_page": 10, "include": "egg,nest"}
    assert build_query(["a"], None) == {"include": "a"}


def test_encode_query_lists_and_bools() -> None:
    pairs = encode_query({"location_ids[]": [1, 2], "include": ["a", "b"], "flag": True})
    assert pairs == [("location_ids[]", "1"), ("location_ids[]", "2"), ("include", "a,b"), ("flag", "true")]


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, BadRequestError),
        (401, UnauthorizedError),
        (403, ForbiddenError),
        (404, NotFoundError),
        (409, ConflictError),
        (422, ValidationError),
        (429, RateLimitedError),
        (500, ServerError),
        (504, ServerError),
        (418, JexactylApiError),
    ],
)
def test_status_table(status: int, cls: type[JexactylApiError]) -> None:
    body = b'{"errors":[{"code":"X","status":"%d","detail":"d"}]}' % status
    err = error_from_response(status, body, {}, method="GET", path="/p")
    assert type(err) is cls
    assert (err.status, err.code, err.detail, err.method, err.path) == (status, "X", "d", "GET", "/p")


def test_seed_message_format_and_validation_entries() -> None:
    body = (
        b'{"errors":[{"code":"NoViableNodeException","status":"400","detail":"No nodes satisfying the '
        b'requirements specified for automatic deployment could be found."}]}'
    )
    err = error_from_response(400, body, {}, method="POST", path="/api/application/servers")
    assert str(err) == (
        "Bad API Request(400) - NoViableNodeException - No nodes satisfying the requirements specified "
        "for automatic deployment could be found."
    )
    body = (
        b'{"errors":[{"code":"ValidationException","status":"422","detail":"The name field is required.",'
        b'"meta":{"source_field":"name","rule":"required"}},{"code":"ValidationException","status":"422",'
        b'"detail":"The user must be an integer.","meta":{"source_field":"user","rule":"integer"}}]}'
    )
    err = error_from_response(422, body, {}, method="POST", path="/x")
    assert isinstance(err, ValidationError)
    assert [(e.source_field, e.rule) for e in err.errors] == [("name", "required"), ("user", "integer")]


def test_html_and_empty_error_bodies() -> None:
    page = b"<html><head><title>502 Bad Gateway</title></head><body><h1>cloudflare</h1></body></html>"
    err = error_from_response(502, page, {}, method="GET", path="/api/client")
    assert isinstance(err, ServerError)
    assert (err.code, err.detail) == ("HtmlErrorPage", "502 Bad Gateway")
    err = error_from_response(503, b"", {}, method="GET", path="/")
    assert err.detail == "(empty body)"


def test_offline_command_error() -> None:
    body = (
        b'{"errors":[{"code":"HttpException","status":"502",'
        b'"detail":"Server must be online in order to send commands."}]}'
    )
    assert isinstance(error_from_response(502, body, {}, method="POST", path="/c"), ServerOfflineError)


def test_retry_after_parsing() -> None:
    now = 1_000_000.0
    assert parse_retry_after({"Retry-After": "7"}, now=now) == 7.0
    assert parse_retry_after({"x-ratelimit-reset": str(now + 12)}, now=now) == 12.0
    future = datetime.fromtimestamp(now, tz=UTC) + timedelta(seconds=30)
    assert parse_retry_after({"Retry-After": format_datetime(future, usegmt=True)}, now=now) == pytest.approx(30)
    assert parse_retry_after({}, now=now) is None
    assert parse_retry_after({"Retry-After": "garbage"}, now=now) is None


def test_url_normalisation() -> None:
    assert normalize_url("https://panel.example.com/") == "https://panel.example.com"
    assert normalize_url("https://example.com/panel/") == "https://example.com/panel"
    assert normalize_url("panel") == "https://panel"
    with pytest.raises(InvalidArgumentError):
        normalize_url("ftp://x")


def test_key_never_in_repr() -> None:
    api = AsyncJexactyl("https://panel.example.com", KEY)
    assert KEY not in repr(api) and KEY not in repr(api.config) and KEY not in repr(api.client.servers)
    sync = Jexactyl("https://panel.example.com", KEY)
    assert KEY not in repr(sync) and KEY not in repr(sync.client)
    sync.close()


def test_constructor_validation() -> None:
    with pytest.raises(InvalidArgumentError):
        AsyncJexactyl("https://x", "")
    with pytest.raises(InvalidArgumentError):
        AsyncJexactyl("https://x", KEY, retries=-1)


def test_debug_sets_only_library_logger() -> None:
    root_level = logging.getLogger().level
    root_handlers = list(logging.getLogger().handlers)
    Jexactyl("https://why", "broken", debug=True).close()
    assert logging.getLogger("pyjexactyl").getEffectiveLevel() == logging.DEBUG
    assert logging.getLogger().level == root_level
    assert logging.getLogger().handlers == root_handlers


async def test_limiter_adapts_to_panel_headers() -> None:
    import time

    from pyjexactyl._throttle import WindowLimiter

    limiter = WindowLimiter(100, 0.3)
    await limiter.acquire()
    limiter.observe(limit=100, remaining=0, retry_after=None)  # other clients used the bucket up
    started = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - started >= 0.25, "remaining=0 from the panel was ignored"
    limiter.observe(limit=3, remaining=None, retry_after=None)
    assert limiter.limit == 3
    limiter.observe(limit=None, remaining=None, retry_after=0.2)
    started = time.monotonic()
    await limiter.acquire()
    assert time.monotonic() - started >= 0.18, "a 429's Retry-After did not pause the limiter"
    unlimited = WindowLimiter(None, 1.0)
    for _ in range(1000):
        await unlimited.acquire()
