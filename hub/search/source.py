"""Where the search index reads from, and how it tells that what it read has changed.

Names come from the state database's mention table, not from the graph: a mention row holds what
one source wrote (every variant: 張偉 from a Hong Kong permit, 章伟 from a clerk who misheard,
张伟 from the register) where a graph node holds only the golden value, and the resolver keeps the
rows' entity ids current (a merge rewrites them, a split moves them). The columnar snapshot of
hub/resolution/snapshot.py would read faster, but it is written by resolution passes only and holds
entity ids as of the pass that wrote each part (merges since are aliases to apply, rows since are
in the database): catching it up is the resolver's business, and the mention table is already
caught up.

Only the few features search needs are read, extracted by the database from the JSON text
(SQLite's json_extract, PostgreSQL's ->>): parsing every row's JSON in Python, as the state's
mention_columns does, takes almost twice as long (4.4 s against 2.4 s for 244k person mentions).

Places come from the graph, which holds the standard address hierarchy: one row per building
with its community (tens of thousands at a million residents), read once per index.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import JSON, Text, cast, func, select

from hub.state import StateStore
from hub.state.tables import aliases, mention_changes, mentions, runs
from hub.store import GraphStore

Objects = npt.NDArray[np.object_]
FETCH = 20_000


@dataclass(frozen=True)
class MentionRows:
    """Mentions of one entity type as aligned arrays (row i of every array is one mention)."""

    entity_ids: Objects
    trust: npt.NDArray[np.int64]
    run_ids: Objects
    features: Mapping[str, Objects]  # feature key → values as text, None where absent

    def __len__(self) -> int:
        return len(self.entity_ids)


def _feature(dialect: str, key: str) -> Any:
    """The feature's value as text, extracted by the database. Spelt out per dialect, with the JSON
    path as a plain parameter, so the statement can go to the driver as it is (see below)."""
    if dialect == "sqlite":
        return cast(func.json_extract(mentions.c.features, f'$."{key}"'), Text)
    if dialect == "postgresql":
        return cast(mentions.c.features, JSON).op("->>")(key)
    return cast(mentions.c.features, JSON)[key].as_string()


# A feature to read: a key, or keys whose first present value is wanted (a value the resolver
# derived, else the one it is derived from: mentions written before the derivation existed).
Key = str | tuple[str, ...]


def _first(dialect: str, key: Key) -> Any:
    if isinstance(key, str):
        return _feature(dialect, key)
    return func.coalesce(*(_feature(dialect, k) for k in key))


def key_name(key: Key) -> str:
    return key if isinstance(key, str) else key[0]


def read_mentions(state: StateStore, entity_type: str, keys: Sequence[Key]) -> MentionRows:
    """Every current mention of ``entity_type`` with the feature ``keys`` (named by their first
    key), streamed."""
    dialect = state.engine.dialect.name
    query = select(
        mentions.c.entity_id,
        mentions.c.trust,
        mentions.c.run_id,
        *(_first(dialect, key) for key in keys),
    ).where(mentions.c.entity_type == entity_type)
    entities: list[Any] = []
    trust: list[Any] = []
    run_ids: list[Any] = []
    columns: list[list[Any]] = [[] for _ in keys]
    with state.engine.connect().execution_options(stream_results=True) as conn:
        # Plain DB-API rows, as the state's own mention_columns reads the whole table: SQLAlchemy
        # Row objects and result processing cost more than the query (2.8 s against 1.4 s).
        if dialect in ("sqlite", "postgresql"):
            compiled = query.compile(dialect=conn.dialect)
            params = compiled.construct_params()
            if conn.dialect.paramstyle in ("qmark", "numeric"):
                result = conn.exec_driver_sql(
                    str(compiled), tuple(params[n] for n in compiled.positiontup or ())
                )
            else:
                result = conn.exec_driver_sql(str(compiled), params)
        else:
            result = conn.execute(query)
        while chunk := result.fetchmany(FETCH):
            # Transposing a chunk at a time keeps the work in C (zip) rather than per row.
            parts = list(zip(*chunk, strict=True))
            entities.extend(parts[0])
            trust.extend(parts[1])
            run_ids.extend(parts[2])
            for column, values in zip(columns, parts[3:], strict=True):
                column.extend(values)
    return MentionRows(
        entity_ids=np.array(entities, dtype=object),
        trust=np.array(trust, dtype=np.int64),
        run_ids=np.array(run_ids, dtype=object),
        features={
            key_name(k): np.array(column, dtype=object) for k, column in zip(keys, columns, strict=True)
        },
    )


def runs_version(state: StateStore) -> tuple[Any, ...]:
    """Changes whenever a sync, resolution pass or steward judgement finishes (each is a run,
    finished when its report is saved): what the graph holds may have changed."""
    with state.engine.connect() as conn:
        row = conn.execute(select(func.count(runs.c.finished_at), func.max(runs.c.finished_at))).one()
    return tuple(row)


def mentions_version(state: StateStore) -> tuple[Any, ...]:
    """Changes whenever the mentions may have: rows added (the count), rewritten or retired (the
    change log's mark), merged (the alias count), or moved by a split (only within a run, whose
    end :func:`runs_version` sees). Four indexed aggregates: milliseconds at a million rows."""
    with state.engine.connect() as conn:
        counted = conn.execute(
            select(
                select(func.count()).select_from(mentions).scalar_subquery(),
                select(func.max(mention_changes.c.id)).scalar_subquery(),
                select(func.count()).select_from(aliases).scalar_subquery(),
            )
        ).one()
    return (*counted, *runs_version(state))


@dataclass(frozen=True)
class Places:
    """The community of each standard building, and the communities' names."""

    community_of: Mapping[str, str]  # building id → community id
    names: Mapping[str, str]  # community id → its name

    def community_label(self, community: str) -> str:
        name = self.names.get(community)
        return f"{name} ({community})" if name else community


def read_places(store: GraphStore) -> Places:
    """Building → community through the standard hierarchy (Building-IN_GRID->Grid-IN_COMMUNITY->
    Community, as the schema names it), in Cypher that Neo4j and the embedded store both take."""
    schema = store.schema
    levels, links, key = schema.roles.address_levels, schema.roles.address_links, schema.id_property
    if len(levels) < 4 or len(links) < 3:
        return Places({}, {})
    building, grid, community = levels[1], levels[2], levels[3]
    rows = store.read(
        f"MATCH (b:{building})-[:{links[1]}]->(:{grid})-[:{links[2]}]->(c:{community}) "
        f"RETURN b.{key} AS building, c.{key} AS community"
    )
    has_name = "name" in {p.name for p in schema.node(community).properties}
    names = (
        {
            str(r["id"]): str(r["name"])
            for r in store.read(f"MATCH (c:{community}) RETURN c.{key} AS id, c.name AS name")
            if r["name"]
        }
        if has_name
        else {}
    )
    return Places({str(r["building"]): str(r["community"]) for r in rows}, names)
