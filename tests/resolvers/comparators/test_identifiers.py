from stdnum.cn import ric

from resolvers.comparators.identifiers import resident_number, resident_number_valid
from tests.resolvers.comparators.twins import check_levels

DIFFERENT, SLIP, SAME, MISSING = 0, 1, 2, -1
VALID = "11010519491231002X"  # the GB 11643 example number
OTHER_VALID = "440304199001011234"[:17] + ric.calc_check_digit("440304199001011234"[:17] + "0")
LEGACY_15 = "110105491231002"  # the same person's old 15-digit number


def _typo(number: str, position: int) -> str:
    digit = str((int(number[position]) + 1) % 10)
    return number[:position] + digit + number[position + 1 :]


def test_resident_id_levels() -> None:
    typo = _typo(VALID, 10)
    transposed = VALID[:8] + VALID[9] + VALID[8] + VALID[10:]
    assert not resident_number_valid(typo)
    assert not resident_number_valid(transposed)
    check_levels(
        "resident_id",
        [
            (VALID, VALID, SAME),
            (VALID.lower(), VALID, SAME),  # a lower-case check character
            ("110105 1949 1231 002X", VALID, SAME),  # spaced
            (LEGACY_15, VALID, SAME),  # 15 ↔ 18 digits
            (typo, VALID, SLIP),  # one digit mistyped: the check character fails
            (transposed, VALID, SLIP),  # two neighbours swapped
            (OTHER_VALID, VALID, DIFFERENT),
            (_typo(_typo(VALID, 3), 12), VALID, DIFFERENT),  # two slips
            (None, VALID, MISSING),
        ],
    )


def test_two_valid_numbers_are_never_one_slip_apart() -> None:
    # The check character catches every single substitution: a valid neighbour does not exist.
    for position in range(17):
        assert not resident_number_valid(_typo(VALID, position))
    assert resident_number(LEGACY_15) == VALID


def test_credit_code_levels() -> None:
    code = "91440300MA5UBJF6XJ"
    typo = code[:10] + ("B" if code[10] != "B" else "C") + code[11:]
    check_levels(
        "social_credit_code",
        [
            (code, code, SAME),
            (code.lower(), code, SAME),
            (typo, code, SLIP),
            ("91440300176601774F", code, DIFFERENT),
            ("440301836049001", code, MISSING),  # an old registration number is another kind of number
            (None, code, MISSING),
        ],
    )
