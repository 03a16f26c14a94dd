"""Masking of personal identifiers for API callers without the PII scope."""

from __future__ import annotations

import re

import phonenumbers

# Digits with the separators people type; a leading "+" marks E.164. Eighteen-character identity
# numbers never look like this: they have more digits than any phone number (15 at most in E.164,
# 12 for a domestic number written without a country code).
_PHONE_LIKE = re.compile(r"^\+?[0-9][0-9 ()-]*$")
_MASK = "*"


def _keep_ends(text: str, head: int, tail: int) -> str:
    """Star out the middle of ``text``.

    When that would hide fewer than three characters, a quarter at each end is all that stays.
    """
    if len(text) - head - tail < 3:
        head = tail = len(text) // 4
    hidden = len(text) - head - tail
    return text[:head] + _MASK * hidden + text[len(text) - tail :]


def _is_phone_like(value: str) -> bool:
    if not _PHONE_LIKE.match(value):
        return False
    digits = sum(ch.isdigit() for ch in value)
    return 7 <= digits <= (15 if value.startswith("+") else 12)


def mask_pii(value: str) -> str:
    """Hide the middle of an identifier: ``4403**********0012``, phones ``138****5678``.

    Identity numbers (and anything not phone-like) keep their first and last four characters;
    phones keep the first three and last four digits of the national number, so that the
    carrier prefix stays readable as in the usual Chinese style (``+86 138****5678``).
    """
    text = value.strip()
    if not _is_phone_like(text):
        return _keep_ends(text, 4, 4)
    if text.startswith("+"):
        try:
            number = phonenumbers.parse(text)
        except phonenumbers.NumberParseException:
            pass
        else:
            national = phonenumbers.national_significant_number(number)
            return f"+{number.country_code} {_keep_ends(national, 3, 4)}"
    return _keep_ends(re.sub(r"\D", "", text), 3, 4)
