"""Fractal envelopes (item, list, paginated list) and the panel's error envelope."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

__all__ = [
    "BINDING_MISS",
    "NOT_FOR_SERVER",
    "NO_ACCESS",
    "Includes",
    "PanelError",
    "ValidationIssue",
    "bad_request",
    "display_error",
    "error_body",
    "forbidden",
    "include",
    "item",
    "list_of",
    "not_found",
    "null_resource",
    "paginate",
    "validation_error",
]

T = TypeVar("T")

BINDING_MISS = "The requested resource could not be found on the server."
NO_ACCESS = "The requested resource does not exist on this server."
NOT_FOR_SERVER = "The requested resource was not found for this server."
UNAUTHORIZED_ACTION = "This action is unauthorized."
GENERIC_500 = "An unexpected error was encountered while processing this request, please try again."

JsonDict = dict[str, Any]


def item(obj: str, attributes: Mapping[str, Any] | None, meta: Mapping[str, Any] | None = None) -> JsonDict:
    """``{"object": obj, "attributes": {...}}`` (plus ``meta`` when given)."""
    out: JsonDict = {"object": obj, "attributes": dict(attributes) if attributes is not None else None}
    if meta:
        out["meta"] = dict(meta)
    return out


class Includes(frozenset[str]):
    """The names of ``?include=`` plus what the caller's key may read.

    The panel's application transformers check the key's ``r_<resource>`` read bit before each include and
    answer a :func:`null_resource` when it is missing (a root admin's account key passes every check).
    """

    readable: Callable[[str], bool]

    def __new__(cls, names: Iterable[str] = (), readable: Callable[[str], bool] | None = None) -> Includes:
        self = super().__new__(cls, names)
        self.readable = readable if readable is not None else (lambda resource: True)
        return self


def include(
    includes: Iterable[str] | None, name: str, resource: str, build: Callable[[], JsonDict]
) -> JsonDict | None:
    """The relationship ``name`` when it was asked for: ``build()``, or a null resource when the key may not
    read ``resource``; ``None`` when it was not asked for."""
    if not includes or name not in includes:
        return None
    if isinstance(includes, Includes) and not includes.readable(resource):
        return null_resource()
    return build()


def null_resource() -> JsonDict:
    """The null include: ``{"object": "null_resource", "attributes": null}``."""
    return {"object": "null_resource", "attributes": None}


def list_of(items: Iterable[JsonDict], meta: Mapping[str, Any] | None = None) -> JsonDict:
    """An unpaginated list; it has no ``meta`` unless custom meta is given."""
    out: JsonDict = {"object": "list", "data": list(items)}
    if meta:
        out["meta"] = dict(meta)
    return out


def _encode_query(params: Sequence[tuple[str, str]]) -> str:
    """PHP ``http_build_query(..., PHP_QUERY_RFC3986)`` for flat params (``a[]`` become ``a[0]``...)."""
    merged: dict[str, str | list[str]] = {}
    for key, value in params:
        if key.endswith("[]"):
            base = key[:-2]
            existing = merged.get(base)
            if isinstance(existing, list):
                existing.append(value)
            else:
                merged[base] = [value]
        else:
            merged[key] = value
    parts: list[str] = []
    for key, entry in merged.items():
        if isinstance(entry, list):
            for index, sub in enumerate(entry):
                parts.append(f"{quote(f'{key}[{index}]', safe='')}={quote(sub, safe='')}")
        else:
            parts.append(f"{quote(key, safe='')}={quote(entry, safe='')}")
    return "&".join(parts)


def page_url(base: str, query: Sequence[tuple[str, str]] | None, page: int) -> str:
    """URL of ``page``: client lists keep every query parameter, application lists only ``page``."""
    params: list[tuple[str, str]] = []
    replaced = False
    for key, value in query or ():
        if key == "page":
            if not replaced:
                params.append(("page", str(page)))
                replaced = True
            continue
        params.append((key, value))
    if not replaced:
        params.append(("page", str(page)))
    return f"{base}?{_encode_query(params)}"


def paginate(
    rows: Sequence[T],
    transform: Callable[[T], JsonDict],
    *,
    page: int,
    per_page: int,
    base_url: str,
    query: Sequence[tuple[str, str]] | None,
    extra_meta: Mapping[str, Any] | None = None,
) -> JsonDict:
    """A paginated Fractal list with ``meta.pagination`` (``links`` is ``{}`` on a single page).

    ``query`` is the request's query items for client-API lists (links keep them) or ``None`` for
    application-API lists (links carry only ``page``).
    """
    total = len(rows)
    total_pages = max(1, math.ceil(total / per_page)) if per_page > 0 else 1
    start = (page - 1) * per_page
    chunk = rows[start : start + per_page] if start < total else []
    links: JsonDict = {}
    if page > 1:
        links["previous"] = page_url(base_url, query, page - 1)
    if page < total_pages:
        links["next"] = page_url(base_url, query, page + 1)
    meta: JsonDict = {
        "pagination": {
            "total": total,
            "count": len(chunk),
            "per_page": per_page,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }
    }
    if extra_meta:
        meta.update(extra_meta)
    return {"object": "list", "data": [transform(row) for row in chunk], "meta": meta}


class ValidationIssue:
    """One failing validation message (one entry of a 422)."""

    __slots__ = ("field", "message", "rule")

    def __init__(self, field: str, rule: str | None, message: str) -> None:
        self.field = field
        self.rule = rule
        self.message = message

    def __repr__(self) -> str:
        return f"ValidationIssue({self.field!r}, {self.rule!r}, {self.message!r})"


class PanelError(Exception):
    """An error response in the panel's envelope; raised by route handlers and middlewares."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        issues: Sequence[ValidationIssue] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.headers: dict[str, str] = dict(headers or {})
        self.issues = list(issues or [])

    def body(self) -> JsonDict:
        """The JSON body: ``{"errors": [...]}``."""
        if self.issues:
            return {
                "errors": [
                    {
                        "code": self.code,
                        "status": str(self.status),
                        "detail": issue.message,
                        "meta": {"source_field": issue.field, "rule": issue.rule},
                    }
                    for issue in self.issues
                ]
            }
        return error_body(self.status, self.code, self.detail)


def error_body(status: int, code: str, detail: str) -> JsonDict:
    """``{"errors": [{"code", "status" (a string), "detail"}]}``."""
    return {"errors": [{"code": code, "status": str(status), "detail": detail}]}


def validation_error(issues: Sequence[ValidationIssue]) -> PanelError:
    """A 422 ``ValidationException`` with one entry per issue."""
    first = issues[0].message if issues else "The given data was invalid."
    return PanelError(422, "ValidationException", first, issues=issues)


def single_issue(field: str, rule: str | None, message: str) -> PanelError:
    """A 422 with exactly one entry."""
    return validation_error([ValidationIssue(field, rule, message)])


def not_found(detail: str = BINDING_MISS) -> PanelError:
    """404 ``NotFoundHttpException``."""
    return PanelError(404, "NotFoundHttpException", detail)


def forbidden(detail: str = UNAUTHORIZED_ACTION, code: str = "AccessDeniedHttpException") -> PanelError:
    """403 (``AccessDeniedHttpException`` unless another code is given)."""
    return PanelError(403, code, detail)


def bad_request(detail: str) -> PanelError:
    """400 ``BadRequestHttpException``."""
    return PanelError(400, "BadRequestHttpException", detail)


def display_error(code: str, detail: str, status: int = 400) -> PanelError:
    """A ``DisplayException`` subclass (400 unless noted)."""
    return PanelError(status, code, detail)


def conflict(detail: str) -> PanelError:
    """409 ``ConflictHttpException``."""
    return PanelError(409, "ConflictHttpException", detail)
