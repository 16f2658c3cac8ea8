"""Fault injection: the next N matching requests fail, get broken JSON, lose their connection, or get a body
streamed in chunks (without ``Content-Length``, possibly without end)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Fault", "FaultQueue"]


@dataclass
class Fault:
    """One queued fault. ``kind`` is ``"status"``, ``"malformed"``, ``"drop"`` or ``"stream"``."""

    kind: str
    remaining: int
    status: int = 500
    html: bool = False
    body: str | bytes | Mapping[str, Any] | None = None
    path_prefix: str | None = None
    retry_after: float | None = None
    headers: Mapping[str, str] | None = None
    chunk_size: int = 16384

    def matches(self, path: str) -> bool:
        """Whether the fault applies to ``path``."""
        return self.path_prefix is None or path.startswith(self.path_prefix)


class FaultQueue:
    """Faults in the order they were queued; the first matching one with uses left is taken."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def add(self, fault: Fault) -> None:
        """Queue a fault (ignored when its count is below 1)."""
        if fault.remaining < 1:
            return
        with self._lock:
            self._faults.append(fault)

    def take(self, path: str) -> Fault | None:
        """Consume one use of the first fault matching ``path``."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(path):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def clear(self) -> None:
        """Drop every queued fault."""
        with self._lock:
            self._faults.clear()

    def pending(self) -> int:
        """How many faulty responses are still queued."""
        with self._lock:
            return sum(f.remaining for f in self._faults)
