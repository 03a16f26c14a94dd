"""Mobile numbers, and the many ways people and forms write them."""

from __future__ import annotations

import numpy as np

from hub.demo.generator.rand import Strings, objects

MOBILE_PREFIXES = (
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "147", "150", "151", "152",
    "153", "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "178", "180", "181",
    "182", "183", "184", "185", "186", "187", "188", "189", "191", "198", "199",
)  # fmt: skip

# How a number is written, with its share in a noisy source. All of them are the same number to
# `phonenumbers` once read as a Chinese number.
PHONE_STYLES: dict[str, float] = {
    "plain": 40,  # 13812345678
    "dash": 12,  # 138-1234-5678
    "space": 10,  # 138 1234 5678
    "intl_space": 8,  # +86 138 1234 5678
    "intl": 8,  # +8613812345678
    "cc": 6,  # 8613812345678
    "intl_dash": 4,  # +86-138-1234-5678
    "idd": 4,  # 0086 138 1234 5678
    "paren": 3,  # (+86)13812345678
    "dots": 2,  # 138.1234.5678
    "fullwidth": 3,  # １３８１２３４５６７８
}


def mobile_numbers(rng: np.random.Generator, n: int) -> Strings:
    """n distinct 11-digit mobile numbers."""
    prefixes = rng.integers(0, len(MOBILE_PREFIXES), size=n)
    # Distinct suffixes make the numbers distinct whatever the prefix.
    suffixes = rng.choice(100_000_000, size=n, replace=False)
    return objects([MOBILE_PREFIXES[p] + f"{s:08d}" for p, s in zip(prefixes, suffixes, strict=True)])


def format_phone(number: str, style: str) -> str:
    a, b, c = number[:3], number[3:7], number[7:]
    if style == "plain":
        return number
    if style == "dash":
        return f"{a}-{b}-{c}"
    if style == "space":
        return f"{a} {b} {c}"
    if style == "intl_space":
        return f"+86 {a} {b} {c}"
    if style == "intl":
        return f"+86{number}"
    if style == "cc":
        return f"86{number}"
    if style == "intl_dash":
        return f"+86-{a}-{b}-{c}"
    if style == "idd":
        return f"0086 {a} {b} {c}"
    if style == "paren":
        return f"(+86){number}"
    if style == "dots":
        return f"{a}.{b}.{c}"
    if style == "fullwidth":
        return number.translate(_FULLWIDTH)
    raise ValueError(f"unknown phone style {style!r}")


_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def fullwidth_digits(text: str) -> str:
    return text.translate(_FULLWIDTH)


def landline(rng: np.random.Generator, n: int) -> Strings:
    """Shenzhen office numbers (0755 + 8 digits), as companies give them."""
    return objects([f"0755-8{x:07d}" for x in rng.integers(0, 10_000_000, size=n)])
