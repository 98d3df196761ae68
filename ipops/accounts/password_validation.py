"""Password policy beyond Django's built-ins: character classes and no reuse of recent passwords."""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

CLASSES = (
    ("lower", set(string.ascii_lowercase)),
    ("upper", set(string.ascii_uppercase)),
    ("digit", set(string.digits)),
)


def character_classes(password: str) -> int:
    """How many of: lower-case, upper-case, digits, other characters the password uses."""
    used = sum(1 for _name, chars in CLASSES if any(c in chars for c in password))
    if any(not c.isascii() or not c.isalnum() for c in password):
        used += 1
    return used


class CharacterClassValidator:
    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "The password must mix at least %(n)d of: lower-case letters, upper-case letters, "
                    "digits, symbols."
                )
                % {"n": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        return _("Use at least %(n)d of: lower-case letters, upper-case letters, digits, symbols.") % {
            "n": self.min_classes
        }


class PasswordHistoryValidator:
    def __init__(self, history: int = 5) -> None:
        self.history = history

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or getattr(user, "pk", None) is None or self.history <= 0:
            return
        recent = [user.password] if user.password else []
        if user._state.adding is False:
            # the current password counts as one of the last N
            recent += list(user.password_history.values_list("password", flat=True)[: self.history - 1])
        if any(check_password(password, old) for old in recent):
            raise ValidationError(
                ngettext(
                    "The password must not be the same as your last password.",
                    "The password must not be any of your last %(n)d passwords.",
                    self.history,
                )
                % {"n": self.history},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        return ngettext(
            "You must not reuse your last password.",
            "You must not reuse any of your last %(n)d passwords.",
            self.history,
        ) % {"n": self.history}
