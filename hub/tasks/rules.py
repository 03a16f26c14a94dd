"""Matching rules as declarative config (config/tasks/rules/*.yaml), one rule a file.

A ``graph`` rule is a read-only Cypher query over the graph::

    name: licence-expiring          # stable: task fact keys contain it
    item: QY-001                    # the item list's code (config/tasks/items.yaml)
    description: A licence of an active business runs out within 60 days.
    subject: License                # the label of the subjects (or a `label` column)
    params: {active: [存续]}         # passed to the query as $active
    dates: {until: {days: 60}}      # date parameters relative to today: $until = today + 60 days
    note: "{license_type} 有效期至 {due}"   # the task's note, from the row's columns
    cypher: |                       # shared by both stores …
      MATCH (h:LegalEntity)-[:HOLDS]->(l:License) WHERE … RETURN l.id AS subject, …
    cypher_ladybug: …               # … unless a store needs its own dialect (date arithmetic)
    cypher_neo4j: …

The query returns one row per fact: ``subject`` (a node id), ``period`` (what makes the fact
recur: a year, an expiry date; default "-"), optionally ``due`` (a date the work must be done
by; the item's deadline in working days applies when it is earlier), ``place`` (the id of the
Address, Building or Grid that decides who is responsible, when not the subject's own) and
``label``; other columns are kept with the task. Every run passes ``$today``, ``$year``
(2026), ``$quarter`` (2026Q4) and ``$month`` (2026-11) besides the rule's params and dates.

A ``review_backlog`` rule reads the state database instead: review items no steward has decided
for ``params.older_than_days`` days (``params.kinds``: only these kinds), one task each.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from graph_schema import Schema
from hub.errors import ConfigError
from hub.tasks.catalog import Catalog, read_validated

GRAPH, REVIEW_BACKLOG = "graph", "review_backlog"
STANDARD_PARAMS = ("today", "year", "quarter", "month")
# Clauses that write: a rule only reads (Neo4j runs it in a read transaction anyway).
_WRITES = re.compile(
    r"\b(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|DROP|ALTER|COPY|LOAD|INSTALL)\b", re.IGNORECASE
)
_STRINGS = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DateOffset(_Strict):
    years: int = 0
    months: int = 0
    days: int = 0

    def from_day(self, day: date) -> date:
        """Years and months first (29 February a year on is 28 February), then days."""
        months = day.year * 12 + day.month - 1 + self.years * 12 + self.months
        year, month = divmod(months, 12)
        last = calendar.monthrange(year, month + 1)[1]
        return date(year, month + 1, min(day.day, last)) + timedelta(days=self.days)


class RuleDef(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,60}$")
    item: str
    description: str = Field(min_length=1)
    kind: Literal["graph", "review_backlog"] = "graph"
    enabled: bool = True
    subject: str | None = None
    params: dict[str, Any] = Field(default_factory=dict)
    dates: dict[str, DateOffset] = Field(default_factory=dict)
    note: str | None = None
    cypher: str | None = None
    cypher_ladybug: str | None = None
    cypher_neo4j: str | None = None

    @model_validator(mode="after")
    def _queries(self) -> RuleDef:
        queries = [q for q in (self.cypher, self.cypher_ladybug, self.cypher_neo4j) if q]
        if self.kind == REVIEW_BACKLOG:
            if queries:
                raise ValueError("a review_backlog rule reads the state database: it has no cypher")
            return self
        if not self.cypher and not (self.cypher_ladybug and self.cypher_neo4j):
            raise ValueError("a graph rule needs `cypher`, or both `cypher_ladybug` and `cypher_neo4j`")
        for query in queries:
            found = _WRITES.search(_STRINGS.sub("''", query))
            if found:
                raise ValueError(f"a rule only reads the graph: its query has {found.group(1).upper()}")
        clash = sorted(
            set(self.params) & set(self.dates) | (set(self.params) | set(self.dates)) & set(STANDARD_PARAMS)
        )
        if clash:
            raise ValueError(f"parameter {clash[0]!r} is given twice (params, dates, or one the run passes)")
        return self

    def query(self, dialect: str) -> str:
        """The query in the store's dialect ("ladybug" or "neo4j")."""
        own = self.cypher_ladybug if dialect == "ladybug" else self.cypher_neo4j
        found = own or self.cypher
        assert found is not None  # checked by _queries
        return found

    def parameters(self, today: date) -> dict[str, Any]:
        quarter = (today.month - 1) // 3 + 1
        standard = {
            "today": today,
            "year": str(today.year),
            "quarter": f"{today.year}Q{quarter}",
            "month": f"{today:%Y-%m}",
        }
        return {**standard, **self.params, **{k: v.from_day(today) for k, v in self.dates.items()}}


@dataclass(frozen=True, slots=True)
class Fact:
    """One thing a rule found that needs doing: (origin, subject, period) is the fact."""

    origin: str
    item: str
    subject_label: str
    subject_id: str
    period: str = "-"
    due: date | None = None
    place: str | None = None
    about: tuple[str, str] | None = None  # the node the task is ABOUT; None: the subject's
    note: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.origin}/{self.subject_id}/{self.period}"

    @property
    def about_node(self) -> tuple[str, str] | None:
        if self.about is not None:
            return self.about
        return (self.subject_label, self.subject_id) if self.subject_label else None


def load_rules(rules_dir: Path, catalog: Catalog, schema: Schema) -> list[RuleDef]:
    """Every ``*.yaml`` under ``rules_dir``, in name order, checked against the item list and the
    model; disabled rules are left out."""
    if not rules_dir.is_dir():
        raise ConfigError(f"{rules_dir}: no rules directory")
    rules: dict[str, RuleDef] = {}
    labels = {n.name for n in schema.node_types}
    for path in sorted(rules_dir.glob("*.yaml")):
        rule: RuleDef = read_validated(path, RuleDef)
        if rule.name in rules:
            raise ConfigError(f"{path}: rule {rule.name!r} is declared twice")
        if rule.item not in catalog.items:
            raise ConfigError(f"{path}: item: {rule.item!r} is not in the item list")
        if rule.subject is not None and rule.subject not in labels:
            raise ConfigError(f"{path}: subject: {rule.subject!r} is not a node type of the model")
        rules[rule.name] = rule
    return [r for r in rules.values() if r.enabled]
