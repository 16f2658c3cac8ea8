"""Discord UI pieces: the paginator, the confirmation view and the key-linking modal."""

from .confirm import ConfirmView, confirm
from .paginator import ListPageSource, PageSource, Paginator

__all__ = ["ConfirmView", "ListPageSource", "PageSource", "Paginator", "confirm"]
