"""The report of ``python -m bot check``: one result per check (✔ / ! / ✘ / -) and the verdict, printed with
secrets redacted."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .logs import RedactingFilter

__all__ = ["CheckReport", "CheckResult", "Status"]


class Status(enum.Enum):
    OK = "✔"
    WARN = "!"
    FAIL = "✘"
    SKIP = "-"


@dataclass(frozen=True)
class CheckResult:
    """One line of the report."""

    name: str
    status: Status
    detail: str

    @property
    def failed(self) -> bool:
        return self.status is Status.FAIL


@dataclass
class CheckReport:
    """Every result, and whether the bot can start."""

    results: list[CheckResult] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not any(r.failed for r in self.results)

    def add(self, name: str, status: Status, detail: str) -> CheckResult:
        result = CheckResult(name, status, detail)
        self.results.append(result)
        return result

    def lines(self) -> list[str]:
        """The printed report: one line per check, then a verdict, secrets redacted."""
        redactor = RedactingFilter(self.secrets)
        out = [redactor.redact(f"{r.status.value} {r.name}: {r.detail}") for r in self.results]
        failures = sum(r.failed for r in self.results)
        if failures:
            out.append(f"{failures} check(s) failed: the bot cannot start until they are fixed.")
        else:
            out.append("All checks passed: the bot can start.")
        return out
