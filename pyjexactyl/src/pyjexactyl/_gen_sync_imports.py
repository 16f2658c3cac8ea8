"""Where the names used in endpoint annotations come from, for :mod:`pyjexactyl._gen_sync_types`: each name's
defining module (following this package's re-exports) and the import block of the generated module."""

from __future__ import annotations

import ast
import builtins
import importlib.util
import inspect
import sys
from types import ModuleType
from typing import Any

__all__ = ["PACKAGE", "RENAMES"]

RENAMES = {"AsyncPaginatedResponse": "PaginatedResponse"}
"""Return types the sync client translates (see ``pyjexactyl._sync._wrap``)."""
PACKAGE = __package__ or "pyjexactyl"


def _resolve(name: str, module_name: str) -> Any:
    """The object ``name`` stands for in an annotation written in ``module_name`` (``None`` if unknown)."""
    if hasattr(builtins, name) and name not in vars(sys.modules[module_name]):
        return None
    try:
        home = _home(module_name, name)
    except LookupError:
        return None
    module = sys.modules.get(home)
    return getattr(module, name, None) if module is not None else None


def _module_imports(module: ModuleType) -> dict[str, tuple[str, str]]:
    """``{local name: (absolute module, name there)}`` for the module's ``from ... import`` statements."""
    tree = ast.parse(inspect.getsource(module))
    found: dict[str, tuple[str, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            absolute = importlib.util.resolve_name(source, module.__package__) if node.level else source
            for alias in node.names:
                found[alias.asname or alias.name] = (absolute, alias.name)
    return found


def _home(module_name: str, name: str) -> str:
    """The module that defines ``name`` as seen from ``module_name`` (following this package's re-exports)."""
    while True:
        module = sys.modules[module_name]
        imported = _module_imports(module).get(name)  # a TYPE_CHECKING import counts too
        if imported is None:
            if not hasattr(module, name):
                raise LookupError(f"{name!r} used in an annotation is not defined in {module_name}")
            return module_name
        module_name, original = imported
        if original != name:
            raise LookupError(f"{name!r} is imported under another name in {module.__name__}; teach the generator")
        if module_name != PACKAGE and not module_name.startswith(PACKAGE + "."):
            return module_name


def _names(annotation: str) -> set[str]:
    return {node.id for node in ast.walk(ast.parse(annotation, mode="eval")) if isinstance(node, ast.Name)}


class _Imports:
    def __init__(self, local: set[str] | None = None) -> None:
        self.by_module: dict[str, set[str]] = {}
        self.origin: dict[str, str] = {}
        self.local = local or set()
        """Names the generated module defines itself (the wrapped classes' protocols)."""

    def add(self, module: str, name: str) -> None:
        if self.origin.setdefault(name, module) != module:
            raise LookupError(f"{name!r} comes from both {self.origin[name]} and {module}; teach the generator")
        self.by_module.setdefault(module, set()).add(name)

    def use(self, annotation: str, seen_from: str) -> None:
        for name in sorted(_names(annotation)):
            if name in RENAMES.values():
                self.add(f"{PACKAGE}.responses", name)
            elif name in self.local:
                continue
            elif not hasattr(builtins, name) or name in vars(sys.modules[seen_from]):
                if hasattr(builtins, name):
                    raise LookupError(f"{seen_from} shadows the builtin {name!r}; teach the generator")
                self.add(_home(seen_from, name), name)

    def render(self) -> list[str]:
        """isort-ordered ``from`` imports: standard library, third party, then this package (relative)."""
        groups: tuple[list[str], list[str], list[str]] = ([], [], [])
        for module in sorted(self.by_module):
            names = ", ".join(sorted(self.by_module[module]))
            if module.startswith(PACKAGE + "."):
                groups[2].append(f"from .{module[len(PACKAGE) + 1 :]} import {names}")
            else:
                group = groups[0] if module.partition(".")[0] in sys.stdlib_module_names else groups[1]
                group.append(f"from {module} import {names}")
        lines = ["from __future__ import annotations", ""]
        for group in groups:
            lines += [*group, ""] if group else []
        return lines
