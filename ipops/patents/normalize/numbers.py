"""Patent numbers as people and spreadsheets write them, normalised (pure functions, no database).

Chinese application numbers (申请号)
    Since 2003-10-01: 12 digits + check character, written ``201220249767.4`` (CNIPA exports prefix ``CN``,
    grant certificates ``ZL``). Digits 1–4 are the filing year, digit 5 the type (1 invention, 2 utility model,
    3 design, 8 invention and 9 utility model entering the national phase from a PCT application), digits
    6–12 a serial number. Before: 8 digits (2-digit year, type digit, 5-digit serial) + check character,
    ``97123456.X``. The check character is the weighted digit sum (weights 2, 3, …, 9, 2, 3, 4, 5 from the
    left) modulo 11, with 10 written ``X``. Because every weight is non-zero modulo 11, any single wrong digit
    and any swap of two different adjacent digits changes the check character.

Publication numbers (公开/公告号)
    ``country + serial + kind``: ``CN202644312U``, ``US8123456B2``, ``US20140123456A1``, ``EP1234567A1``,
    ``WO2014123456A1``. Serials are normalised the way EPO DOCDB writes them (EP padded to 7 digits, WO as
    a 4-digit year + 6-digit serial, US application publications as year + 7 digits).

Spreadsheets
    A spreadsheet that takes a 13-digit application number for a number shows ``2.01E+12`` (digits lost) or
    ``2012202497674.0``; it drops the leading zeros of ``00129265.3``. Such values are reported
    (``spreadsheet_mangled``), never guessed back.

Every failure raises `NumberError`, whose ``code`` is one of `ERROR_CODES` and whose ``message`` is a
translated sentence for the user.
"""

from __future__ import annotations

import operator
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Final

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise

__all__ = [
    "ERROR_CODES",
    "CnApplicationNumber",
    "NumberError",
    "PublicationNumber",
    "cn_check_character",
    "is_spreadsheet_mangled",
    "parse_cn_application_number",
    "parse_publication_number",
    "patent_type_from_publication",
]

INVENTION: Final = "invention"
UTILITY_MODEL: Final = "utility_model"
DESIGN: Final = "design"

ERROR_CODES: Final = frozenset(
    {
        "empty",  # nothing but white space
        "unrecognised",  # no known shape at all
        "spreadsheet_mangled",  # 2.02E+12, 2012202497674.0, lost leading zeros: report, never store
        "cn_length",  # digits and check, but not 8 or 12 digits
        "cn_year",  # impossible filing year (12-digit before 2003 or in the future; 8-digit not 85–03)
        "cn_type",  # type digit not 1, 2, 3, 8 or 9
        "cn_check_digit",  # wrong check character; params["expected"] is the right one
        "cn_check_missing",  # no check character (see allow_missing_check)
        "cn_publication_given",  # a publication number where an application number was asked for
        "cn_application_given",  # an application number where a publication number was asked for
        "country_missing",  # publication number without country code
        "country_unknown",  # two letters that are no WIPO ST.3 code
        "kind_invalid",  # kind code that office does not use (checked for CN, US, EP, WO)
        "cn_kind_mismatch",  # CN kind code of another patent type than the serial's leading digit
        "publication_length",  # serial length that office does not issue (CN, US, EP, WO)
    }
)


class NumberError(ValueError):
    """A patent number that cannot be accepted.

    ``code`` is stable (see `ERROR_CODES`), ``raw`` is the input as given, ``message`` is the sentence for the
    user in the active language (computed when read, so an error created at import time still follows the
    request's language). ``template``/``params`` are the untranslated parts, for `as_validation_error`.
    """

    def __init__(self, code: str, template: _StrOrPromise, raw: str, **params: object) -> None:
        if code not in ERROR_CODES:
            raise AssertionError(f"undeclared error code {code!r}")
        super().__init__(code, raw)
        self.code = code
        self.template = template
        self.raw = raw
        self.params: dict[str, object] = {"raw": raw, **params}

    @property
    def message(self) -> str:
        return str(self.template) % self.params

    def __str__(self) -> str:
        return self.message

    def as_validation_error(self) -> ValidationError:
        """The same error for a Django form or model field."""
        return ValidationError(self.template, code=self.code, params=self.params)


