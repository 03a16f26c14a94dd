"""Phone numbers to E.164, read as Chinese numbers unless they carry a country code."""

from __future__ import annotations

import phonenumbers

from resolvers.normalize.base import Normalized, register


@register("phone")
def phone(text: str) -> Normalized:
    digits = text.strip()
    # "8613812345678" has the country code without "+"; phonenumbers would read it as national.
    if digits.startswith("86") and len(digits) == 13 and digits.isdigit():
        digits = "+" + digits
    try:
        parsed = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException as exc:
        return Normalized(text, f"unreadable phone number: {exc}")
    if not phonenumbers.is_valid_number(parsed):
        return Normalized(text, "not a valid phone number")
    return Normalized(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))
