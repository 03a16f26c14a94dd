"""Ids derived from personal data do not give it away.

A person keyed by an identity number had the id ``P-`` + an unkeyed digest of the number: with
the birth date and the digits the mask shows (``4403**********4412``), about a hundred
candidates remained, and a caller without the pii scope recovered the number from the id in
microseconds, offline, unaudited. A source whose rows are keyed by identity numbers showed them
in every record id (``population:4403…``: source records, lineage, mention tokens). Both are now
keyed digests with the installation's secret (:mod:`resolvers.ids`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import structlog
from fastapi.testclient import TestClient
from pydantic import SecretStr
from structlog.testing import capture_logs

from connectors.config import SourceConfig, load_source_config
from graph_schema import default_schema
from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys
from hub.settings import Settings
from hub.state import StateStore
from hub.state.store import StateError
from hub.store import GraphStore
from hub.sync import sync_sources
from hub.sync.check import check_source
from resolvers.exact import ExactLinker
from resolvers.ids import identifier_entity_id
from tests.hub.sync.test_pipeline import ADDRESSES, PEOPLE, SOURCES, write_csv

ID_COLUMN = "公民身份号码"


def population(**changes: Any) -> SourceConfig:
    """The demo's population register, its rows keyed as declared by ``changes``."""
    config = load_source_config(SOURCES / "population.yaml", default_schema())
    return SourceConfig.model_validate({**config.model_dump(), **changes})


def library() -> SourceConfig:
    return load_source_config(SOURCES / "address_library.yaml", default_schema())


def numbers(rows: list[dict[str, str]]) -> set[str]:
    return {r[ID_COLUMN].upper() for r in rows if r[ID_COLUMN]}


class Mention:
    """What the exact linker reads of a mention."""

    def __init__(self, entity_type: str, **properties: str) -> None:
        self.entity_type, self.properties = entity_type, properties
        self.problems: frozenset[str] = frozenset()
        self.key = ("s", "r1", "self")


def test_a_record_id_is_personal_data_when_the_mapping_says_so_or_the_declaration_does() -> None:
    schema = default_schema()
    assert population(record_id=[ID_COLUMN]).record_id_is_pii(schema)  # mapped to identity_number
    assert population(record_id=["人员编号", "联系电话"]).record_id_is_pii(schema)  # a part is a phone
    assert not population().record_id_is_pii(schema)  # 人员编号: the register's own number
    assert population(record_id_pii=True).record_id_is_pii(schema)
    assert not population(record_id=[ID_COLUMN], record_id_pii=False).record_id_is_pii(schema)


def test_entities_keyed_by_personal_identifiers_get_keyed_ids_and_the_others_do_not() -> None:
    schema = default_schema()
    person = Mention("Person", identity_number="440304198001010022")
    company = Mention("LegalEntity", uscc="91440300MA5FXXXX0X")
    unkeyed, keyed, other = (
        ExactLinker(schema),
        ExactLinker(schema, b"k" * 32),
        ExactLinker(schema, b"j" * 32),
    )
    assert unkeyed.entity_id(person) == identifier_entity_id(
        "P", "Person", "identity_number", "440304198001010022"
    )
    assert keyed.entity_id(person) != unkeyed.entity_id(person)
    assert keyed.entity_id(person) == ExactLinker(schema, b"k" * 32).entity_id(person)  # stable with the key
    assert other.entity_id(person) != keyed.entity_id(person)
    assert keyed.entity_id(person).startswith("P-")
    assert len(keyed.entity_id(person)) == len(unkeyed.entity_id(person))
    # A USCC is public: its company's id stays the plain digest (links from other hubs, exports).
    assert keyed.entity_id(company) == unkeyed.entity_id(company)


