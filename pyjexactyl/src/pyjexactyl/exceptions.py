"""The exceptions pyjexactyl raises, sync and async alike.

Everything derives from :class:`JexactylError`. An answer from the panel with an error status becomes a
:class:`JexactylApiError` subclass chosen by status (see :data:`STATUS_ERRORS`), carrying the panel's own
``errors[]`` entries::

    try:
        api.servers.create_server(...)
    except ValidationError as exc:
        for entry in exc.errors:
            print(entry.source_field, entry.rule, entry.detail)
    except JexactylApiError as exc:
        print(exc.status, exc.code, exc.detail)

Network failures never reach the panel, so they have no status: :class:`PanelUnreachableError` and
:class:`PanelTimeoutError`. A live console session (the Wings websocket) raises :class:`ConsoleError`
subclasses: :class:`ConsoleAuthError` and :class:`ConsoleDisconnectedError`. No exception message or repr ever
contains the API key or a websocket token.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from html import unescape
from typing import Any

__all__ = [
    "STATUS_ERRORS",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "ConsoleAuthError",
    "ConsoleDisconnectedError",
    "ConsoleError",
    "ErrorEntry",
    "ForbiddenError",
    "InvalidArgumentError",
    "JexactylApiError",
    "JexactylError",
    "MalformedResponseError",
    "NotFoundError",
    "PanelTimeoutError",
    "PanelUnreachableError",
    "RateLimitedError",
    "ResponseTooLargeError",
    "ServerError",
    "ServerOfflineError",
    "UnauthorizedError",
    "UnsupportedByPanelError",
    "ValidationError",
    "error_from_response",
]


class JexactylError(Exception):
    """Base class of every error pyjexactyl raises."""


class InvalidArgumentError(JexactylError, ValueError):
    """An argument was refused before any request was sent (bad identifier, unknown power signal, ...)."""


class PanelUnreachableError(JexactylError):
    """The panel could not be reached: refused or dropped connection, DNS or TLS failure.

    Attributes:
        method: HTTP method of the request that failed.
        path: Path (with query) of the request that failed.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class PanelTimeoutError(PanelUnreachableError):
    """The panel did not answer within the client's ``timeout``."""


class ClientClosedError(JexactylError):
    """A request was made with an :class:`~pyjexactyl.AsyncJexactyl` after :meth:`~pyjexactyl.AsyncJexactyl.close`.

    Nothing was sent. A closed client never opens a new HTTP session on its own (that session would be left
    for nobody to close); make a new client instead.

    Attributes:
        method: HTTP method of the refused request.
        path: Path (with query) of the refused request.
    """

    def __init__(self, message: str, *, method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.path = path


class ConsoleError(JexactylError):
    """Base class of the errors of a live console session (the Wings websocket)."""


class ConsoleAuthError(ConsoleError):
    """Wings would not authenticate the console session, for a reason a fresh token does not fix.

    Raised for a ``jwt error`` other than expiry (``jwt: missing connect permission``, ``jwt: server uuid
    mismatch``, ``jwt: created too far in past (denylist)`` ...), for a token that is refused as expired again
    right after a refresh, and for a handshake Wings refuses because of the ``Origin`` header.

    Attributes:
        reason: What Wings said, e.g. ``jwt: missing connect permission`` (never the token).
    """

    def __init__(self, message: str, *, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r})"


class ConsoleDisconnectedError(ConsoleError):
    """The console's websocket could not be (re)established.

    A session raises it from its iteration when it gave up reconnecting after ``reconnect_timeout``
    seconds, and from ``async with`` when the first connection fails. ``__cause__`` is the last failure.

    Attributes:
        status: The HTTP status of a refused websocket handshake, if that was the failure.
        attempts: Connection attempts made before giving up (0 when not from a reconnect).
        downtime: Seconds since the socket dropped, when giving up after a reconnect.
    """

    def __init__(self, message: str, *, status: int | None = None, attempts: int = 0, downtime: float = 0.0) -> None:
        super().__init__(message)
        self.status = status
        self.attempts = attempts
        self.downtime = downtime


