"""GraphQL names derived from the model's names (no label is spelled anywhere else)."""

from __future__ import annotations

from strawberry.utils.str_converters import to_camel_case

_VOWELS = set("aeiou")


def lookup_name(label: str) -> str:
    """``LegalEntity`` → ``legalEntity``: the root field that fetches one node."""
    return label[0].lower() + label[1:]


def plural(word: str) -> str:
    """English plural of a camelCase word's last part (``legalEntity`` → ``legalEntities``)."""
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"
    if word.endswith(("s", "x", "z", "ch", "sh")):
        return word + "es"
    return word + "s"


def list_name(label: str) -> str:
    """``Person`` → ``persons``: the root field that lists nodes of a type."""
    return plural(lookup_name(label))


def pascal(field: str) -> str:
    return field[0].upper() + field[1:]


def graphql_field(prop: str) -> str:
    """``birth_date`` → ``birthDate``, as strawberry names fields."""
    return to_camel_case(prop)
