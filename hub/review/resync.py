"""Making a steward's decision hold in the graph now: the records it concerns are synced again.

A picked building (hub/review/addresses.py) changes how a text resolves; rather than patching
the graph by hand, the records that name the text are marked changed and their sources synced,
so the graph gets exactly what every later sync would write (one code path, not two).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from connectors.config import SourceConfig
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync import sync_sources
from hub.sync.addresses import AddressBook, feeds_library, resolves_addresses
from hub.sync.pipeline import Progress


def library_sources(store: GraphStore, configs: Iterable[SourceConfig]) -> list[SourceConfig]:
    """The sources the standard address library is made of (hub/sync/addresses.feeds_library)."""
    return [c for c in configs if feeds_library(c, store.schema)]


def address_book(
    store: GraphStore, state: StateStore, configs: Iterable[SourceConfig], settings: Settings
) -> AddressBook:
    """The library as the sync keeps it: cached under the data directory for the library
    sources' cursors, as sync_sources caches it (reading it from the graph costs most of a pick)."""
    names = [c.name for c in library_sources(store, configs)]

    def version() -> str | None:
        cursors = [state.cursor(name) for name in names]
        return None if not cursors or None in cursors else repr(cursors)

    return AddressBook(store, settings.data_dir / "cache", version)


def resync_address_records(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    records: Iterable[tuple[str, str]],
    address_ids: Iterable[str],
    progress: Progress | None = None,
) -> str | None:
    """Sync again the ``records`` ((source, record id)) and every record whose address is one of
    ``address_ids``; returns the run id, None when no record was concerned. A snapshot source is
    read again for them; an incremental one redoes them when it next reads them. The library's
    sources are synced too (an unchanged file is skipped; an incremental one reads what is new)."""
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
    # With the library's own sources, whose unchanged files are passed over at the cost of a
    # fingerprint: the sync then finds the library in its cache instead of reading the graph.
    feeding = [c for c in library_sources(store, configs) if c not in chosen]
    return sync_sources(store, state, feeding + chosen, settings, progress).run_id
