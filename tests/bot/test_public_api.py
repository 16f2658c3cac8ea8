"""The bot uses discord.py's public API only, so that any discord.py in ``>=2.7,<3`` works.

Read from the sources: no private attribute (``x._name``, ``getattr(x, "_name")``) of anything but the
bot's own objects, no assignment to anything of discord.py outside ``bot/discord_endpoints.py`` (the one
module that sets the two documented endpoint attributes), and every view and form derives from the bot's
own base classes (which track interactions and name them in the log).
"""

from __future__ import annotations

import ast
import importlib
import inspect
from collections.abc import Iterator
from pathlib import Path

import discord

from bot.ui.base import BotModal, BotView

ROOT = Path(__file__).resolve().parents[2]
SOURCES = sorted([*(ROOT / "bot").rglob("*.py"), *(ROOT / "cogs").glob("*.py")])
ENDPOINTS_MODULE = ROOT / "bot" / "discord_endpoints.py"


def parsed() -> Iterator[tuple[Path, ast.Module]]:
    for path in SOURCES:
        yield path, ast.parse(path.read_text(), filename=str(path))


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute | ast.Call | ast.Subscript):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else None


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _defined_private_names(cls: ast.ClassDef) -> set[str]:
    """Private names a class of the bot defines itself: methods, class attributes, ``self._x = ...``."""
    names = set()
    for node in ast.walk(cls):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and _private(node.name):
            names.add(node.name)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _private(node.attr):
            names.add(node.attr)
        elif isinstance(node, ast.AnnAssign | ast.Assign):
            targets = [node.target] if isinstance(node, ast.AnnAssign) else node.targets
            names |= {t.id for t in targets if isinstance(t, ast.Name) and _private(t.id)}
    return names


def test_no_private_attribute_of_anything_but_the_bots_own_objects() -> None:
    """``self._x`` only where the bot's own class (or a base class of the bot's) defines ``_x``: a subclass
    of a discord.py class must not reach into its base's internals (``self._connection``); ``X._y`` only
    for the bot's own classes ``X``."""
    classes = {node.name: node for _, tree in parsed() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}

    def own_names(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        cls = classes.get(name)
        if cls is None or name in seen:
            return set()
        names = _defined_private_names(cls)
        for base in cls.bases:
            base_name = ast.unparse(base).split("[")[0].split(".")[-1]
            names |= own_names(base_name, seen | {name})
        return names

    found = []
    for path, tree in parsed():
        for cls_or_module in [tree, *[n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)]]:
            allowed = own_names(cls_or_module.name) if isinstance(cls_or_module, ast.ClassDef) else set()
            body = (
                cls_or_module.body
                if isinstance(cls_or_module, ast.ClassDef)
                else [n for n in cls_or_module.body if not isinstance(n, ast.ClassDef)]
            )
            for node in (inner for statement in body for inner in ast.walk(statement)):
                where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
                if isinstance(node, ast.Attribute) and _private(node.attr):
                    base = node.value.id if isinstance(node.value, ast.Name) else None
                    if base in ("self", "cls") and node.attr in allowed:
                        continue
                    if base in classes:
                        continue
                    found.append(f"{where}: {ast.unparse(node)}")
                elif isinstance(node, ast.Call) and ast.unparse(node.func) in ("getattr", "setattr", "hasattr"):
                    name = node.args[1] if len(node.args) > 1 else None
                    if isinstance(name, ast.Constant) and isinstance(name.value, str) and _private(name.value):
                        found.append(f"{where}: {ast.unparse(node)}")
    assert sorted(set(found)) == []


def test_nothing_of_discord_py_is_assigned_outside_the_endpoints_module() -> None:
    found = []
    for path, tree in parsed():
        if path == ENDPOINTS_MODULE:
            continue
        for node in ast.walk(tree):
            targets: list[ast.expr] = []
            if isinstance(node, ast.Assign):
                targets = list(node.targets)
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and _root_name(target) == "discord":
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                if node.func.attr in ("set_task_factory", "setattr") or (
                    isinstance(node.func.value, ast.Name) and node.func.value.id == "parsers"
                ):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.func.attr}")
    assert found == []


def test_the_endpoints_module_sets_only_the_two_documented_attributes() -> None:
    tree = ast.parse(ENDPOINTS_MODULE.read_text())
    assigned = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                elements = target.elts if isinstance(target, ast.Tuple) else [target]
                assigned |= {ast.unparse(e) for e in elements if _root_name(e) == "discord"}
    assert assigned == {"discord.http.Route.BASE", "discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY"}


def test_every_view_and_form_derives_from_the_bots_base_classes() -> None:
    modules = [
        importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for path in SOURCES
        if path.name != "__main__.py"
    ]
    views = {
        cls
        for module in modules
        for _, cls in inspect.getmembers(module, inspect.isclass)
        if cls.__module__ == module.__name__ and issubclass(cls, discord.ui.View | discord.ui.Modal)
    }
    assert len(views) >= 4  # ConfirmView, Paginator, LinkModal, the page-jump form
    for cls in views - {BotView, BotModal}:
        assert issubclass(cls, BotView | BotModal), cls
    # ... and nothing builds a bare discord.py view or form.
    for path, tree in parsed():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and ast.unparse(node.func) in ("discord.ui.View", "discord.ui.Modal"):
                raise AssertionError(f"{path.relative_to(ROOT)}:{node.lineno} builds a bare {ast.unparse(node.func)}")