@dataclass(frozen=True, slots=True)
class ErrorEntry:
    """One entry of the panel's ``errors[]`` array.

    Attributes:
        code: The panel's exception name, e.g. ``ValidationException``.
        status: The HTTP status the panel reported for this entry.
        detail: The human-readable message.
        source_field: For validation errors, the field that failed (``meta.source_field``).
        rule: For validation errors, the rule that failed (``meta.rule``).
        meta: The whole ``meta`` object, if any.
    """

    code: str
    status: int
    detail: str
    source_field: str | None = None
    rule: str | None = None
    meta: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_json(cls, entry: Mapping[str, Any], default_status: int) -> ErrorEntry:
        """Builds an entry from one element of the panel's ``errors[]``."""
        meta = entry.get("meta") if isinstance(entry.get("meta"), Mapping) else {}
        assert isinstance(meta, Mapping)
        try:
            status = int(entry.get("status", default_status))
        except (TypeError, ValueError):
            status = default_status
        source = meta.get("source_field")
        rule = meta.get("rule")
        return cls(
            code=str(entry.get("code") or "UnknownError"),
            status=status,
            detail=str(entry.get("detail") or ""),
            source_field=str(source) if source is not None else None,
            rule=str(rule) if rule else None,
            meta=dict(meta),
        )


class JexactylApiError(JexactylError):
    """The panel answered with an error status.

    The message reads like the classic pyjexactyl one:
    ``Bad API Request(400) - NoViableNodeException - No nodes satisfying ...``.

    Attributes:
        status: HTTP status code of the response.
        code: The first error's ``code`` (the panel's exception name).
        detail: The first error's ``detail``.
        errors: Every entry of the panel's ``errors[]`` (validation errors carry one per field).
        method: HTTP method of the request.
        path: Path (with query) of the request; never includes the API key.
        headers: Response headers.
    """

    title = "Bad API Request"

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[ErrorEntry] | None = None,
        method: str = "",
        path: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors if errors is not None else [ErrorEntry(code, status, detail)]
        self.method = method
        self.path = path
        self.headers: Mapping[str, str] = dict(headers or {})
        super().__init__(f"{self.title}({status}) - {code} - {detail}")

    def __repr__(self) -> str:
        return f"{type(self).__name__}(status={self.status}, code={self.code!r}, detail={self.detail!r})"


class BadRequestError(JexactylApiError):
    """400: the panel refused the request (a business rule, e.g. ``TooManyBackupsException``)."""


class UnauthorizedError(JexactylApiError):
    """401: the API key is missing, unknown, revoked or expired."""


class ForbiddenError(JexactylApiError):
    """403: the key may not do this (missing permission, wrong kind of key, IP not allowed)."""


class NotFoundError(JexactylApiError):
    """404: no such resource, or a server this key cannot reach (the panel never says 403 for those)."""


class ConflictError(JexactylApiError):
    """409: the server is suspended, installing, restoring a backup, or being transferred."""


class ValidationError(JexactylApiError):
    """422: one or more fields failed validation; see :attr:`errors` for each field and rule."""


