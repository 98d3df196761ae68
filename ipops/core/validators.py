"""Validators for identifiers the platform receives (unified social credit code, GB 32100-2015)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 code characters (no I, O, S, V, Z) and the weights of positions 1–17.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def normalise_uscc(raw: str) -> str:
    """Upper-case, drop spaces and hyphens, fold full-width characters to ASCII."""
    folded = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in str(raw))
    return "".join(folded.split()).replace("-", "").upper()


def uscc_check_character(body: str) -> str:
    """The 18th character for the first 17 (which must already be valid code characters)."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(body, USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def validate_uscc(value: str) -> None:
    code = normalise_uscc(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(n)d."),
            code="uscc_length",
            params={"n": len(code)},
        )
    bad = sorted({c for c in code if c not in USCC_CHARSET})
    if bad:
        raise ValidationError(
            _("The unified social credit code contains characters it cannot have: %(chars)s."),
            code="uscc_charset",
            params={"chars": " ".join(bad)},
        )
    if not code[8:16].isalnum() or not code[2:8].isdigit():
        raise ValidationError(
            _("Characters 3–8 of a unified social credit code are the region code and must be digits."),
            code="uscc_region",
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The check character of this unified social credit code is wrong "
                "(the last character should be %(expected)s): please check the code for a typing error."
            ),
            code="uscc_check",
            params={"expected": expected},
        )
