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


def place(source: str, record: str, label: str, props: dict[str, object]) -> Mention:
    return Mention(source, record, "community", label, props, {})


def test_places_without_codes_are_linked_by_their_name() -> None:
    linker = ExactLinker(default_schema())
    ids = linker.link([
        place("lib", "1", "Community", {"name": "下沙社区"}),
        place("lib", "2", "Community", {"name": "下沙"}),  # the same community, without 社区
        place("lib", "3", "Community", {"name": "下沙社區"}),  # traditional characters
        place("lib", "4", "Community", {"name": "上沙社区"}),
    ])  # fmt: skip
    assert ids[("lib", "1", "community")] == ids[("lib", "2", "community")] == ids[("lib", "3", "community")]
    assert ids[("lib", "4", "community")] != ids[("lib", "1", "community")]


def test_a_code_is_preferred_to_a_name_and_buildings_are_never_linked_by_name() -> None:
    linker = ExactLinker(default_schema())
    ids = linker.link([
        place("lib", "1", "Community", {"name": "下沙社区", "community_code": "C01"}),
        place("lib", "2", "Community", {"name": "沙头社区", "community_code": "C01"}),
        place("lib", "3", "Building", {"name": "1栋"}),
        place("lib", "4", "Building", {"name": "1栋"}),  # 1栋 of another estate, most likely
    ])  # fmt: skip
    assert ids[("lib", "1", "community")] == ids[("lib", "2", "community")]
    assert ids[("lib", "3", "community")] != ids[("lib", "4", "community")]
