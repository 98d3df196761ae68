"""Registration numbers, Nice classes and region codes of non-patent IP assets: normalised, then checked."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from ipops.assets.rules import nice_class_range

# 商标注册号: digits (1–10); international registrations under Madrid start with G.
TRADEMARK_NUMBER = re.compile(r"^G?\d{1,10}$")
# 软件著作权登记号 2023SR0123456, 作品登记号 国作登字-2023-F-00012345 / 京作登字-2019-A-00123456.
COPYRIGHT_NUMBER = re.compile(r"^[0-9A-Z\u3400-\u9fff][0-9A-Z\u3400-\u9fff/\-]{3,39}$")
_SPLIT_CLASSES = re.compile(r"[\s,;，；、/|]+")
_REGION_CODE = re.compile(r"^\d{6}$")


def fold(raw: Any) -> str:
    """Full-width to half-width (NFKC), trimmed, inner whitespace collapsed."""
    text = unicodedata.normalize("NFKC", "" if raw is None else str(raw))
    return " ".join(text.split())


def normalise_trademark_number(raw: Any) -> str:
    """``第 12345678 号`` → ``12345678``; ``g1234567`` → ``G1234567``."""
    text = fold(raw).replace(" ", "").upper()
    if text.startswith("第") and text.endswith("号"):
        text = text[1:-1]
    return text


def normalise_copyright_number(raw: Any) -> str:
    return fold(raw).replace(" ", "").upper()


def normalise_approval_number(raw: Any) -> str:
    return fold(raw)


def validate_trademark_number(value: str) -> None:
    """Checks the number as it will be stored (a form validates before the model normalises)."""
    if not TRADEMARK_NUMBER.fullmatch(normalise_trademark_number(value)):
        raise ValidationError(
            _("“%(value)s” is not a trademark registration number (digits only, G before a Madrid number).")
            % {"value": value},
            code="trademark_number",
        )


def validate_copyright_number(value: str) -> None:
    if not COPYRIGHT_NUMBER.fullmatch(normalise_copyright_number(value)):
        raise ValidationError(
            _(
                "“%(value)s” is not a copyright registration number such as 2023SR0123456 or "
                "国作登字-2023-F-00012345."
            )
            % {"value": value},
            code="copyright_number",
        )


def parse_nice_classes(raw: Any) -> list[int]:
    """``9; 35，第42类`` → ``[9, 35, 42]`` (sorted, each once). An empty cell gives []."""
    if isinstance(raw, list | tuple):
        tokens = [str(v) for v in raw]
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        tokens = [str(int(raw)) if float(raw).is_integer() else str(raw)]
    else:
        tokens = _SPLIT_CLASSES.split(fold(raw))
    classes: set[int] = set()
    for token in tokens:
        token = token.strip()
        if token.startswith("第"):
            token = token[1:]
        if token.endswith("类"):
            token = token[:-1]
        if not token:
            continue
        if not token.isascii() or not token.isdigit():
            raise ValidationError(
                _("“%(value)s” is not a Nice class number.") % {"value": token}, code="nice_class"
            )
        classes.add(int(token))
    validate_nice_classes(sorted(classes))
    return sorted(classes)


def validate_nice_classes(value: Any) -> None:
    """A list of whole numbers within the Nice classification (1–45, see rules.json)."""
    low, high = nice_class_range()
    if not isinstance(value, list) or not all(isinstance(v, int) and not isinstance(v, bool) for v in value):
        raise ValidationError(_("Nice classes must be a list of class numbers."), code="nice_class")
    for number in value:
        if not low <= number <= high:
            raise ValidationError(
                _("Class %(value)d is not a Nice class (%(low)d–%(high)d).")
                % {"value": number, "low": low, "high": high},
                code="nice_class",
            )
    if len(set(value)) != len(value):
        raise ValidationError(_("A Nice class is given twice."), code="nice_class")


def validate_region_code(value: str) -> None:
    """Six digits of GB/T 2260, and a known code when the bundled tables are there."""
    if not value:
        return
    if not _REGION_CODE.fullmatch(value):
        raise ValidationError(
            _("“%(value)s” is not a six-digit GB/T 2260 region code.") % {"value": value}, code="region"
        )
    from ipops.patents.filters import region_names

    names = region_names()
    if names and value not in names:
        raise ValidationError(
            _("%(value)s is not a region code of GB/T 2260.") % {"value": value}, code="region"
        )


NORMALISERS = {
    "trademark": normalise_trademark_number,
    "copyright": normalise_copyright_number,
    "gi": normalise_approval_number,
}


def normalise_number(kind: str, raw: Any) -> str:
    """The stored form of a trademark, copyright or GI number, whatever spelling it was typed in."""
    return NORMALISERS[kind](raw)
