"""Source declarations: one YAML file per source, naming its connector and its mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from connectors.cron import cron_trigger, zone
from connectors.errors import MappingError
from connectors.specs import ConnectorSpec
from connectors.transforms import TRANSFORMS
from graph_schema import Schema


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ValueMap(_Strict):
    """Where one property's value comes from: a column (with transforms) or a constant."""

    column: str | None = None
    value: Any = None
    transform: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _one_origin(self) -> ValueMap:
        if (self.column is None) == (self.value is None):
            raise ValueError("give exactly one of 'column' or 'value'")
        unknown = [t for t in self.transform if t not in TRANSFORMS]
        if unknown:
            raise ValueError(f"unknown transform {unknown[0]!r} (known: {', '.join(sorted(TRANSFORMS))})")
        return self


def _shorthand(raw: Any) -> Any:
    """`name: 姓名` is shorthand for `name: {column: 姓名}`."""
    if isinstance(raw, dict):
        return {k: {"column": v} if isinstance(v, str) else v for k, v in raw.items()}
    return raw


class EntityMap(_Strict):
    type: str
    properties: dict[str, ValueMap] = Field(default_factory=dict)
    # Values the resolver reads but the graph does not store as properties, e.g. the free-text
    # address a source wrote (`hints: {address_text: 居住地址}`), resolved to a standard address.
    hints: dict[str, ValueMap] = Field(default_factory=dict)
    # The mention is made only when one of these properties has a value (default: any property).
    requires: tuple[str, ...] = ()
    # This source defines the standard entities (the standard address library does): its
    # mentions are the reference others are resolved against, never resolved themselves.
    standard: bool = False

    @model_validator(mode="before")
    @classmethod
    def _expand(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {**data, **{k: _shorthand(data[k]) for k in ("properties", "hints") if k in data}}
        return data


class LinkMap(_Strict):
    type: str
    from_role: str = Field(alias="from")
    to_role: str = Field(alias="to")


class ScheduleSpec(_Strict):
    """When the server syncs the source by itself (`schedule:`; hub/schedule/), and how often it
    tries again after a failed attempt. Not part of the declaration's fingerprint."""

    # Five fields, read as cron reads them: minute hour day month weekday (0 and 7: Sunday).
    cron: str
    # An IANA time zone the cron expression is read in; None: the server's local time.
    timezone: str | None = None
    # Attempts after a failed one; the n-th waits retry_delay_s × 2ⁿ⁻¹ seconds (at most an hour).
    retries: int = Field(2, ge=0, le=10)
    retry_delay_s: float = Field(60.0, ge=0, le=3600)
    # Each firing is delayed by up to this many random seconds (spreads sources over a minute).
    jitter_s: int = Field(0, ge=0, le=3600)

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        cron_trigger(value)
        return " ".join(value.split())

    @field_validator("timezone")
    @classmethod
    def _valid_zone(cls, value: str | None) -> str | None:
        zone(value)
        return value


class SourceConfig(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str = ""
    department: str = ""
    connector: ConnectorSpec
    # snapshot: every sync reads the whole source, so records gone from it are retired.
    # incremental: a sync reads rows changed since the cursor; nothing is retired.
    mode: Literal["snapshot", "incremental"] = "snapshot"
    # The column whose largest value read so far is the cursor of an incremental source.
    cursor_column: str | None = None
    record_id: tuple[str, ...] = Field(min_length=1)
    # Whether the record id is personal data (rows keyed by an identity number or a phone): its
    # rows are then kept under a keyed pseudonym of it (resolvers.ids.record_pseudonym), never
    # the value. None: decided from the mapping (a record id column mapped to a pii property).
    record_id_pii: bool | None = None
    trust: int = Field(50, ge=0, le=100)
    entities: dict[str, EntityMap] = Field(min_length=1)
    relationships: tuple[LinkMap, ...] = ()
    # When the server syncs it by itself; None: only when asked (`gridhub sync`, an orchestrator).
    schedule: ScheduleSpec | None = None
    file: str = ""

    def record_id_is_pii(self, schema: Schema) -> bool:
        """Whether the rows' ids are personal data (see ``record_id_pii``)."""
        if self.record_id_pii is not None:
            return self.record_id_pii
        personal = {
            spec.column
            for entity in self.entities.values()
            for prop in schema.node(entity.type).properties
            if prop.pii and (spec := entity.properties.get(prop.name)) is not None and spec.column
        }
        return any(column in personal for column in self.record_id)

    @property
    def defines_standard(self) -> bool:
        return any(entity.standard for entity in self.entities.values())

    @model_validator(mode="after")
    def _cursor_for_incremental(self) -> SourceConfig:
        if self.mode == "incremental" and self.cursor_column is None:
            raise ValueError("an incremental source needs a cursor_column")
        return self

    @model_validator(mode="before")
    @classmethod
    def _listify(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("record_id"), str):
            data = {**data, "record_id": [data["record_id"]]}
        if isinstance(data, dict) and isinstance(data.get("schedule"), str):  # `schedule: "0 2 * * *"`
            data = {**data, "schedule": {"cron": data["schedule"]}}
        return data


def _check_against_schema(config: SourceConfig, schema: Schema, file: str) -> None:
    from resolvers.normalize import get_normalizer

    for role, entity in config.entities.items():
        try:
            node = schema.node(entity.type)
        except KeyError:
            raise MappingError(
                file, f"entities.{role}.type", f"unknown entity type {entity.type!r}"
            ) from None
        for prop in entity.properties:
            if prop not in node.property_names:
                raise MappingError(
                    file, f"entities.{role}.properties.{prop}", f"{node.name} has no such property"
                )
        for required in entity.requires:
            # A name the role does not map never has a value: no mention would ever be made.
            if required not in entity.properties and required not in entity.hints:
                what = (
                    "a property it does not map" if required in node.property_names else "no property or hint"
                )
                raise MappingError(
                    file,
                    f"entities.{role}.requires",
                    f"{required!r} is {what} of this {node.name} role (map it under properties or hints)",
                )
        for declared in node.properties:
            if declared.normalizer and declared.name in entity.properties:
                try:
                    get_normalizer(declared.normalizer)
                except KeyError as exc:
                    key = f"entities.{role}.properties.{declared.name}"
                    raise MappingError(file, key, str(exc)) from None
    for i, link in enumerate(config.relationships):
        key = f"relationships[{i}]"
        for end in (link.from_role, link.to_role):
            if end not in config.entities:
                raise MappingError(file, key, f"role {end!r} is not declared under entities")
        try:
            rel = schema.rel(link.type)
        except KeyError:
            raise MappingError(file, f"{key}.type", f"unknown relationship type {link.type!r}") from None
        src, dst = config.entities[link.from_role].type, config.entities[link.to_role].type
        if not rel.connects(src, dst):
            raise MappingError(file, f"{key}.type", f"{link.type} does not connect {src} to {dst}")


def load_source_config(path: Path, schema: Schema) -> SourceConfig:
    file = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(file, "(file)", f"cannot read: {exc}") from exc
    if not isinstance(raw, dict):
        raise MappingError(file, "(file)", "expected a mapping at the top level")
    try:
        config = SourceConfig(**raw, file=file)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(p) for p in first["loc"]) or "(file)"
        raise MappingError(file, key, first["msg"]) from exc
    except TypeError as exc:
        raise MappingError(file, "(file)", str(exc)) from exc
    _check_against_schema(config, schema, file)
    return config


def load_source_configs(directory: Path, schema: Schema) -> list[SourceConfig]:
    if not directory.is_dir():
        raise MappingError(str(directory), "(directory)", "source configuration directory not found")
    configs: dict[str, SourceConfig] = {}
    for path in sorted(directory.glob("*.yaml")):
        config = load_source_config(path, schema)
        if config.name in configs:
            raise MappingError(
                str(path), "name", f"source {config.name!r} is also declared in {configs[config.name].file}"
            )
        configs[config.name] = config
    return list(configs.values())
