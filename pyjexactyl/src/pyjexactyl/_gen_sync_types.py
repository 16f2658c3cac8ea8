"""Generates :mod:`pyjexactyl._sync_types`: typed interfaces of the sync client.

The sync :class:`~pyjexactyl.Jexactyl` wraps the async endpoint tree generically at run time, so a type
checker cannot see what ``api.client.servers`` holds. This generator walks the async tree (a throw-away
:class:`~pyjexactyl.AsyncJexactyl`; nothing touches the network) and writes one :class:`typing.Protocol`
per namespace class: child namespaces as attributes typed as their protocols, and each ``async`` endpoint
as a plain method with the same parameters, defaults, annotations and docstring, its return annotation
translated as the sync client translates the value (``AsyncPaginatedResponse`` -> ``PaginatedResponse``).
A class an endpoint returns that is an async context manager or async iterator (``ConsoleSession``) gets a
protocol too (``SyncConsoleSession``): its properties, its coroutine methods as plain ones, and
``__enter__``/``__exit__``/``__iter__``/``__next__`` in place of their async counterparts.
Like modal-labs/synchronicity's generated interfaces, but for type checkers only: the run-time sync client
is unchanged.

Usage::

    .venv/bin/python -m pyjexactyl._gen_sync_types          # rewrite pyjexactyl/_sync_types.py
    .venv/bin/python -m pyjexactyl._gen_sync_types --check  # exit 1 if the checked-in file is stale
"""

from __future__ import annotations

import argparse
import ast
import inspect
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._client import AsyncJexactyl
from ._endpoints.base import Namespace
from ._gen_sync_imports import PACKAGE, RENAMES, _Imports, _names, _resolve

__all__ = ["ROOTS", "TARGET", "generate", "main", "protocol_name", "translate_return", "wrapped_classes"]

TARGET = Path(__file__).with_name("_sync_types.py")
"""The generated module."""

REGENERATE = ".venv/bin/python -m pyjexactyl._gen_sync_types"

ROOTS = (
    "client",
    "locations",
    "nests",
    "nodes",
    "servers",
    "user",
    "users",
    "approvals",
    "eggs",
    "database_hosts",
    "mounts",
    "roles",
    "plugins",
)
"""The namespaces :class:`AsyncJexactyl` exposes, in the order ``SyncRoot`` lists them."""

LINE_LENGTH = 120
INDENT = "    "


def protocol_name(cls: type) -> str:
    """The protocol generated for a namespace class: ``ClientServers`` -> ``SyncClientServers``."""
    return "Sync" + cls.__name__


