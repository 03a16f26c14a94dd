"""Where a task lies: its subject's grid, walked up the address hierarchy, and the district's
grids, grid workers and departments that assignment chooses from.

The walk follows the model (Schema.place_path): a Person LIVES_AT an Address, IN_BUILDING a
Building, IN_GRID a Grid; a licence is VALID_AT its business address; a rule may name the place
itself (a baby's home). Subjects are walked in batches, one query per label.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from graph_schema import Schema
from hub.store import GraphStore
from hub.store.errors import SchemaMismatch
from hub.store.query import place_path_to
from hub.tasks.catalog import Catalog
from resolvers.ids import identifier_entity_id

# The parts of the model assignment needs that no schema role names.
WORKER, COVERS, DEPARTMENT = "GridWorker", "COVERS", "Department"
_BATCH = 20_000


@dataclass(frozen=True, slots=True)
class Assignee:
    label: str
    id: str
    code: str
    name: str


@dataclass(frozen=True, slots=True)
class GridInfo:
    id: str
    code: str
    name: str
    community: str | None
    street: str | None
    street_name: str | None


@dataclass(frozen=True, slots=True)
class Place:
    """The walk from a subject to its grid: (label, id) per step; ``grid`` None when the walk
    found none. ``others``: further places of the subject in other grids (the first one won)."""

    trail: tuple[tuple[str, str], ...]
    grid: str | None
    others: int = 0

    def text(self) -> str:
        return " → ".join(f"{label} {node_id}" for label, node_id in self.trail)


def department_id(schema: Schema, code: str) -> str:
    node = schema.node(DEPARTMENT)
    key = node.identifiers[0].name
    return identifier_entity_id(node.id_prefix, node.name, key, code.strip().upper())


@dataclass
class Directory:
    """The district as assignment sees it: grids with their community and street, the workers
    covering each grid, and the departments (street offices by the street they serve)."""

    schema: Schema
    grids: dict[str, GridInfo] = field(default_factory=dict)
    workers: dict[str, Assignee] = field(default_factory=dict)
    grid_workers: dict[str, list[str]] = field(default_factory=dict)
    community_grids: dict[str, list[str]] = field(default_factory=dict)
    departments: dict[str, Assignee] = field(default_factory=dict)  # by code
    street_offices: dict[str, str] = field(default_factory=dict)  # street id → department code

    @property
    def grid_level(self) -> str:
        return self.schema.rel(COVERS).targets[0]

    @classmethod
    def load(cls, store: GraphStore, catalog: Catalog) -> Directory:
        schema = store.schema
        found = cls(schema)
        levels, links = schema.roles.address_levels, schema.roles.address_links
        grid = found.grid_level
        at = levels.index(grid)
        community, street = levels[at + 1], levels[at + 2]
        grid_code = schema.node(grid).identifiers[0].name
        rows = store.read(
            f"MATCH (g:{grid}) OPTIONAL MATCH (g)-[:{links[at]}]->(c:{community}) "
            f"OPTIONAL MATCH (c)-[:{links[at + 1]}]->(s:{street}) "
            f"RETURN g.id AS grid, g.{grid_code} AS code, g.name AS name, c.id AS community, "
            "s.id AS street, s.name AS street_name"
        )
        for r in rows:
            info = GridInfo(
                r["grid"],
                r["code"] or r["grid"],
                r["name"] or "",
                r["community"],
                r["street"],
                r["street_name"],
            )
            found.grids[info.id] = info
            if info.community:
                found.community_grids.setdefault(info.community, []).append(info.id)
        worker_code = schema.node(WORKER).identifiers[0].name
        rows = store.read(
            f"MATCH (w:{WORKER})-[:{COVERS}]->(g:{grid}) "
            f"RETURN w.id AS worker, w.{worker_code} AS code, w.name AS name, g.id AS grid"
        )
        covering: dict[str, set[str]] = defaultdict(set)
        for r in rows:
            found.workers[r["worker"]] = Assignee(
                WORKER, r["worker"], r["code"] or r["worker"], r["name"] or ""
            )
            covering[r["grid"]].add(r["worker"])
        found.grid_workers = {g: sorted(ws) for g, ws in covering.items()}
        for grids in found.community_grids.values():
            grids.sort()
        found._add_departments(catalog)
        return found

    def _add_departments(self, catalog: Catalog) -> None:
        streets: dict[str, list[str]] = defaultdict(list)
        for info in self.grids.values():
            if info.street and info.street_name:
                streets[_bare(info.street_name)].append(info.street)
        for dept in catalog.departments.values():
            self.departments[dept.code] = Assignee(
                DEPARTMENT, department_id(self.schema, dept.code), dept.code, dept.name
            )
            for name in dept.streets:
                for street in streets.get(_bare(name), ()):
                    self.street_offices.setdefault(street, dept.code)


def _bare(street: str) -> str:
    """福田街道 and 福田 name one street."""
    return street.strip().removesuffix("街道办事处").removesuffix("街道")


def _walk_query(schema: Schema, label: str, grid: str) -> tuple[str, list[str]]:
    """The query from nodes of ``label`` (ids in $ids) up to their grid, and the labels of the
    nodes it returns after the start (p1 … pN, the last one the grid)."""
    steps = place_path_to(schema, label, grid)
    text, labels = f"(s:{label})", []
    for i, step in enumerate(steps, start=1):
        text += f"-[:{step.rel}]->(p{i}:{step.label})"
        labels.append(step.label)
    returns = ", ".join(f"p{i}.id AS p{i}" for i in range(1, len(steps) + 1))
    return f"MATCH {text} WHERE s.id IN $ids RETURN s.id AS start, {returns}", labels


def _walk(
    store: GraphStore, grid: str, label: str, ids: Sequence[str]
) -> dict[str, list[list[tuple[str, str]]]]:
    """Per start id, every trail up to a grid it reaches, in a stable order."""
    schema = store.schema
    if label == grid:
        return {i: [[]] for i in ids}
    try:
        query, labels = _walk_query(schema, label, grid)
    except SchemaMismatch:  # the type has no place at grid level
        return {}
    trails: dict[str, list[list[tuple[str, str]]]] = defaultdict(list)
    for start in range(0, len(ids), _BATCH):
        for row in store.read(query, {"ids": list(ids[start : start + _BATCH])}):
            trail = [(lbl, str(row[f"p{i}"])) for i, lbl in enumerate(labels, start=1)]
            trails[str(row["start"])].append(trail)
    for found in trails.values():
        found.sort(key=lambda trail: [node for _, node in trail])
    return trails


def _labels_of(store: GraphStore, ids: Iterable[str]) -> dict[str, str]:
    """Which address level each place id is a node of."""
    left, found = set(ids), {}
    for level in store.schema.roles.address_levels:
        if not left:
            break
        for node_id in store.existing_ids(level, left):
            found[node_id] = level
        left -= set(found)
    return found


def place_subjects(
    store: GraphStore, grid: str, subjects: Iterable[tuple[str, str]], places: Mapping[str, str] | None = None
) -> dict[tuple[str, str], Place]:
    """The place of each (label, id) subject: through ``places[id]`` when the fact names one (an
    Address, Building or Grid id), else through the subject's own place in the model."""
    places = places or {}
    subjects = list(dict.fromkeys(subjects))
    named = _labels_of(store, {places[s[1]] for s in subjects if s[1] in places})
    starts: dict[str, list[str]] = defaultdict(list)  # label → start ids
    origin: dict[tuple[str, str], tuple[str, str]] = {}
    for label, node_id in subjects:
        place = places.get(node_id)
        start = (named[place], place) if place in named else (label, node_id)
        origin[(label, node_id)] = start
        starts[start[0]].append(start[1])
    walked = {lbl: _walk(store, grid, lbl, sorted(set(ids))) for lbl, ids in starts.items()}
    out = {}
    for subject, start in origin.items():
        trails = walked[start[0]].get(start[1], [])
        head = (subject,) if start == subject else (subject, start)
        if not trails:
            out[subject] = Place(head, None)
            continue
        first = trails[0]
        grids = {t[-1][1] if t else start[1] for t in trails}
        out[subject] = Place((*head, *first), first[-1][1] if first else start[1], len(grids) - 1)
    return out