def test_the_key_is_made_once_and_a_database_synced_before_keys_keeps_none(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    with StateStore(url) as state:
        key = state.pseudonym_key()
        assert len(key) == 32
        assert state.pseudonym_key() == key
    with StateStore(url) as state:
        assert state.pseudonym_key() == key  # kept: the ids of the next sync are the same
    with StateStore(f"sqlite:///{tmp_path / 'other.db'}") as state:
        assert state.pseudonym_key() != key  # another installation, other ids
    with StateStore(f"sqlite:///{tmp_path / 'old.db'}") as state:
        state.commit_batch("population", "run-1", {"R1": "hash"}, None)  # synced before keys existed
        assert state.pseudonym_key() == b""
        assert state.pseudonym_key() == b""


def test_a_configured_key_is_kept_and_another_one_refused(tmp_path: Path) -> None:
    configured = "0f" * 32
    with StateStore(f"sqlite:///{tmp_path / 'state.db'}") as state:
        assert state.pseudonym_key(configured) == bytes.fromhex(configured)
        assert state.pseudonym_key() == bytes.fromhex(configured)  # unset later: the kept one
        with pytest.raises(StateError, match="not the key the ids in this state database were made with"):
            state.pseudonym_key("1e" * 32)
        with pytest.raises(StateError, match="64 hex digits"):
            state.pseudonym_key("secret")
    with StateStore(f"sqlite:///{tmp_path / 'old.db'}") as state:
        state.commit_batch("population", "run-1", {"R1": "hash"}, None)
        with pytest.raises(StateError, match="older than keys"):
            state.pseudonym_key(configured)


def test_rows_keyed_by_identity_numbers_keep_the_numbers_out_of_ids(
    store: GraphStore, tmp_path: Path
) -> None:
    # No key configured (the tests' shared one left out): the installation makes its own.
    settings = Settings(
        data_dir=tmp_path, write_batch_size=2, api_rate_burst=100_000, pseudonym_key=SecretStr("")
    )
    write_csv(tmp_path / "demo" / "address_library.csv", ADDRESSES)
    write_csv(tmp_path / "demo" / "population.csv", PEOPLE)
    keyed_by_number = population(record_id=[ID_COLUMN])
    with StateStore(settings.state_database_url) as state:
        report = sync_sources(store, state, [library(), keyed_by_number], settings)
        assert {s.source: s.new for s in report.sources}["population"] == 2  # the third is quarantined
        written = numbers(PEOPLE[:2])
        records = [r.id for r in store.iter_nodes("SourceRecord") if r.id.startswith("population:")]
        assert len(records) == 2
        persons = {p.properties["identity_number"]: p.id for p in store.iter_nodes("Person")}
        assert set(persons) == written
        for number in written:
            assert not any(number in r or number.lower() in r for r in records)
            assert persons[number] != identifier_entity_id("P", "Person", "identity_number", number)
        lineage = [
            rel for link in store.iter_relationships("LIVES_AT") for rel in link.properties.get("records", [])
        ]
        assert lineage
        assert not any(number in r for r in lineage for number in written)

        # Read again unchanged: the same pseudonyms, nothing new, nothing retired.
        again = {s.source: s for s in sync_sources(store, state, [keyed_by_number], settings).sources}
        assert (again["population"].new, again["population"].unchanged, again["population"].retired) == (
            0,
            2,
            0,
        )
        # A changed row is the same record, changed.
        write_csv(
            tmp_path / "demo" / "population.csv", [{**PEOPLE[0], "联系电话": "13912345678"}, *PEOPLE[1:]]
        )
        changed = {s.source: s for s in sync_sources(store, state, [keyed_by_number], settings).sources}
        assert (changed["population"].new, changed["population"].changed, changed["population"].retired) == (
            0,
            1,
            0,
        )

        # Over GraphQL, a key without pii: no number in any id it is shown.
        key = ApiKeys(state).create("街道", {"read"}, created_by="tests").key
        query = """{ persons(first: 10) { nodes { id identityNumber mergedIds
            sourceRecords { nodes { id } } valueLineage { record }
            addresses { edges { records } } } } }"""
        with TestClient(create_app(store, settings)) as client:
            body = client.post(
                "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {key}"}
            ).json()
        assert "errors" not in body, body
        text = str(body["data"])
        assert body["data"]["persons"]["nodes"]
        assert "population:" in text
        assert not any(number in text or number.lower() in text for number in written)


def test_check_counts_and_sync_warns_of_record_ids_that_look_personal(
    store: GraphStore, tmp_path: Path
) -> None:
    settings = Settings(data_dir=tmp_path)
    write_csv(tmp_path / "demo" / "address_library.csv", ADDRESSES)
    write_csv(tmp_path / "demo" / "population.csv", PEOPLE)
    declared_plain = population(record_id=[ID_COLUMN], record_id_pii=False)
    schema = default_schema()
    assert check_source(declared_plain, schema, settings).personal_ids == 2  # the third fails mapping
    assert check_source(population(record_id=[ID_COLUMN]), schema, settings).personal_ids == 0
    assert check_source(population(), schema, settings).personal_ids == 0
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.DEBUG))
    with StateStore(settings.state_database_url) as state, capture_logs() as logs:
        sync_sources(store, state, [library(), declared_plain], settings)
    warned = [e for e in logs if e["event"] == "record ids look like identity or mobile numbers"]
    assert len(warned) == 1
    assert warned[0]["source"] == "population"
    assert "*" in warned[0]["record_id"]  # masked in the log too


@pytest.mark.parametrize("record_id", [["人员编号"], [ID_COLUMN]])
def test_the_register_ids_stay_as_they_are_unless_personal(record_id: list[str], tmp_path: Path) -> None:
    """The demo's sources keep their own record ids (readable in lineage); only a personal one
    becomes a pseudonym."""
    from connectors.mapping import Mapper

    mapper = Mapper(population(record_id=record_id), default_schema(), b"k" * 32)
    mapped = mapper.record_id(PEOPLE[0])
    if record_id == ["人员编号"]:
        assert mapped == "R1"
    else:
        assert len(mapped) == 24
        assert PEOPLE[0][ID_COLUMN] not in mapped
        assert (
            Mapper(population(record_id=record_id), default_schema(), b"k" * 32).record_id(PEOPLE[0])
            == mapped
        )