class RateLimitedError(JexactylApiError):
    """429: the panel's rate limit (or the backup-creation throttle) was hit.

    Attributes:
        retry_after: Seconds the panel asked us to wait, when it said (``Retry-After`` or
            ``X-RateLimit-Reset``), else ``None``.
    """

    def __init__(self, *args: Any, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_after = retry_after


class ServerError(JexactylApiError):
    """5xx: the panel or the node (Wings) failed."""


class ServerOfflineError(ServerError):
    """502: the game server must be running for this (e.g. a console command to a stopped server).

    The panel answers 502 ``Server must be online in order to send commands.`` to ``POST /command``. A console
    session raises the same error, with ``code="ConsoleServerOffline"`` and the status the panel would have
    given, *before* sending a command while the server's last known state is ``offline``, because Wings
    ignores such a command silently.
    """


class UnsupportedByPanelError(JexactylApiError):
    """The panel does not offer this call: its kind (Pterodactyl, Jexactyl v3, Jexactyl v4, Pelican) lacks the
    route, or has it but always fails there. Raised instead of the bare 404 (or 500), and before any request
    when the library already knows the panel's kind.

    Attributes:
        panel: The panel's name as detected, e.g. ``"Pelican"`` (or ``"Pterodactyl or Jexactyl v4"`` when the
            answers so far could not tell those two apart).
        feature: What was asked for, e.g. ``"the store balance"``.
        alternative: What to use instead, when there is something; ``None`` otherwise.
        status: The panel's status when it answered (404 for a missing route, 500 for a broken one); 404 when
            the call was refused before sending.
    """

    title = "Unsupported By Panel"

    def __init__(
        self,
        panel: str,
        feature: str,
        alternative: str | None = None,
        *,
        status: int = 404,
        method: str = "",
        path: str = "",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.panel = panel
        self.feature = feature
        self.alternative = alternative
        detail = f"{panel} does not offer {feature}."
        if alternative:
            detail += f" Use {alternative} instead."
        super().__init__(status, "UnsupportedByPanel", detail, method=method, path=path, headers=headers)

    def __repr__(self) -> str:
        return (
            f"UnsupportedByPanelError(panel={self.panel!r}, feature={self.feature!r}, "
            f"alternative={self.alternative!r})"
        )


class MalformedResponseError(JexactylApiError):
    """The panel answered with a body that is not the JSON it should be (a proxy page, a cut body)."""

    title = "Malformed API Response"


class ResponseTooLargeError(MalformedResponseError):
    """The panel's answer is larger than the client's ``max_response_bytes`` (64 MiB by default).

    Nothing past the limit was read and the connection was closed. Ask for less (``per_page``, a smaller
    file) or raise ``max_response_bytes``.

    Attributes:
        limit: The cap, in bytes, the answer went past.

    Example:
        >>> err = ResponseTooLargeError(200, method="GET", path="/api/client", limit=1024)
        >>> err.detail
        'The panel answered GET /api/client with more than max_response_bytes (1024 bytes).'
    """

    title = "Response Too Large"

    def __init__(
        self, status: int, *, method: str, path: str, limit: int, headers: Mapping[str, str] | None = None
    ) -> None:
        detail = f"The panel answered {method} {path} with more than max_response_bytes ({limit} bytes)."
        super().__init__(status, "ResponseTooLarge", detail, method=method, path=path, headers=headers)
        self.limit = limit


STATUS_ERRORS: dict[int, type[JexactylApiError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: ValidationError,
    429: RateLimitedError,
}
"""HTTP status → exception class. Other 4xx give :class:`JexactylApiError`, 5xx :class:`ServerError`."""

_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.I | re.S)
_TAGS = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def _html_summary(text: str) -> str:
    match = _TITLE.search(text)
    summary = match.group(1) if match else _TAGS.sub(" ", text)
    return _SPACE.sub(" ", unescape(summary)).strip()[:200] or "(empty body)"


def error_from_response(
    status: int,
    body: bytes,
    headers: Mapping[str, str],
    *,
    method: str,
    path: str,
    retry_after: float | None = None,
) -> JexactylApiError:
    """Turns an error response into the matching :class:`JexactylApiError` subclass.

    Args:
        status: HTTP status code.
        body: Raw response body; a panel JSON envelope, or anything a proxy put there.
        headers: Response headers.
        method: HTTP method of the request.
        path: Request path with query (never the key).
        retry_after: For 429s, seconds to wait as parsed from the headers.

    Example:
        >>> err = error_from_response(404, b'{"errors":[{"code":"NotFoundHttpException","status":"404",'
        ...     b'"detail":"Gone."}]}', {}, method="GET", path="/api/client")
        >>> type(err).__name__, str(err)
        ('NotFoundError', 'Bad API Request(404) - NotFoundHttpException - Gone.')
    """
    entries: list[ErrorEntry] = []
    text = body.decode("utf-8", "replace")
    try:
        parsed: Any = json.loads(text) if text.strip() else None
    except ValueError:
        parsed = None
    if isinstance(parsed, Mapping) and isinstance(parsed.get("errors"), list):
        entries = [ErrorEntry.from_json(e, status) for e in parsed["errors"] if isinstance(e, Mapping)]
    elif isinstance(parsed, Mapping) and isinstance(parsed.get("message"), str):
        entries = [ErrorEntry(f"HTTP{status}", status, parsed["message"])]
    if not entries:
        kind = "HtmlErrorPage" if "<" in text[:200] else "NonJsonErrorBody"
        entries = [ErrorEntry(kind, status, _html_summary(text) if text.strip() else "(empty body)")]
    offline = status == 502 and "must be online" in entries[0].detail
    cls = ServerOfflineError if offline else STATUS_ERRORS.get(status)
    if cls is None:
        cls = ServerError if status >= 500 else JexactylApiError
    kwargs: dict[str, Any] = {"errors": entries, "method": method, "path": path, "headers": headers}
    if cls is RateLimitedError:
        kwargs["retry_after"] = retry_after
    return cls(status, entries[0].code, entries[0].detail, **kwargs)
