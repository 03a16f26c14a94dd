"""`gridhub sources check`: a declaration tried on its real file, table or API, writing nothing.

The connector is opened as a sync opens it (so the header contract, confined paths and the
connection are checked the same way), up to ``limit`` rows are read and mapped, and what came
of them is summed up: how many map, why the others would go to quarantine, how often each mapped
property is filled, and a few rows shown raw beside what they became. Neither the graph nor the
state is touched, so it can run beside a serving API or before a source's first sync.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from connectors.base import open_connector
from connectors.config import SourceConfig
from connectors.errors import ConnectorError, RowError
from connectors.mapping import Mapper
from connectors.records import SourceRow
from graph_schema import Schema
from hub.redact import redact_pii
from hub.settings import Settings

DEFAULT_LIMIT = 1_000
DEFAULT_SAMPLE = 3


@dataclass
class SourceCheck:
    """What reading and mapping a source's first rows showed."""

    source: str
    location: str
    problem: str | None = None  # the source cannot be read, or breaks its contract
    read: int = 0
    mapped: int = 0
    errors: Counter[str] = field(default_factory=Counter)  # why rows would be quarantined
    filled: Counter[str] = field(default_factory=Counter)  # role.property → rows giving a value
    invalid: Counter[str] = field(default_factory=Counter)  # role.property → values failing checks
    # Rows whose record id is an identity number or a mobile number the declaration does not say
    # is personal data (``record_id_pii``): the graph, the audit log and every answer would show it.
    personal_ids: int = 0
    samples: list[tuple[dict[str, Any], SourceRow]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.problem is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "location": self.location,
            "problem": self.problem,
            "read": self.read,
            "mapped": self.mapped,
            "errors": dict(self.errors.most_common()),
            "filled": dict(sorted(self.filled.items())),
            "invalid": dict(sorted(self.invalid.items())),
            "personal_record_ids": self.personal_ids,
            "samples": [{"raw": raw, "mapped": _mapped(row)} for raw, row in self.samples],
        }


def _mapped(row: SourceRow) -> dict[str, Any]:
    return {
        m.role: {"type": m.entity_type, "properties": m.properties, "problems": m.problems}
        for m in row.mentions
    }


def _reason(error: RowError) -> str:
    """The kind of error, without the row's own values (they may be personal data)."""
    return f"{error.field}: {str(error).split(': ', 1)[-1].split(' (')[0][:120]}"


def check_source(
    config: SourceConfig,
    schema: Schema,
    settings: Settings,
    *,
    limit: int = DEFAULT_LIMIT,
    sample: int = DEFAULT_SAMPLE,
) -> SourceCheck:
    """Read and map up to ``limit`` rows of the source; keep ``sample`` of them to show."""
    check = SourceCheck(config.name, declared_location(config))
    mapper = Mapper(config, schema)
    try:
        connector = open_connector(config, settings.data_dir, settings.source_dirs)
        check.location = str(getattr(connector, "location", check.location))
        for raw in connector.rows():
            if check.read >= limit:
                break
            check.read += 1
            try:
                row = mapper.map_row(raw)
            except RowError as exc:
                check.errors[_reason(exc)] += 1
                continue
            check.mapped += 1
            if not mapper.pseudonymous and redact_pii(row.record_id) != row.record_id:
                check.personal_ids += 1
            for mention in row.mentions:
                for prop, value in mention.properties.items():
                    if value not in (None, ""):
                        check.filled[f"{mention.role}.{prop}"] += 1
                for prop in mention.problems:
                    check.invalid[f"{mention.role}.{prop}"] += 1
            if len(check.samples) < sample:
                check.samples.append((raw, row))
    except ConnectorError as exc:
        check.problem = str(exc)
    return check


def check_sources(
    configs: list[SourceConfig], schema: Schema, settings: Settings, *, limit: int, sample: int
) -> list[SourceCheck]:
    return [check_source(c, schema, settings, limit=limit, sample=sample) for c in configs]


def declared_location(config: SourceConfig) -> str:
    """Where the source reads from, as `sources list` shows it (passwords masked)."""
    from connectors.secrets import redact_url

    spec: Any = config.connector
    for attribute in ("path", "url"):
        value = getattr(spec, attribute, None)
        if value:
            return redact_url(str(value))
    return spec.kind if hasattr(spec, "kind") else "?"