# ---------------------------------------------------------------------------------------------------------
# Input folding and spreadsheet artefacts

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_EXTRA_FOLDS = str.maketrans(
    {"。": ".", "、": ",", "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "―": "-"}
)
_SPACE = re.compile(r"\s+")


def _fold(raw: str) -> str:
    """Full-width → ASCII (NFKC), ideographic punctuation → ASCII, invisible characters gone, upper case,
    surrounding space stripped. Inner spaces are kept (collapsed to one)."""
    raw = str(raw)
    if raw.isascii():  # the usual case: NFKC and the folds change nothing in ASCII
        return " ".join(raw.split()).upper()
    text = unicodedata.normalize("NFKC", raw).translate(_INVISIBLE).translate(_EXTRA_FOLDS)
    return _SPACE.sub(" ", text).strip().upper()


# Spreadsheets write 2.02E+12, 2E+12, 2,02E+12 (decimal comma); an integer mantissa needs the exponent's sign,
# so that a kind code such as E1 after a serial is not taken for an exponent.
_SCIENTIFIC = re.compile(r"(?:[A-Z]{2})?[+-]?[0-9]+(?:[.,][0-9]+E[+-]?|E[+-])[0-9]{1,3}", re.ASCII)
_FLOAT_TAIL = re.compile(r"(?:[A-Z]{2})?([0-9]+)(?:\.(0+)|,(0))", re.ASCII)


def is_spreadsheet_mangled(raw: str) -> bool:
    """Whether ``raw`` is what a spreadsheet makes of a long number it took for a quantity.

    True for scientific notation (``2.02E+12``, ``2.01220E+11``, ``2,02E+12``, also behind a country prefix)
    and for float renderings (``2012202497674.0``, ``201220249767.00``). A single ``.0`` after 8 or 12 digits
    is *not* an artefact: that is a legitimate check digit (``201220249767.0``). Dropped leading zeros cannot
    be seen without knowing what the number should be; `parse_cn_application_number` reports those.
    """
    return _is_mangled_folded(_fold(raw).replace(" ", ""))


def _is_mangled_folded(text: str) -> bool:
    """`is_spreadsheet_mangled` of a folded text without spaces."""
    if "E" not in text and "." not in text and "," not in text:
        return False  # neither notation: the usual case, decided without a regular expression
    if _SCIENTIFIC.fullmatch(text):
        return True
    tail = _FLOAT_TAIL.fullmatch(text)
    if tail is None:
        return False
    digits, zeros, comma_zero = tail.groups()
    return comma_zero is not None or len(zeros) > 1 or len(digits) not in (8, 12)


def _mangled_error(raw: str) -> NumberError:
    return NumberError(
        "spreadsheet_mangled",
        _(
            "“%(raw)s” is a number a spreadsheet has reformatted (scientific notation or a decimal point), "
            "which loses or hides digits. Format the column as text in the spreadsheet, re-enter the "
            "numbers and export again."
        ),
        raw,
    )


# ---------------------------------------------------------------------------------------------------------
# Chinese application numbers

_CN_TYPES: Final[dict[str, tuple[str, bool]]] = {
    "1": (INVENTION, False),
    "2": (UTILITY_MODEL, False),
    "3": (DESIGN, False),
    "8": (INVENTION, True),
    "9": (UTILITY_MODEL, True),
}
FIRST_12_DIGIT_YEAR: Final = 2003  # the 12-digit form started on 2003-10-01
FIRST_CN_YEAR: Final = 1985  # the Patent Law took effect on 1985-04-01

_CN_APPLICATION = re.compile(r"(?:CN|ZL)?([0-9]{8}|[0-9]{12})(?:\.?([0-9X]))?", re.ASCII)
_CN_DIGITS_WITH_CHECK = re.compile(r"(?:CN|ZL)?([0-9]+)(\.[0-9X]|X)?", re.ASCII)
# A publication number (with kind, or 9 digits starting 1–3, which no 8-digit application number + check does).
_CN_PUBLICATION_SHAPE = re.compile(r"(?:CN)?(?:[0-9]{7,9}[A-WYZ][0-9]?|[1-3][0-9]{8})", re.ASCII)


_CHECK_WEIGHTS: Final = tuple(2 + i % 8 for i in range(12))
_CHECK_OFFSET: Final = {n: 48 * sum(_CHECK_WEIGHTS[:n]) for n in (8, 12)}


def cn_check_character(body: str) -> str:
    """The check character for an 8- or 12-digit application-number body ('0'–'9' or 'X')."""
    if len(body) not in (8, 12) or not (body.isascii() and body.isdigit()):
        raise ValueError(f"not an 8- or 12-digit body: {body!r}")
    # Σ digit × weight, the weights 2, 3, …, 9, 2, 3, 4, 5 (digits taken as their ASCII codes minus 48)
    total = sum(map(operator.mul, body.encode("ascii"), _CHECK_WEIGHTS)) - _CHECK_OFFSET[len(body)]
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def _latest_plausible_year() -> int:
    """No application can be filed after next year (a margin for time zones around New Year)."""
    return date.today().year + 1


def _cn_year(body: str) -> int:
    if len(body) == 12:
        return int(body[:4])
    two = int(body[:2])
    return 1900 + two if two >= 85 else 2000 + two


def _cn_type_digit(body: str) -> str:
    return body[4] if len(body) == 12 else body[2]


@dataclass(frozen=True)
class CnApplicationNumber:
    """A valid Chinese application number; build it with `parse_cn_application_number`.

    The constructor checks that the fields agree with each other, so an instance is always a valid number.
    """

    body: str
    check: str
    year: int
    patent_type: str
    pct: bool

    def __post_init__(self) -> None:
        if len(self.body) not in (8, 12) or not (self.body.isascii() and self.body.isdigit()):
            raise ValueError(f"body must be 8 or 12 digits: {self.body!r}")
        if self.check != cn_check_character(self.body):
            raise ValueError(f"check character {self.check!r} does not belong to {self.body}")
        type_digit = _cn_type_digit(self.body)
        if type_digit not in _CN_TYPES:
            raise ValueError(f"unknown type digit {type_digit!r}")
        if (self.year, (self.patent_type, self.pct)) != (_cn_year(self.body), _CN_TYPES[type_digit]):
            raise ValueError(f"year/patent_type/pct do not match {self.body}")

    @classmethod
    def _from_checked(cls, body: str, check: str) -> CnApplicationNumber:
        """An instance from what `parse_cn_application_number` has just checked (not checked again)."""
        patent_type, pct = _CN_TYPES[_cn_type_digit(body)]
        number = object.__new__(cls)
        for name, value in (
            ("body", body), ("check", check), ("year", _cn_year(body)), ("patent_type", patent_type), ("pct", pct)
        ):  # fmt: skip
            object.__setattr__(number, name, value)
        return number

    @property
    def serial(self) -> str:
        """The running number within year and type (7 digits, or 5 in the 8-digit form)."""
        return self.body[5:] if len(self.body) == 12 else self.body[3:]

    @property
    def display(self) -> str:
        """``201220249767.4`` — how CNIPA prints it without the country."""
        return f"{self.body}.{self.check}"

    @property
    def compact(self) -> str:
        """``CN2012202497674`` — the key to store and search by."""
        return f"CN{self.body}{self.check}"

    @property
    def cnipa_display(self) -> str:
        """``CN201220249767.4`` — the form of CNIPA search-platform exports."""
        return f"CN{self.display}"

    def __str__(self) -> str:
        return self.display


def parse_cn_application_number(raw: str, *, allow_missing_check: bool = False) -> CnApplicationNumber:
    """Parse a Chinese application number in any usual spelling; raise `NumberError` if it is not valid.

    Accepted: ``CN201220249767.4``, ``201220249767.4``, ``2012202497674``, ``CN2012202497674``,
    ``ZL201220249767.4``, the 8-digit form ``97123456.X`` / ``CN97123456X``, with full-width characters,
    spaces anywhere and lower-case ``x``. A number without its check character is refused
    (``cn_check_missing``) unless ``allow_missing_check`` — only for trusted sources that drop it, as some
    databases do for 1985–1988 numbers; the check character is then computed.
    """
    text = _fold(raw)
    if not text:
        raise NumberError("empty", _("Enter an application number."), raw)
    compact = text.replace(" ", "")
    if _is_mangled_folded(compact):
        raise _mangled_error(raw)
    match = _CN_APPLICATION.fullmatch(compact)
    if match is None or _CN_PUBLICATION_SHAPE.fullmatch(compact):
        raise _cn_shape_error(raw, compact)
    body, check = match.group(1), match.group(2)

    year = _cn_year(body)
    if len(body) == 12 and not FIRST_12_DIGIT_YEAR <= year <= _latest_plausible_year():
        raise NumberError(
            "cn_year",
            _(
                "“%(raw)s” cannot be a Chinese application number: it would have been filed in %(year)s, "
                "but 12-digit application numbers run from %(first)s to the present."
            ),
            raw,
            year=year,
            first=FIRST_12_DIGIT_YEAR,
        )
    if len(body) == 8 and not FIRST_CN_YEAR <= year <= FIRST_12_DIGIT_YEAR:
        raise NumberError(
            "cn_year",
            _(
                "“%(raw)s” cannot be a Chinese application number: 8-digit application numbers start with "
                "the year 85 to 03 (1985–2003), not %(yy)s."
            ),
            raw,
            year=year,
            yy=body[:2],
        )
    type_digit = _cn_type_digit(body)
    if type_digit not in _CN_TYPES:
        raise NumberError(
            "cn_type",
            _(
                "“%(raw)s” cannot be a Chinese application number: its digit %(position)s gives the patent "
                "type and must be 1, 2, 3, 8 or 9, not %(digit)s."
            ),
            raw,
            position=5 if len(body) == 12 else 3,
            digit=type_digit,
        )
    expected = cn_check_character(body)
    if check is None:
        if allow_missing_check:
            return CnApplicationNumber._from_checked(body, expected)
        raise NumberError(
            "cn_check_missing",
            _(
                "The application number “%(raw)s” lacks its check character (the digit or X after the "
                "point): please enter the complete number."
            ),
            raw,
        )
    if check != expected:
        raise NumberError(
            "cn_check_digit",
            _(
                "The check character of application number %(body)s should be %(expected)s, not %(check)s: "
                "please look for a typing error in the number."
            ),
            raw,
            body=body,
            expected=expected,
            check=check,
        )
    return CnApplicationNumber._from_checked(body, check)


def _cn_shape_error(raw: str, compact: str) -> NumberError:
    """Why ``compact`` does not have the shape of an application number."""
    if _CN_PUBLICATION_SHAPE.fullmatch(compact):
        return NumberError(
            "cn_publication_given",
            _(
                "“%(raw)s” is a publication number, not an application number. The application number "
                "has 12 digits and a check character, like 201220249767.4."
            ),
            raw,
        )
    digits = _CN_DIGITS_WITH_CHECK.fullmatch(compact)
    if digits is None:
        return NumberError(
            "unrecognised",
            _("“%(raw)s” is not a Chinese application number (like 201220249767.4)."),
            raw,
        )
    number, tail = digits.groups()
    body, check = (number, tail[-1]) if tail else (number[:-1], number[-1])
    # A spreadsheet turns 00129265.3 into 129265.3 and 001292653 into 1292653.
    if 6 <= len(body) < 8:
        padded = body.zfill(8)
        plausible = padded[:2] in ("00", "01", "02", "03") and padded[2] in _CN_TYPES
        if plausible and check == cn_check_character(padded):
            return NumberError(
                "spreadsheet_mangled",
                _(
                    "“%(raw)s” looks like an application number whose leading zeros a spreadsheet has "
                    "dropped (probably %(probable)s). Format the column as text in the spreadsheet, "
                    "re-enter the numbers and export again."
                ),
                raw,
                probable=f"{padded}.{check}",
            )
    return NumberError(
        "cn_length",
        _(
            "“%(raw)s” cannot be a Chinese application number: it has %(n)s characters, but application "
            "numbers have 12 digits and a check character (8 digits and a check character before "
            "October 2003)."
        ),
        raw,
        n=len(body) + 1,
    )


# ---------------------------------------------------------------------------------------------------------
# Publication numbers

# WIPO ST.3 codes: ISO 3166 countries with their own patent law (not overseas departments and the like),
# regional offices (EP, EA, AP, OA, GC, EM), WIPO (WO, IB) and the codes of former states still seen in
# citations (SU, DD, CS, YU).
_COUNTRY_CODES: Final = (
    "AD AE AF AG AI AL AM AO AR AT AU AW AZ BA BB BD BE BF BG BH BI BJ BM BN BO BR BS BT BW BY BZ CA CD CF CG "
    "CH CI CK CL CM CN CO CR CU CV CW CY CZ DE DJ DK DM DO DZ EC EE EG ER ES ET FI FJ FK FM FO FR GA GB GD GE "
    "GG GH GI GL GM GN GQ GR GS GT GW GY HK HN HR HT HU ID IE IL IM IN IQ IR IS IT JE JM JO JP KE KG KH KI KM "
    "KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MG MH MK ML MM MN MO MR MS MT MU MV MW MX "
    "MY MZ NA NE NG NI NL NO NP NR NU NZ OM PA PE PG PH PK PL PS PT PW PY QA RO RS RU RW SA SB SC SD SE SG SH "
    "SI SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TG TH TJ TL TM TN TO TR TT TV TW TZ UA UG US UY UZ VA VC VE "
    "VG VN VU WS YE ZA ZM ZW "
    "EP EA AP OA GC EM WO IB SU DD CS YU"
)
_COUNTRIES: Final = frozenset(_COUNTRY_CODES.split())

# Kind codes checked strictly where they are well defined; other offices accept any letter + optional digit.
_CN_KIND_TYPES: Final[dict[str, str]] = {
    "A": INVENTION,  # published application
    "B": INVENTION,  # granted patent (since 2010; earlier: examined application)
    "C": INVENTION,  # granted patent (until 2009)
    "U": UTILITY_MODEL,  # granted utility model (since 2010; earlier: announced application)
    "Y": UTILITY_MODEL,  # granted utility model (until 2009)
    "S": DESIGN,  # granted design (since 2010)
    "D": DESIGN,  # granted design (until 2009)
}
_KINDS: Final[dict[str, frozenset[str]]] = {
    "CN": frozenset(_CN_KIND_TYPES),
    "EP": frozenset({"A1", "A2", "A3", "A4", "A8", "A9", "B1", "B2", "B3", "B8", "B9"}),
    "WO": frozenset({"A1", "A2", "A3", "A4", "A8", "A9"}),
    "US": frozenset(
        {"A", "A1", "A2", "A9", "B1", "B2", "B3", "C1", "C2", "C3", "E", "E1", "H", "H1"}
        | {"I1", "I2", "I3", "I4", "I5", "P", "P1", "P2", "P3", "P4", "P9", "S", "S1"}
    ),
}
# Which leading digit of a CN publication serial goes with which kinds (7 and 9 digits: the first digit;
# 8 digits, 1985–1989, when the publication number was the application number: the third digit).
_CN_SERIAL_TYPES: Final[dict[str, str]] = {"1": INVENTION, "2": UTILITY_MODEL, "3": DESIGN}
# Serial prefixes: US designs, plants, reissues, SIRs, X-patents, additions of improvement; JP era letters.
_PREFIXES: Final[dict[str, frozenset[str]]] = {
    "US": frozenset({"D", "PP", "RE", "H", "T", "X", "AI", "RX"}),
    "JP": frozenset({"S", "H"}),
}

_KIND = re.compile(r"[A-Z][0-9]?", re.ASCII)
_SERIAL = re.compile(r"([A-Z]{0,2})([0-9]+)", re.ASCII)
_PUBLICATION = re.compile(
    r"(?P<country>[A-Z]{2})[-:.]?(?P<prefix>[A-Z]{1,2})?"
    r"(?P<serial>[0-9](?:[0-9.,/-]*[0-9])?)[-.]?(?P<kind>[A-Z][0-9]?)?",
    re.ASCII,
)
_SERIAL_SEPARATORS = re.compile(r"[.,/-]")
_NO_COUNTRY = re.compile(r"[0-9][0-9.,/-]*(?:[A-Z][0-9]?)?", re.ASCII)
# What an application number looks like behind CN or ZL: with a point or X, 12–13 digits, or 9 digits starting
# with a year digit 8, 9 or 0. (CN + 9 digits starting 1–3 is a publication number without kind; CN + 8 digits
# a 1985–1989 one.)
_CN_APPLICATION_GIVEN = re.compile(
    r"ZL[0-9]{8}(?:[0-9]{4})?\.?[0-9X]?"
    r"|CN(?:[0-9]{8}(?:[0-9]{4})?(?:\.[0-9X]|X)|[0-9]{12}[0-9]?|[089][0-9]{8})",
    re.ASCII,
)


@dataclass(frozen=True)
class PublicationNumber:
    """A publication number in DOCDB-like normal form; build it with `parse_publication_number`."""

    country: str
    number: str
    kind: str = ""

    def __post_init__(self) -> None:
        """Only normal forms: what `parse_publication_number` would make of `compact`."""
        serial = _SERIAL.fullmatch(self.number)
        if serial is None or (self.kind and not _KIND.fullmatch(self.kind)):
            raise ValueError(f"not a normalised publication number: {self!r}")
        if _checked_number(self.compact, self.country, serial[1], serial[2], self.kind) != self.number:
            raise ValueError(f"not a normalised publication number: {self!r}")

    @classmethod
    def _from_checked(cls, country: str, number: str, kind: str) -> PublicationNumber:
        """An instance from what `parse_publication_number` has just checked (not checked again)."""
        publication = object.__new__(cls)
        object.__setattr__(publication, "country", country)
        object.__setattr__(publication, "number", number)
        object.__setattr__(publication, "kind", kind)
        return publication

    @property
    def compact(self) -> str:
        """``CN202644312U``, ``US8123456B2``, ``WO2014123456A1``."""
        return f"{self.country}{self.number}{self.kind}"

    def __str__(self) -> str:
        return self.compact


def parse_publication_number(raw: str) -> PublicationNumber:
    """Parse a publication number in any usual spelling; raise `NumberError` if it is not one.

    Accepted: ``CN202644312U``, ``CN 202644312 U``, ``US 8,123,456 B2``, ``US2014/0123456 A1``,
    ``US20140123456A1``, ``USD678901S``, ``EP 1 234 567 A1``, ``WO2014/123456A1``, ``WO 98/12345``,
    full-width characters, lower case, ``-`` or ``.`` separators.
    """
    text = _fold(raw)
    if not text:
        raise NumberError("empty", _("Enter a publication number."), raw)
    compact = text.replace(" ", "")
    if _is_mangled_folded(compact):
        raise _mangled_error(raw)
    if _CN_APPLICATION_GIVEN.fullmatch(compact):
        raise NumberError(
            "cn_application_given",
            _(
                "“%(raw)s” is an application number, not a publication number. A Chinese publication "
                "number has 9 digits and a kind code, like CN202644312U."
            ),
            raw,
        )
    match = _PUBLICATION.fullmatch(compact)
    if match is None:
        if _NO_COUNTRY.fullmatch(compact):
            raise NumberError(
                "country_missing",
                _(
                    "“%(raw)s” has no country code: a publication number starts with one, as in "
                    "CN202644312U or US8123456B2."
                ),
                raw,
            )
        raise NumberError("unrecognised", _("“%(raw)s” is not a publication number."), raw)
    country, kind = match["country"], match["kind"] or ""
    number = _checked_number(raw, country, match["prefix"] or "", match["serial"], kind)
    return PublicationNumber._from_checked(country, number, kind)


def _checked_number(raw: str, country: str, prefix: str, serial: str, kind: str) -> str:
    """The normalised number part (prefix + serial) once country, prefix and kind have been checked."""
    if country not in _COUNTRIES:
        raise NumberError(
            "country_unknown",
            _("“%(raw)s” does not start with a known country code (“%(country)s” is not one)."),
            raw,
            country=country,
        )
    if prefix and prefix not in _PREFIXES.get(country, frozenset()):
        raise NumberError("unrecognised", _("“%(raw)s” is not a publication number."), raw)
    allowed_kinds = _KINDS.get(country)
    if kind and allowed_kinds is not None and kind not in allowed_kinds:
        raise NumberError(
            "kind_invalid",
            _("“%(kind)s” is not a kind code of %(country)s publications (these are %(allowed)s)."),
            raw,
            kind=kind,
            country=country,
            allowed=", ".join(sorted(allowed_kinds)),
        )
    number = prefix + _normalise_serial(raw, country, prefix, serial, kind)
    if country == "CN":
        _check_cn_serial(raw, number, kind)
    return number


def _length_error(raw: str, country: str, digits: str) -> NumberError:
    return NumberError(
        "publication_length",
        _(
            "“%(raw)s” cannot be a %(country)s publication number: %(country)s does not use %(n)s-digit numbers."
        ),
        raw,
        country=country,
        n=len(digits),
    )


def _normalise_serial(raw: str, country: str, prefix: str, serial: str, kind: str) -> str:
    """The serial without separators, in the office's normal length."""
    if country == "WO":
        return _normalise_wo(raw, serial)
    if country == "US" and not prefix:
        year_serial = re.fullmatch(r"((?:19|20)[0-9]{2})/([0-9]{1,7})", serial, re.ASCII)
        if year_serial:  # US 2014/0123456, also written 2014/123456
            return year_serial[1] + year_serial[2].zfill(7)
    digits = serial if serial.isdigit() else _SERIAL_SEPARATORS.sub("", serial)
    if country == "US":
        if not prefix and len(digits) == 11 and digits[:2] in ("19", "20") and kind in ("", "A1", "A2", "A9"):
            return digits
        digits = digits.lstrip("0")  # full-text files pad granted numbers to 8 digits: US08123456
        if not 1 <= len(digits) <= 8:
            raise _length_error(raw, country, digits)
        return digits
    if country == "EP":
        if not 1 <= len(digits.lstrip("0")) <= 7 or len(digits) > 8:
            raise _length_error(raw, country, digits)
        return digits.lstrip("0").zfill(7)
    if country == "CN":
        if len(digits) not in (7, 8, 9):
            raise _length_error(raw, country, digits)
        return digits
    if len(digits) > 15:
        raise _length_error(raw, country, digits)
    return digits


def _normalise_wo(raw: str, serial: str) -> str:
    """WO 98/12345, WO1998/12345, WO199812345, WO9812345 → 1998012345; WO2014/123456 → 2014123456."""
    slashed = re.fullmatch(r"([0-9]{2}|[0-9]{4})/([0-9]{1,6})", serial, re.ASCII)
    if slashed:
        year, number = slashed.groups()
    else:
        digits = re.sub(r"[.,/-]", "", serial)
        if len(digits) in (9, 10) and digits[:2] in ("19", "20"):
            year, number = digits[:4], digits[4:]
        elif len(digits) == 7:
            year, number = digits[:2], digits[2:]
        else:
            raise _length_error(raw, "WO", digits)
    if len(year) == 2:
        year = ("19" if year >= "78" else "20") + year
    if not 1978 <= int(year) <= _latest_plausible_year():
        raise _length_error(raw, "WO", year + number)
    return year + number.zfill(6)


def _check_cn_serial(raw: str, number: str, kind: str) -> None:
    type_digit = number[2] if len(number) == 8 else number[0]
    serial_type = _CN_SERIAL_TYPES.get(type_digit)
    if serial_type is None:
        raise NumberError(
            "unrecognised",
            _(
                "“%(raw)s” is not a Chinese publication number: their serial starts with 1 (inventions), "
                "2 (utility models) or 3 (designs)."
            ),
            raw,
        )
    if kind and serial_type != _CN_KIND_TYPES[kind]:
        raise NumberError(
            "cn_kind_mismatch",
            _(
                "In “%(raw)s” the kind code %(kind)s does not fit the number: Chinese publication numbers "
                "of inventions start with 1, of utility models with 2 and of designs with 3."
            ),
            raw,
            kind=kind,
        )


# US kinds: A1/A2/A9 pre-grant publications and B1/B2 grants of utility applications are what CN calls
# inventions; S is a design patent. Plant (P…) and reissue (E) documents get no type.
_US_KIND_TYPES: Final[dict[str, str]] = {
    "A1": "invention", "A2": "invention", "A9": "invention", "B1": "invention", "B2": "invention", "S": "design",
    "S1": "design",
}  # fmt: skip


# CN kind codes of a grant publication (授权公告): C, Y and D (1985–2009), and B, U and S since they replaced them
# (before 1993 B, U and S were an examined or announced *application*).
_CN_GRANT_KINDS_ALWAYS: Final = frozenset({"C", "Y", "D"})
_CN_GRANT_KINDS_LATER: Final = frozenset({"B", "U", "S"})
_CN_APPLICATION_ANNOUNCEMENTS_UNTIL: Final = date(1993, 1, 1)


def grant_publication(pub: PublicationNumber, pub_date: date | None) -> bool:
    """Whether a CN publication of this kind, published on `pub_date`, is the grant announcement (so its
    publication date is the grant date). False for other offices and when the date is unknown."""
    if pub.country != "CN" or pub_date is None:
        return False
    if pub.kind in _CN_GRANT_KINDS_ALWAYS:
        return True
    return pub.kind in _CN_GRANT_KINDS_LATER and pub_date >= _CN_APPLICATION_ANNOUNCEMENTS_UNTIL


def patent_type_from_publication(pub: PublicationNumber) -> str | None:
    """``invention``, ``utility_model`` or ``design`` for a CN or US publication with a kind code, else None."""
    if pub.country == "CN":
        return _CN_KIND_TYPES.get(pub.kind)
    if pub.country == "US":
        return _US_KIND_TYPES.get(pub.kind)
    return None
