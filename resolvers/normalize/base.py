"""The normaliser registry: a name declared in the schema → a pure function."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Normalized:
    value: str
    problem: str | None = None  # why the value cannot serve as a key; None when valid
    # Further properties read off the value (a company name's legal form, say); the mapping
    # sets those the entity type declares and the source does not map itself.
    derived: Mapping[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return self.problem is None


Normalizer = Callable[[str], Normalized]
_REGISTRY: dict[str, Normalizer] = {}


def register(name: str) -> Callable[[Normalizer], Normalizer]:
    def add(func: Normalizer) -> Normalizer:
        _REGISTRY[name] = func
        return func

    return add


def get_normalizer(name: str) -> Normalizer:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"unknown normalizer {name!r} (known: {', '.join(sorted(_REGISTRY))})") from None


def normalizer_names() -> list[str]:
    return sorted(_REGISTRY)
