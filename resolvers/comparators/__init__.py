"""Comparators: pure functions putting a pair of values on a level of agreement, by field kind.

Each module holds the comparators of one kind of field (names, dates, identifiers, phones,
addresses, companies, generic strings) and lists them in ``COMPARATORS``; this registry gathers
them so that a serialised link specification can name a comparator by string.
"""

from __future__ import annotations

from functools import cache

from resolvers.comparators.base import MISSING, Comparator, is_missing


@cache
def _registry() -> dict[str, Comparator]:
    from resolvers.comparators import addresses, companies, dates, identifiers, names, phones, strings

    modules = (names, dates, identifiers, phones, addresses, companies, strings)
    return {c.name: c for module in modules for c in module.COMPARATORS}


@cache
def get_comparator(name: str) -> Comparator:
    """A comparator by name; "a*b" combines two (see :mod:`resolvers.comparators.combined`)."""
    if "*" in name:
        from resolvers.comparators.combined import combine

        first, second = name.split("*", 1)
        return combine(get_comparator(first), get_comparator(second))
    try:
        return _registry()[name]
    except KeyError:
        known = ", ".join(sorted(_registry()))
        raise KeyError(f"unknown comparator {name!r} (known: {known})") from None


def comparator_names() -> list[str]:
    return sorted(_registry())


__all__ = ["MISSING", "Comparator", "comparator_names", "get_comparator", "is_missing"]