def translate_return(annotation: str, renames: dict[str, str] | None = None) -> str:
    """The sync return annotation of an async method's return annotation (source text).

    ``renames`` adds the wrapped classes (``{"ConsoleSession": "SyncConsoleSession"}``) to :data:`RENAMES`.
    """
    table = {**RENAMES, **(renames or {})}
    tree = ast.parse(annotation, mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in table:
            node.id = table[node.id]
    return ast.unparse(tree)


def is_async_object_class(value: object) -> bool:
    """Whether the sync client wraps instances of ``value`` as ``_SyncObject`` (see ``pyjexactyl._sync``)."""
    return isinstance(value, type) and (hasattr(value, "__aenter__") or hasattr(value, "__anext__"))


# -- walking the async tree ----------------------------------------------------------------------------------


@dataclass
class _Method:
    name: str
    function: Callable[..., Any]
    is_async: bool


@dataclass
class _Protocol:
    cls: type
    children: dict[str, type] = field(default_factory=dict)
    methods: list[_Method] = field(default_factory=list)


def _members(cls: type) -> Iterator[tuple[str, Any]]:
    """Public members defined on ``cls`` and its namespace bases (not ``Namespace`` itself), in source order."""
    seen: dict[str, Any] = {}
    for base in reversed(cls.__mro__):
        if base is Namespace or not issubclass(base, Namespace):
            continue
        for name, value in vars(base).items():
            if not name.startswith("_"):
                seen.pop(name, None)
                seen[name] = value
    yield from seen.items()


def _collect(namespace: Namespace, protocols: dict[type, _Protocol], where: str) -> None:
    cls = type(namespace)
    if cls in protocols:
        return
    protocol = protocols[cls] = _Protocol(cls)
    for name, value in vars(namespace).items():
        if name.startswith("_"):
            continue
        if not isinstance(value, Namespace):
            raise TypeError(f"{where}.{name}: public instance attribute that is not a namespace; teach the generator")
        protocol.children[name] = type(value)
        _collect(value, protocols, f"{where}.{name}")
    for name, value in _members(cls):
        if isinstance(value, staticmethod | classmethod | property) or not inspect.isfunction(value):
            raise TypeError(f"{where}.{name}: {type(value).__name__} member; teach the generator")
        protocol.methods.append(_Method(name, value, inspect.iscoroutinefunction(value)))


def wrapped_classes(protocols: dict[type, _Protocol] | None = None) -> list[type]:
    """The async-object classes endpoints return (``[ConsoleSession]``), in the order first met."""
    if protocols is None:
        protocols = _walk()[0]
    found: dict[type, None] = {}
    for protocol in protocols.values():
        for method in protocol.methods:
            returns = inspect.signature(method.function).return_annotation
            if not isinstance(returns, str):
                continue
            for name in sorted(_names(returns)):
                value = _resolve(name, method.function.__module__)
                if is_async_object_class(value):
                    found[value] = None
    return list(found)


def _walk() -> tuple[dict[type, _Protocol], dict[str, type]]:
    api = AsyncJexactyl("https://x", "ptlc_" + "k" * 43)
    protocols: dict[type, _Protocol] = {}
    roots: dict[str, type] = {}
    for name in ROOTS:
        namespace = getattr(api, name)
        roots[name] = type(namespace)
        _collect(namespace, protocols, name)
    names = [protocol_name(cls) for cls in protocols]
    if len(set(names)) != len(names):
        raise TypeError(f"two namespace classes share a name: {sorted(names)}; teach protocol_name()")
    public = sorted(n for n, v in vars(api).items() if isinstance(v, Namespace))
    if public != sorted(ROOTS):
        raise TypeError(f"AsyncJexactyl's namespaces are {public}; update ROOTS (and Jexactyl in _sync.py)")
    return protocols, roots


# -- rendering --------------------------------------------------------------------------------------------------


def _docstring(doc: str | None, indent: str) -> list[str]:
    if not doc:
        return []
    if '"""' in doc or doc.endswith('"'):
        raise ValueError(f"docstring {doc[:40]!r}... cannot be written between triple quotes; teach the generator")
    # Written from the cleaned text, re-indented as source would be, so the output does not depend on the
    # Python that runs the generator (3.13 strips docstring indentation at compile time; 3.11 keeps it).
    first, *rest = inspect.cleandoc(doc).replace(chr(92), chr(92) * 2).split("\n")
    if not rest:
        return [f'{indent}"""{first}"""']
    body = [f"{indent}{line}" if line else "" for line in rest]
    if doc.rstrip(" \t").endswith("\n"):  # the closing quotes were on a line of their own
        return [f'{indent}"""{first}', *body, f'{indent}"""']
    return [f'{indent}"""{first}', *body[:-1], f'{body[-1]}"""']


def _defaults(function: Callable[..., Any]) -> dict[str, str]:
    """The source text of each parameter default, as written (the formatter's quotes kept)."""
    source = textwrap.dedent(inspect.getsource(function))
    tree = ast.parse(source)
    node = tree.body[0]
    assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
    args = node.args
    positional = args.posonlyargs + args.args
    pairs = list(zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True))
    pairs += [(a, d) for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True) if d is not None]
    texts: dict[str, str] = {}
    for arg, default in pairs:
        text = ast.get_source_segment(source, default)
        if text is None or "\n" in text:
            text = ast.unparse(default)
        texts[arg.arg] = text
    return texts


_STARS: dict[Any, str] = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}


