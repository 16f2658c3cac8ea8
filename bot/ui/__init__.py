"""Discord UI pieces: the paginator, the confirmation view and the key-linking modal."""

from .base import BotModal, BotView
from .confirm import ConfirmView, confirm
from .paginator import ListPageSource, PageSource, Paginator

__all__ = ["BotModal", "BotView", "ConfirmView", "ListPageSource", "PageSource", "Paginator", "confirm"]
