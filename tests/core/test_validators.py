import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from ipops.core.validators import USCC_CHARSET, normalise_uscc, uscc_check_character, validate_uscc

# Published codes of real organisations (from their public business registrations).
REAL_CODES = ["91350100M000100Y43", "91110000802100433B", "91440300708461136T", "911100001000080343"]


@pytest.mark.parametrize("code", REAL_CODES)
def test_real_codes_are_accepted(code: str) -> None:
    validate_uscc(code)


def test_lower_case_full_width_and_spaces_are_normalised() -> None:
    assert normalise_uscc(" 9111 0000 8021 0043 3b ") == "91110000802100433B"
    assert normalise_uscc("９１１１００００８０２１００４３３Ｂ") == "91110000802100433B"
    validate_uscc("91110000802100433b")


def test_wrong_check_character_names_the_right_one() -> None:
    with pytest.raises(ValidationError) as exc:
        validate_uscc("91110000802100433C")
    assert exc.value.code == "uscc_check"
    assert "B" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("9111000080210043", "uscc_length"),
        ("91110000802100433BX", "uscc_length"),
        ("9111000080210O433B", "uscc_charset"),
    ],
)
def test_malformed_codes_are_refused_with_the_reason(code: str, error: str) -> None:
    with pytest.raises(ValidationError) as exc:
        validate_uscc(code)
    assert exc.value.code == error


def test_region_part_must_be_digits() -> None:
    body = "91A10000802100433"
    with pytest.raises(ValidationError) as exc:
        validate_uscc(body + uscc_check_character(body))
    assert exc.value.code == "uscc_region"


bodies = st.tuples(
    st.text(alphabet=USCC_CHARSET, min_size=2, max_size=2),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    st.text(alphabet=USCC_CHARSET, min_size=9, max_size=9),
).map("".join)


@given(bodies)
def test_a_computed_check_character_always_validates(body: str) -> None:
    validate_uscc(body + uscc_check_character(body))


@given(bodies, st.integers(min_value=0, max_value=17), st.sampled_from(USCC_CHARSET))
def test_any_single_substitution_is_detected(body: str, position: int, replacement: str) -> None:
    code = body + uscc_check_character(body)
    changed = code[:position] + replacement + code[position + 1 :]
    if changed == code:
        return
    with pytest.raises(ValidationError):
        validate_uscc(changed)
