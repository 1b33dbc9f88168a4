"""One problem of an input that was refused: where it is and what is wrong, in Chinese.

Shared by bundle checks (``where`` is a JSON path such as ``$.requests[3].reply.outcome``), rubric
checks (a location such as ``indicators[id=10].params.bands[1]``) and Excel imports (``sheet!cell``).
The pure rubric package uses it too, so this module imports neither Flask nor SQLAlchemy."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}：{self.message}"