def _signature(method: _Method, imports: _Imports, renames: dict[str, str]) -> tuple[list[str], str]:
    """The rendered parameters and return annotation of a protocol method."""
    function = method.function
    module = function.__module__
    signature = inspect.signature(function)
    defaults = _defaults(function)
    params: list[str] = []
    star_done = False
    previous: Any = None
    for parameter in signature.parameters.values():
        kind = parameter.kind
        if previous is inspect.Parameter.POSITIONAL_ONLY and kind is not inspect.Parameter.POSITIONAL_ONLY:
            params.append("/")
        if kind is inspect.Parameter.KEYWORD_ONLY and not star_done:
            params.append("*")
            star_done = True
        prefix = _STARS.get(kind, "")
        star_done = star_done or kind is inspect.Parameter.VAR_POSITIONAL
        text = prefix + parameter.name
        annotation = parameter.annotation
        if annotation is not inspect.Parameter.empty:
            if not isinstance(annotation, str):
                raise TypeError(f"{function.__qualname__}: annotations must be strings (from __future__ import ...)")
            imports.use(annotation, module)
            text += f": {annotation}"
        if parameter.default is not inspect.Parameter.empty:
            imports.use(defaults[parameter.name], module)
            equals = "=" if annotation is inspect.Parameter.empty else " = "
            text += equals + defaults[parameter.name]
        params.append(text)
        previous = kind
    if previous is inspect.Parameter.POSITIONAL_ONLY:
        params.append("/")
    returns = signature.return_annotation
    if returns is inspect.Signature.empty:
        raise TypeError(f"{function.__qualname__}: no return annotation")
    if not isinstance(returns, str):
        raise TypeError(f"{function.__qualname__}: annotations must be strings (from __future__ import ...)")
    if method.is_async or _names(returns) & renames.keys():
        returns = translate_return(returns, renames)
    imports.use(returns, module)
    return params, returns


def _def_lines(name: str, params: list[str], returns: str) -> list[str]:
    """A ``def`` line as ``ruff format`` lays it out: one line, else the parameters on one indented line, else
    one parameter per line with a trailing comma."""
    one = f"{INDENT}def {name}({', '.join(params)}) -> {returns}:"
    if len(one) <= LINE_LENGTH:
        return [one]
    inner = INDENT * 2 + ", ".join(params)
    if len(inner) <= LINE_LENGTH:
        return [f"{INDENT}def {name}(", inner, f"{INDENT}) -> {returns}:"]
    return [f"{INDENT}def {name}(", *(f"{INDENT * 2}{p}," for p in params), f"{INDENT}) -> {returns}:"]


def _render_protocol(protocol: _Protocol, imports: _Imports, renames: dict[str, str]) -> list[str]:
    cls = protocol.cls
    lines = [f"class {protocol_name(cls)}(Protocol):"]
    lines += _docstring(cls.__doc__, INDENT) or [f'{INDENT}"""The ``{cls.__name__}`` namespace, sync."""']
    source = f"{cls.__module__}.{cls.__qualname__}"
    lines += ["", f"{INDENT}# {source}"]
    if protocol.children:
        lines.append("")
        lines += [f"{INDENT}{name}: {protocol_name(child)}" for name, child in protocol.children.items()]
    for method in protocol.methods:
        params, returns = _signature(method, imports, renames)
        lines.append("")
        lines += _def_lines(method.name, params, returns)
        lines += _docstring(method.function.__doc__, INDENT * 2) or [f"{INDENT * 2}..."]
    return lines


