"""Linking by validated identifiers: same key, same entity; an invalid value is never a key."""

from __future__ import annotations

from connectors.records import Mention
from graph_schema import default_schema
from resolvers.exact import ExactLinker
from resolvers.normalize import get_normalizer


def person(source: str, record: str, idn: str | None) -> Mention:
    props: dict[str, object] = {"name": "张伟"}
    problems: dict[str, str] = {}
    if idn is not None:
        normalized = get_normalizer("resident_id")(idn)
        props["identity_number"] = normalized.value
        if normalized.problem:
            problems["identity_number"] = normalized.problem
    return Mention(source, record, "self", "Person", props, problems)


def test_mentions_with_the_same_valid_identifier_share_an_entity() -> None:
    linker = ExactLinker(default_schema())
    ids = linker.link([person("pop", "1", "11010519491231002X"), person("grid", "9", "110105491231002")])
    assert len(set(ids.values())) == 1
    assert next(iter(ids.values())).startswith("P-")


def test_invalid_or_missing_identifiers_keep_mentions_apart_and_ids_stable() -> None:
    linker = ExactLinker(default_schema())
    bad = [
        person("pop", "1", "110105194912310021"),
        person("grid", "2", "110105194912310021"),
        person("x", "3", None),
    ]
    first = linker.link(bad)
    assert len(set(first.values())) == 3
    assert ExactLinker(default_schema()).link(bad) == first  # stable across runs
