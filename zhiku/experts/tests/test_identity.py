from __future__ import annotations

from datetime import date

import pytest

from zhiku.experts.identity import (
    IdType,
    InvalidIdNumber,
    InvalidMobile,
    check_character,
    normalize,
    normalize_email,
    normalize_mobile,
    validate,
)

# The worked example of GB 11643-1999.
STANDARD_EXAMPLE = "11010519491231002X"


def test_standard_example_passes_and_is_normalised() -> None:
    assert validate(IdType.RESIDENT, " 11010519491231002x ") == STANDARD_EXAMPLE
    assert check_character("11010519491231002") == "X"


def test_wrong_check_digit_is_refused_with_a_reason() -> None:
    with pytest.raises(InvalidIdNumber, match="校验位"):
        validate(IdType.RESIDENT, "110105194912310021")


def test_wrong_length_is_refused() -> None:
    with pytest.raises(InvalidIdNumber, match="18 位"):
        validate(IdType.RESIDENT, "1101051949123100")


def test_birth_date_must_match_the_profile() -> None:
    with pytest.raises(InvalidIdNumber, match="1949-12-31"):
        validate(IdType.RESIDENT, STANDARD_EXAMPLE, birth_date=date(1949, 12, 30))
    assert validate(IdType.RESIDENT, STANDARD_EXAMPLE, birth_date=date(1949, 12, 31))


def test_impossible_birth_date_is_refused() -> None:
    first17 = "44010619700231001"
    with pytest.raises(InvalidIdNumber, match="出生日期"):
        validate(IdType.RESIDENT, first17 + check_character(first17))


def test_residence_permit_for_hk_macao_taiwan_needs_its_prefix() -> None:
    hk = "810000199001010014"
    hk = hk[:17] + check_character(hk[:17])
    assert validate(IdType.HMT_RESIDENCE, hk) == hk
    mainland = "440106199001010014"
    mainland = mainland[:17] + check_character(mainland[:17])
    with pytest.raises(InvalidIdNumber, match="810000"):
        validate(IdType.HMT_RESIDENCE, mainland)


@pytest.mark.parametrize(
    ("id_type", "good", "bad"),
    [
        (IdType.HK_MACAO_PERMIT, "H12345678", "12345678"),
        (IdType.TAIWAN_PERMIT, "12345678", "T1234567"),
        (IdType.FOREIGN_PERMANENT, "USA123456789012", "US123456789012"),
        (IdType.PASSPORT, "E12345678", "E1234/567"),
    ],
)
def test_other_documents_are_checked_by_format(id_type: str, good: str, bad: str) -> None:
    assert validate(id_type, good) == good
    with pytest.raises(InvalidIdNumber):
        validate(id_type, bad)


def test_mobiles_are_normalised() -> None:
    assert normalize_mobile("139 1234 5678") == "13912345678"
    assert normalize_mobile("+86 139-1234-5678") == "13912345678"
    assert normalize_mobile("+852 9123 4567") == "+85291234567"
    with pytest.raises(InvalidMobile):
        normalize_mobile("12345")


@pytest.mark.parametrize(
    "typed",
    [
        "４４０１０６１９９００１０１００１４",  # full-width digits
        "440106 19900101 0014",  # spaces between groups
        "440106-19900101-0014",  # hyphens
        "\u200b440106199001010014\ufeff",  # zero-width space and byte-order mark pasted in
        "４４０１０６　１９９００１０１　００１４",  # full-width digits and ideographic spaces
    ],
)
def test_an_identity_number_typed_any_way_is_stored_in_one_form(typed: str) -> None:
    assert normalize(typed) == "440106199001010014"


def test_a_full_width_x_and_a_lower_case_x_are_the_same_check_character() -> None:
    first17 = "44080319900101922"
    assert normalize(first17 + "ｘ") == normalize(first17 + "X") == first17 + "X"


@pytest.mark.parametrize(
    "typed",
    [
        "13812345678",
        "+86 138 1234 5678",
        "(+86)13812345678",
        "86-13812345678",
        "１３８１２３４５６７８",
    ],
)
def test_a_mainland_mobile_typed_any_way_is_stored_as_eleven_digits(typed: str) -> None:
    assert normalize_mobile(typed) == "13812345678"


def test_an_email_typed_with_a_full_width_at_sign_is_one_address() -> None:
    assert normalize_email(" Zhang＠Example.ORG\u200b") == "zhang@example.org"