def _render_wrapped(cls: type, imports: _Imports, renames: dict[str, str]) -> list[str]:
    """The protocol of an async-object class as the sync client presents it (``_sync._SyncObject``)."""
    lines = [f"class {protocol_name(cls)}(Protocol):"]
    lines += _docstring(cls.__doc__, INDENT) or [f'{INDENT}"""``{cls.__name__}``, sync."""']
    lines += ["", f"{INDENT}# {cls.__module__}.{cls.__qualname__}"]
    members = {n: v for base in reversed(cls.__mro__[:-1]) for n, v in vars(base).items()}
    where = cls.__qualname__
    for name, value in members.items():
        if name.startswith("_"):
            continue
        lines.append("")
        if isinstance(value, property):
            getter = value.fget
            assert getter is not None, f"{where}.{name}: property without a getter"
            _, returns = _signature(_Method(name, getter, False), imports, renames)
            lines += [f"{INDENT}@property", f"{INDENT}def {name}(self) -> {returns}:"]
            lines += _docstring(getter.__doc__, INDENT * 2) or [f"{INDENT * 2}..."]
        elif inspect.iscoroutinefunction(value):
            params, returns = _signature(_Method(name, value, True), imports, renames)
            lines += _def_lines(name, params, returns)
            lines += _docstring(value.__doc__, INDENT * 2) or [f"{INDENT * 2}..."]
        else:
            raise TypeError(f"{where}.{name}: {type(value).__name__} member of a wrapped class; teach the generator")
    def dunder(name: str, source: str, returns: str | None = None) -> None:
        """``name`` in place of the async ``source`` (its parameters and docstring), returning ``returns``."""
        function = members[source]
        params, translated = _signature(_Method(source, function, True), imports, renames)
        lines.append("")
        lines.extend(_def_lines(name, params, returns or translated))
        lines.extend(_docstring(function.__doc__, INDENT * 2) or [f"{INDENT * 2}..."])

    if "__aenter__" in members:
        dunder("__enter__", "__aenter__")
        dunder("__exit__", "__aexit__")
    if "__anext__" in members:
        _, item = _signature(_Method("__anext__", members["__anext__"], True), imports, renames)
        imports.add("collections.abc", "Iterator")
        dunder("__iter__", "__aiter__", f"Iterator[{item}]")
        dunder("__next__", "__anext__")
    return lines


def generate() -> str:
    """The source of :mod:`pyjexactyl._sync_types` for the async tree as it is now."""
    protocols, roots = _walk()
    wrapped = wrapped_classes(protocols)
    renames = {cls.__name__: protocol_name(cls) for cls in wrapped}
    imports = _Imports(set(renames.values()))
    imports.add("typing", "Protocol")
    body: list[str] = []
    for protocol in protocols.values():
        body += ["", "", *_render_protocol(protocol, imports, renames)]
    for cls in wrapped:
        body += ["", "", *_render_wrapped(cls, imports, renames)]
    body += [
        "",
        "",
        "class SyncRoot(Protocol):",
        f'{INDENT}"""The namespaces of the sync client :class:`~pyjexactyl.Jexactyl` (``api.client`` ...)."""',
        "",
    ]
    body += [f"{INDENT}{name}: {protocol_name(cls)}" for name, cls in roots.items()]
    names = sorted([*(protocol_name(p.cls) for p in protocols.values()), *renames.values(), "SyncRoot"])
    header = [
        f"# Generated by {PACKAGE}/_gen_sync_types.py from the async endpoint tree; do not edit.",
        f"# Regenerate with: {REGENERATE}",
        '"""Typed interfaces of the sync client, for type checkers and IDEs.',
        "",
        "One :class:`typing.Protocol` per endpoint namespace, mirroring the ``async`` methods as plain ones (a",
        "paginated list comes back as a :class:`~pyjexactyl.PaginatedResponse`). :class:`~pyjexactyl.Jexactyl`",
        "declares its namespaces with these types; at run time it still wraps the async tree generically.",
        '"""',
        "",
        *imports.render(),
        "__all__ = [",
        *(f'{INDENT}"{name}",' for name in names),
        "]",
    ]
    return "\n".join(header + body) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {__name__}", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the checked-in module is stale")
    parser.add_argument("--output", type=Path, default=TARGET, help="where to write (default: %(default)s)")
    args = parser.parse_args(argv)
    source = generate()
    current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
    if args.check:
        if current != source:
            print(f"{args.output} is stale; regenerate with: {REGENERATE}", file=sys.stderr)
            return 1
        return 0
    if current != source:
        args.output.write_text(source, encoding="utf-8")
        print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
