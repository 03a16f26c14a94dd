"""Store errors are printed by the CLI, logged and kept in run reports: they do not repeat the
row values the stores quote back from a write's parameters."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_schema import default_schema
from hub.store import SchemaMismatch, StoreError
from hub.store.errors import without_values
from hub.store.ladybug_store import LadybugStore
from hub.store.query import CypherWriter

IDENTITY_NUMBER = "440304198711057311"
NAME = "张伟"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[LadybugStore]:
    store = LadybugStore(default_schema(), tmp_path / "graph" / "g.lbug", buffer_pool_mb=256)
    store.apply_schema()
    yield store
    store.close()


def _shown(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def test_a_value_ladybug_cannot_convert_is_not_repeated(store: LadybugStore) -> None:
    with pytest.raises(StoreError) as raised:
        store.read("RETURN CAST($v AS INT64) AS n", {"v": f"{NAME} {IDENTITY_NUMBER}"})
    shown = _shown(raised.value)
    assert 'Could not convert "***" to INT64' in shown
    assert NAME not in shown
    assert IDENTITY_NUMBER not in shown  # nor in the exception it was raised from


def test_a_node_row_without_its_id_is_named_by_its_keys_not_its_values(store: LadybugStore) -> None:
    with pytest.raises(SchemaMismatch) as raised:
        store.upsert_nodes("Person", [{"id": "", "name": NAME, "identity_number": IDENTITY_NUMBER}])
    assert "a Person row has no 'id' (it has id, name, identity_number)" in str(raised.value)
    assert NAME not in str(raised.value)
    assert IDENTITY_NUMBER not in str(raised.value)


@pytest.mark.parametrize(
    ("message", "shown"),
    [
        (  # Neo4j 5's constraint violation
            f"Node(12) already exists with label `Person` and property `identity_number` = '{IDENTITY_NUMBER}'",
            "Node(12) already exists with label `Person` and property `identity_number` = ***",
        ),
        (
            f'Node(3) already exists with label `Person` and properties `name` = "{NAME}", `age` = 36',
            "Node(3) already exists with label `Person` and properties `name` = ***, `age` = ***",
        ),
        (
            f'Property values can only be of primitive types or arrays thereof. Encountered: Map{{name -> String("{NAME}")}}.',
            "Property values can only be of primitive types or arrays thereof. Encountered: ***",
        ),
        (
            f'Cannot coerce String("{NAME}") to Long',
            'Cannot coerce String("***") to Long',
        ),
        (  # ladybug's duplicate key
            f"Runtime exception: Found duplicated primary key value {NAME}, which violates the uniqueness constraint.",
            "Runtime exception: Found duplicated primary key value ***, which violates the uniqueness constraint.",
        ),
        (  # anything else: identity and mobile numbers masked wherever they are
            f"Unexpected failure near {IDENTITY_NUMBER} and 13987654321",
            "Unexpected failure near 4403**********7311 and 139****4321",
        ),
        ("Invalid input 'MACTH': expected 'MATCH' (line 1, column 1)", None),  # query text stays
    ],
)
def test_values_in_store_messages_are_masked(message: str, shown: str | None) -> None:
    assert without_values(message) == (shown or message)
    assert str(StoreError(message)) == (shown or message)


def test_a_condition_of_the_wrong_kind_is_named_by_its_type() -> None:
    writer = CypherWriter(default_schema(), "ladybug:g")
    with pytest.raises(TypeError) as raised:
        writer.where("Person", "n", ("identity_number", IDENTITY_NUMBER))  # type: ignore[arg-type]
    assert str(raised.value) == "not a condition: a tuple"
