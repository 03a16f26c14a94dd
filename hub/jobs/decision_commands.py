"""The write jobs of the steward decisions of issue 16: a building picked for an address, a
quarantined row fixed and replayed, a bulk decision applied, a decision revoked.

Registered into COMMANDS by hub/jobs/__init__.py. Those that sync records again read the source
declarations from ``config`` (the CLI's --config), else GRIDHUB_SOURCES_CONFIG_DIR.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from functools import lru_cache
from pathlib import Path
from typing import Any

from connectors.config import SourceConfig, load_source_configs
from graph_schema import Schema
from hub.jobs.commands import OK, Command, JobError, JobResult
from hub.review.addresses import pick_building
from hub.review.bulk import BulkFilter, apply_bulk, preview_bulk
from hub.review.quarantine import fix_and_replay
from hub.review.revoking import revoke
from hub.review.splitting import split_entity
from hub.settings import Settings
from hub.state import StateStore
from hub.state.decisions import Decision
from hub.store import GraphStore
from hub.sync.pipeline import Progress


def _configs(store: GraphStore, settings: Settings, options: Mapping[str, Any]) -> list[SourceConfig]:
    directory = Path(str(options.get("config") or settings.sources_config_dir))
    if not directory.is_dir():
        return load_source_configs(directory, store.schema)  # its error names the directory
    # Read again only when a declaration file changed: a server deciding all day would otherwise
    # parse every YAML file per decision (a fifth of a pick's time).
    files = tuple(sorted((f.name, f.stat().st_mtime_ns) for f in directory.glob("*.yaml")))
    return list(_declared(directory.resolve(), files, store.schema))


@lru_cache(maxsize=8)
def _declared(
    directory: Path, files: tuple[tuple[str, int], ...], schema: Schema
) -> tuple[SourceConfig, ...]:
    return tuple(load_source_configs(directory, schema))


def decision_dict(decision: Decision) -> dict[str, Any]:
    """A decision as JSON (the job's result, the REST answer)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in asdict(decision).items()}


def pick(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    outcome = pick_building(
        store, state, _configs(store, settings, options), settings, int(options["item"]),
        str(options["building"]), str(options["steward"]), options.get("reason"), progress,
    )  # fmt: skip
    return JobResult(
        OK,
        {
            "summary": outcome.summary,
            "run_id": outcome.run_id,
            "decisions": list(map(decision_dict, outcome.decisions)),
        },
    )


def quarantine_fix(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    fields = options.get("fields") or {}
    if not isinstance(fields, Mapping):
        raise JobError(f"fields must be an object of field → value, not {type(fields).__name__}")
    outcome = fix_and_replay(
        store, state, _configs(store, settings, options), settings, int(options["entry"]),
        {str(k): None if v is None else str(v) for k, v in fields.items()}, str(options["steward"]),
        options.get("reason"),
    )  # fmt: skip
    return JobResult(
        OK,
        {"summary": outcome.summary, "run_id": outcome.run_id, "decision": decision_dict(outcome.decision)},
    )


def bulk_filter(options: Mapping[str, Any]) -> BulkFilter:
    def score(name: str) -> float | None:
        value = options.get(name)
        try:
            return None if value is None else float(value)
        except (TypeError, ValueError) as exc:
            raise JobError(f"{name} must be a number between 0 and 1, not {value!r}") from exc

    return BulkFilter(
        options.get("kind"),
        options.get("entity_type"),
        options.get("source"),
        score("min_score"),
        score("max_score"),
    )


def bulk(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    outcome = apply_bulk(
        store, state, str(options["verdict"]), bulk_filter(options), str(options["token"]),
        str(options["steward"]), options.get("reason"), settings.data_dir / "cache",
    )  # fmt: skip
    return JobResult(
        OK,
        {
            "summary": outcome.summary,
            "decided": [d.review_item or int(d.subject.removeprefix("item:")) for d in outcome.decisions],
            "refused": {str(k): v for k, v in outcome.refused.items()},
            "batch": outcome.decisions[0].id if outcome.decisions else None,
        },
    )


def bulk_preview(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    """A preview writes nothing; run as a job by GraphQL, it sees the queue as the write before it left it."""
    preview = preview_bulk(
        state, str(options["verdict"]), bulk_filter(options), int(options.get("first", 20))
    )
    return JobResult(OK, asdict(preview))


def revoke_decision(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    outcome = revoke(
        store,
        state,
        _configs(store, settings, options),
        settings,
        int(options["decision"]),
        str(options["steward"]),
    )
    return JobResult(
        OK, {"summary": outcome.summary, "decisions": list(map(decision_dict, outcome.decisions))}
    )


def split(
    store: GraphStore,
    state: StateStore,
    settings: Settings,
    options: Mapping[str, Any],
    progress: Progress | None,
) -> JobResult:
    """Options: ``entity``, ``mentions`` (source:record_id:role each), ``steward``, ``reason``, ``confirm``."""
    outcome = split_entity(
        store, state, str(options["entity"]), [str(m) for m in options["mentions"]], str(options["steward"]),
        options.get("reason"), settings.data_dir / "cache", confirm=bool(options.get("confirm")),
    )  # fmt: skip
    judgements = [o.judgement for o in outcome.outcomes]
    return JobResult(
        OK,
        {
            "summary": outcome.summary,
            "entity": outcome.entity,
            "entity_type": judgements[0].entity_type if judgements else None,
            "moved": outcome.moved,
            "judgements": [j.id for j in judgements],
        },
    )


DECISION_COMMANDS: dict[str, Command] = {
    "review-pick": pick,
    "review-split": split,
    "quarantine-fix": quarantine_fix,
    "review-bulk": bulk,
    "review-bulk-preview": bulk_preview,
    "review-revoke": revoke_decision,
}
