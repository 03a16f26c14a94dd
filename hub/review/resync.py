"""Making a steward's decision hold in the graph now: the records it concerns are written again.

A picked building (hub/review/addresses.py) changes how a text resolves; rather than patching
the graph by hand, the records that name the text are mapped again from their kept rows and
written by the sync's code (hub/review/remap.py), so the graph gets exactly what every later
sync would write (one code path, not two).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from connectors.config import SourceConfig
from hub.review.remap import remap_records
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

    return AddressBook(store, settings.data_dir / "cache", version, state.address_aliases())


def records_naming(store: GraphStore, label: str, entity_ids: Iterable[str]) -> set[tuple[str, str]]:
    """(source, record id) of the current source records that assert the entities: the graph's
    provenance edges, found from the entity's side (scanning what every record asserts in the
    state costs seconds on a district of 100k residents)."""
    schema = store.schema
    found = set()
    for entity_id in entity_ids:
        around = store.neighbourhood(label, entity_id, [schema.roles.provenance], limit=1_000_000)
        for edge in around.edges if around is not None else ():
            props = edge.node.properties
            if edge.node.label == schema.roles.source_record and props.get("current", True):
                found.add((str(props["source"]), str(props["record_id"])))
    return found


def resync_address_records(
    store: GraphStore,
    state: StateStore,
    configs: Sequence[SourceConfig],
    settings: Settings,
    records: Iterable[tuple[str, str]],
    address_ids: Iterable[str],
    progress: Progress | None = None,
    book: AddressBook | None = None,
) -> str | None:
    """Write again the ``records`` ((source, record id)) and every record whose address is one of
    ``address_ids``; returns the run id, None when no record was concerned. Each is mapped again
    from the row the graph keeps of it (hub/review/remap.py), so the cost grows with the records,
    not with their sources. A record with no usable kept row is synced from its source instead
    (a snapshot source read again for it; an incremental one redoes it when it next reads it).
    ``book``: the library as the caller read it, with the steward's aliases as they are now."""
    named = set(records) | records_naming(store, store.schema.roles.standard_address, address_ids)
    chosen: dict[str, set[str]] = {}
    for config in configs:
        redo = {record for source, record in named if source == config.name}
        if redo and resolves_addresses(config, store.schema):
            chosen[config.name] = redo
    if not chosen:
        return None
    book = book or address_book(store, state, configs, settings)
    remapped = remap_records(store, state, configs, settings, chosen, book)
    if not remapped.unread:
        return remapped.run_id
    unread = [c for c in configs if c.name in remapped.unread]
    for config in unread:
        state.redo_records(config.name, remapped.unread[config.name], reread=config.mode == "snapshot")
    # With the library's own sources, whose unchanged files are passed over at the cost of a
    # fingerprint: the sync then finds the library in its cache instead of reading the graph.
    feeding = [c for c in library_sources(store, configs) if c not in unread]
    return sync_sources(store, state, feeding + unread, settings, progress).run_id
