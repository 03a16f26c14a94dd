"""Reading the mention table for search, and noticing that it moved, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete

from hub.search.source import mentions_version, read_mentions, runs_version
from hub.state import StateStore
from hub.state.tables import metadata
from tests.support.postgres_fixture import postgres_url  # noqa: F401  (session fixture)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.integration)])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StateStore]:
    url = (
        f"sqlite:///{tmp_path / 'state.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    with StateStore(url) as store:
        if request.param == "postgresql":  # the server is shared by the session: start empty
            with store.engine.begin() as conn:
                for table in reversed(metadata.sorted_tables):
                    conn.execute(delete(table))
        yield store


def mention(record: str, entity: str, features: dict[str, Any], role: str = "self") -> dict[str, Any]:
    return {"source": "population", "record_id": record, "role": role, "entity_type": "Person",
            "entity_id": entity, "trust": 60, "features": features, "run_id": "run-1"}  # fmt: skip


def test_features_are_read_as_text_with_none_where_absent(state: StateStore) -> None:
    state.replace_mentions(
        "population",
        ["r1", "r2"],
        [
            mention(
                "r1",
                "P-1",
                {"name": "张伟", "~name_pinyin": "zhangwei", "~birth_year": "1980", "problems": []},
            ),
            mention("r2", "P-2", {"name": "章伟", "building_id": "B-7", "~identity_valid": True}),
            {
                **mention("r2", "L-1", {"name": "深圳市福山餐饮有限公司"}, role="company"),
                "entity_type": "LegalEntity",
            },
        ],
    )
    rows = read_mentions(state, "Person", ["name", "~name_pinyin", "~birth_year", "building_id"])
    order = sorted(range(len(rows)), key=lambda i: rows.entity_ids[i])
    assert [rows.entity_ids[i] for i in order] == ["P-1", "P-2"]
    assert [rows.features["name"][i] for i in order] == ["张伟", "章伟"]
    assert [rows.features["~name_pinyin"][i] for i in order] == ["zhangwei", None]
    assert [rows.features["~birth_year"][i] for i in order] == ["1980", None]
    assert [rows.features["building_id"][i] for i in order] == [None, "B-7"]
    assert rows.trust.tolist() == [60, 60]
    assert set(rows.run_ids) == {"run-1"}
    assert len(read_mentions(state, "LegalEntity", ["name"])) == 1
    # Of several keys, the first present: a derived value, else the one it is derived from.
    year = read_mentions(state, "Person", [("~birth_year", "birth_date"), ("building_id", "name")])
    assert sorted(zip(year.features["~birth_year"], year.features["building_id"], strict=True), key=str) == [
        ("1980", "张伟"),
        (None, "B-7"),
    ]


def test_the_version_moves_with_new_rewritten_and_merged_mentions_and_finished_runs(
    state: StateStore,
) -> None:
    seen = [mentions_version(state)]
    state.replace_mentions("population", ["r1"], [mention("r1", "P-1", {"name": "张伟"})])
    seen.append(mentions_version(state))
    state.replace_mentions("population", ["r1"], [mention("r1", "P-1", {"name": "张玮"})])  # rewritten
    seen.append(mentions_version(state))
    state.replace_mentions("population", ["r2"], [mention("r2", "P-2", {"name": "张伟"})])
    seen.append(mentions_version(state))
    state.reassign_mentions({"P-2": "P-1"}, "run-2")  # a merge: same rows, other entity ids
    seen.append(mentions_version(state))
    runs_before = runs_version(state)
    started = datetime.now(UTC)
    state.save_run("run-3", started, "running", {}, None)
    assert runs_version(state) == runs_before  # a run under way has changed nothing yet for sure
    state.save_run("run-3", started, "succeeded", {}, datetime.now(UTC))
    seen.append(mentions_version(state))
    assert runs_version(state) != runs_before
    assert len(set(seen)) == len(seen), seen
    assert mentions_version(state) == seen[-1]  # and stays put while nothing happens
