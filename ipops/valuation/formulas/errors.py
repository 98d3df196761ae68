"""The one error the formulas raise for bad input: which field, and a message the user can act on."""

from __future__ import annotations

from typing import Any


class ValuationInputError(ValueError):
    """Bad input to a valuation formula. `field` names the input; `message` is translatable text."""

    def __init__(self, field: str, message: Any) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"
