"""Making a steward's decision hold in the graph now: the records it concerns are synced again.

A picked building (hub/review/addresses.py) changes how a text resolves; rather than patching
the graph by hand, the records that name the text are marked changed and their sources synced,
so the graph gets exactly what every later sync would write (one code path, not two).
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.config import SourceConfig
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync import sync_sources
from hub.sync.addresses import resolves_addresses
from hub.sync.pipeline import Progress


def resync_address_records(
    store: GraphStore,
    state: StateStore,
    configs: Iterable[SourceConfig],
    settings: Settings,
    records: Iterable[tuple[str, str]],
    address_ids: Iterable[str],
    progress: Progress | None = None,
) -> str | None:
    """Sync again the ``records`` ((source, record id)) and every record whose address is one of
    ``address_ids``; returns the run id, None when no record was concerned. A snapshot source is
    read again for them; an incremental one redoes them when it next reads them."""
    label = store.schema.roles.standard_address
    wanted = set(address_ids)
    named = set(records)
    chosen = []
    for config in configs:
        if not resolves_addresses(config, store.schema):
            continue
        redo = {record for source, record in named if source == config.name}
        redo |= {record for record, entity in state.asserted_entities(config.name, label) if entity in wanted}
        if redo:
            state.redo_records(config.name, redo, reread=config.mode == "snapshot")
            chosen.append(config)
    if not chosen:
        return None
    return sync_sources(store, state, chosen, settings, progress).run_id
