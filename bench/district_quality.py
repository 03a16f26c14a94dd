"""Resolution quality on the demo district: gridhub's crosswalk against the generator's truth, and
Splink on the same Person and LegalEntity mentions, side by side in one run.

For each size (--persons, repeatable) and seed (--seeds):
  1. generate the district (hub.demo.generator.generate_district) into a fresh data directory;
  2. gridhub: one fresh process syncs every demo source into an empty embedded store (the
     whole pipeline: read, map, normalise, resolve, write) and exports the crosswalk;
  3. the mention tables for the peer, built with the project's own mapping
     (connectors.mapping.Mapper over each source's rows: mentions per role, keyed by source,
     record id and role). Person: each with the building its record says the person lives in
     (LIVES_AT) or owns (OWNS). LegalEntity: name and credit code as the source wrote them, the
     legal representative's identity number (REPRESENTS) and the building the company is
     registered at (REGISTERED_AT) or holds a licence at (HOLDS → VALID_AT). Buildings are
     resolved against the standard address library;
  4. Splink: one fresh process per entity type clusters its mentions
     (bench/peers/splink_peer.person_clusters, legal_entity_clusters);
  5. all scored by resolvers.evaluation.pairwise_scores against truth.csv: pairwise precision,
     recall and F1 per entity type (two mentions pair when resolved to the same entity).
A row the sync quarantines (e.g. an impossible date) has no crosswalk entry, and the peer skips
the same rows (the mapper rejects them): both count those mentions as unresolved singletons.
Wall time is the whole child process, peak RSS the child's own VmHWM (sampled; see bench/peers run_measured).

    python bench/district_quality.py                       # 10k persons, seeds 1 2 3
    python bench/district_quality.py --persons 10000 --persons 100000 --seeds 1,2,3
    python bench/district_quality.py --style county --persons 2000 --seeds 1   # the other writing style
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.peers import last_line, machine_line, package_versions, run_measured  # noqa: E402
from hub.demo.generator.styles import STYLES  # noqa: E402

TYPES = ("Person", "LegalEntity", "Building")
PERSON = "Person"
LEGAL_ENTITY = "LegalEntity"
# The entity types Splink deduplicates, each on its own mention table.
PEER_TYPES = (PERSON, LEGAL_ENTITY)
# Relationships that place a person in a building, as the demo mappings declare them.
HOME_LINKS = ("LIVES_AT", "OWNS")
# Relationships that place a record's subject at an address: a company's registered address, a
# licence's premises (its holder is placed there through HOLDS).
PLACE_LINKS = ("REGISTERED_AT", "VALID_AT")
MENTION_COLUMNS = ["mention_id", "source", "record_id", "role", "name", "birth_date", "identity_number", "phone", "building"]  # fmt: skip
LEGAL_ENTITY_COLUMNS = ["mention_id", "source", "record_id", "role", "name", "uscc", "legal_rep_id", "building"]  # fmt: skip


# --- the peer's input: mentions through the project's mapping -----------------------------------


def person_mentions(data_dir: Path) -> pd.DataFrame:
    """Every Person mention of the demo sources, with the building its record places it in."""
    return peer_mentions(data_dir)[PERSON]


def peer_mentions(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The Person and the LegalEntity mentions of the demo sources (one pass over every source).

    Person: name as written, birth date, identity number, phone, and the building its record
    places it in (LIVES_AT / OWNS). LegalEntity: name and credit code as written (the peer cleans
    them), the identity number of the legal representative the record names (REPRESENTS), and the
    building it is registered at (REGISTERED_AT) or holds a licence at (HOLDS → VALID_AT).
    """
    from connectors.base import open_connector
    from connectors.errors import RowError
    from connectors.mapping import Mapper
    from graph_schema import default_schema
    from hub.demo.run import demo_sources

    schema = default_schema()
    configs = demo_sources(schema, data_dir)  # the declarations of the district's style
    buildings = _BuildingFinder(data_dir, [c for c in configs if c.defines_standard])
    persons: list[dict[str, Any]] = []
    companies: list[dict[str, Any]] = []
    for config in configs:
        if config.defines_standard:
            continue
        mapper = Mapper(config, schema)
        for raw in open_connector(config, data_dir).rows():
            try:
                row = mapper.map_row(raw)
            except RowError:
                continue  # quarantined by the sync too
            by_role = {m.role: m for m in row.mentions}
            home = {
                link.from_role: by_role[link.to_role]
                for link in row.links
                if link.rel_type in HOME_LINKS and link.to_role in by_role
            }
            place = {
                link.from_role: by_role[link.to_role]
                for link in row.links
                if link.rel_type in PLACE_LINKS and link.to_role in by_role
            }
            for link in row.links:  # a licence holder is placed where its licence is valid
                holder = by_role.get(link.from_role)
                placed = link.from_role in place or link.to_role not in place
                if holder and holder.entity_type == LEGAL_ENTITY and not placed:
                    place[link.from_role] = place[link.to_role]
            representative = {
                link.to_role: by_role[link.from_role].properties.get("identity_number")
                for link in row.links
                if link.rel_type == "REPRESENTS" and link.from_role in by_role
            }
            for m in row.mentions:
                props = m.properties
                if m.entity_type == PERSON:
                    persons.append(
                        {
                            "mention_id": str(len(persons)),
                            "source": m.source,
                            "record_id": m.record_id,
                            "role": m.role,
                            # The name as written: the peer derives simplified script and pinyin itself.
                            "name": props.get("name_original") or props.get("name"),
                            "birth_date": props.get("birth_date"),
                            "identity_number": props.get("identity_number"),
                            "phone": props.get("phone"),
                            "building": buildings.of(home[m.role]) if m.role in home else None,
                        }
                    )
                elif m.entity_type == LEGAL_ENTITY:
                    declared = config.entities[m.role].properties
                    companies.append(
                        {
                            "mention_id": str(len(companies)),
                            "source": m.source,
                            "record_id": m.record_id,
                            "role": m.role,
                            # Name and code as the source wrote them: the peer cleans them itself.
                            "name": _as_written(row.raw, declared.get("name")),
                            "uscc": _as_written(row.raw, declared.get("uscc")),
                            "legal_rep_id": representative.get(m.role),
                            "building": buildings.of(place[m.role]) if m.role in place else None,
                        }
                    )
    person_frame = pd.DataFrame(persons, columns=MENTION_COLUMNS)
    person_frame["birth_date"] = pd.to_datetime(person_frame["birth_date"], errors="coerce")
    for column in ("name", "identity_number", "phone", "building"):
        person_frame[column] = person_frame[column].astype("string")
    company_frame = pd.DataFrame(companies, columns=LEGAL_ENTITY_COLUMNS)
    for column in ("name", "uscc", "legal_rep_id", "building"):
        company_frame[column] = company_frame[column].astype("string")
    return {PERSON: person_frame, LEGAL_ENTITY: company_frame}


def _as_written(raw: dict[str, Any], spec: Any) -> str | None:
    """The source's own value of a declared column (None when undeclared or empty)."""
    if spec is None or spec.column is None:
        return None
    value = raw.get(spec.column)
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def standard_rooms(data_dir: Path, standard_sources: list[Any]) -> list[Any]:
    """The standard address library's rows as StandardRoom, read through the source's own mapping
    (so any declared column names work: room-level or building-level libraries alike)."""
    from connectors.base import open_connector
    from connectors.errors import RowError
    from connectors.mapping import Mapper
    from graph_schema import default_schema
    from resolvers.address import StandardRoom

    schema = default_schema()
    rooms: list[Any] = []
    for config in standard_sources:
        mapper = Mapper(config, schema)
        for raw in open_connector(config, data_dir).rows():
            try:
                row = mapper.map_row(raw)
            except RowError:
                continue
            by_type = {m.entity_type: m.properties for m in row.mentions}
            a, b = by_type.get("Address", {}), by_type.get("Building", {})
            if not a.get("address_code") or not b.get("building_code"):
                continue
            floor = a.get("floor")
            rooms.append(
                StandardRoom(
                    address_id=str(a["address_code"]),
                    building_id=str(b["building_code"]),
                    street=str(by_type.get("Street", {}).get("name") or ""),
                    community=str(by_type.get("Community", {}).get("name") or ""),
                    road=str(b.get("road") or ""),
                    road_number=str(b.get("road_number") or ""),
                    estate=str(b.get("estate") or ""),
                    building_name=str(b.get("name") or ""),
                    unit=str(a.get("unit") or ""),
                    floor=floor if isinstance(floor, int) else None,
                    room=str(a.get("room") or ""),
                    full_text=str(a.get("full_text") or ""),
                )
            )
    return rooms


class _BuildingFinder:
    """Standard building code of an Address or Building mention: the address code when the library
    has it, else the free text resolved by the project's address resolver (room or building)."""

    def __init__(self, data_dir: Path, standard_sources: list[Any]) -> None:
        from resolvers.address import AddressLibrary

        rooms = standard_rooms(data_dir, standard_sources)
        self.room_building = {r.address_id: r.building_id for r in rooms}
        self.library = AddressLibrary.build(rooms)
        self.by_text: dict[str, str | None] = {}

    def of(self, mention: Any) -> str | None:
        from resolvers.address import resolve

        props = mention.properties
        if mention.entity_type == "Building":
            code = props.get("building_code")
            return str(code) if code else None
        code = props.get("address_code")
        if code and str(code) in self.room_building:
            return self.room_building[str(code)]
        text = mention.hints.get("address_text")
        if not text:
            return None
        if text not in self.by_text:
            match = resolve(self.library, str(text))
            self.by_text[text] = match.building_id if match.status in ("room", "building") else None
        return self.by_text[text]


# --- children -----------------------------------------------------------------------------------


def gridhub_child(crosswalk_csv: str) -> None:
    """Sync every demo source into the empty store of GRIDHUB_DATA_DIR, then export the crosswalk."""
    from hub.demo.run import demo_sources
    from hub.export.crosswalk import write_crosswalk
    from hub.settings import Settings
    from hub.state import StateStore
    from hub.store import open_store
    from hub.sync import sync_sources

    settings = Settings()
    started = time.perf_counter()
    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        sync_sources(store, state, demo_sources(store.schema, settings.data_dir), settings)
        synced = time.perf_counter() - started
        write_crosswalk(store, Path(crosswalk_csv))
    print(f"sync {synced:.1f} s of it", flush=True)


def splink_child(entity_type: str, mentions: str, out: str, u_max_pairs: str) -> None:
    from bench.peers.splink_peer import legal_entity_clusters, person_clusters

    frame = pd.read_parquet(mentions)
    if entity_type == PERSON:
        columns = ["mention_id", "name", "birth_date", "identity_number", "phone", "building"]
        clusters = person_clusters(frame[columns], u_max_pairs=float(u_max_pairs))
    else:
        columns = ["mention_id", "name", "uscc", "legal_rep_id", "building"]
        clusters = legal_entity_clusters(frame[columns], u_max_pairs=float(u_max_pairs))
    clusters.to_parquet(out)


# --- parent -------------------------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    max_rss_mb: float
    error: str = ""
    detail: str = ""


def run_gridhub(data_dir: Path, crosswalk_csv: Path) -> Measured:
    env = {
        # A GRIDHUB_* setting of the caller (another graph URL, state database…) must not leak in.
        **{k: v for k, v in os.environ.items() if not k.startswith("GRIDHUB_")},
        "GRIDHUB_DATA_DIR": str(data_dir),
        "GRIDHUB_GRAPH_URL": "",  # the embedded store under the data dir
        "GRIDHUB_LOG_LEVEL": "WARNING",
    }
    log = data_dir / "gridhub.log"
    command = [sys.executable, str(Path(__file__).resolve()), "--child-gridhub", str(crosswalk_csv)]
    cost = run_measured(command, log, ROOT, env)
    if cost.returncode != 0 or not crosswalk_csv.exists():
        return Measured(cost.seconds, cost.max_rss_mb, f"exit {cost.returncode}: {last_line(log)}")
    return Measured(cost.seconds, cost.max_rss_mb, detail=last_line(log))


def run_splink(entity_type: str, mentions: Path, out: Path, log: Path, u_max_pairs: float) -> Measured:
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child-splink",
        entity_type,
        str(mentions),
        str(out),
        repr(u_max_pairs),
    ]
    cost = run_measured(command, log, ROOT)
    if cost.returncode != 0 or not out.exists():
        return Measured(cost.seconds, cost.max_rss_mb, f"exit {cost.returncode}: {last_line(log)}")
    return Measured(cost.seconds, cost.max_rss_mb)


@dataclass
class Result:
    persons: int
    seed: int
    source_rows: int
    generate_s: float
    mentions_s: float
    peer_mentions: dict[str, int]  # entity type → mentions given to Splink
    gridhub: Measured
    splink: dict[str, Measured]  # entity type → its Splink run
    gridhub_scores: dict[str, Any]  # entity type → PairwiseScores
    splink_scores: dict[str, Any]  # entity type → PairwiseScores (Person, LegalEntity when run)


def read_truth(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def one(
    persons: int, seed: int, work: Path, skip_splink: bool, u_max_pairs: float, style: str = "standard"
) -> Result:
    from hub.demo.generator import generate_district
    from resolvers.evaluation import pairwise_scores

    data_dir = (
        work / f"district-{persons}-seed{seed}"
        if style == "standard"
        else work / f"district-{style}-{persons}-seed{seed}"
    )
    # A store or state left from an earlier run would turn the sync into an incremental one.
    shutil.rmtree(data_dir, ignore_errors=True)
    started = time.perf_counter()
    manifest = generate_district(data_dir / "demo", persons=persons, seed=seed, style=style)
    generate_s = time.perf_counter() - started
    source_rows = sum(f.rows for f in manifest.files)
    truth = read_truth(manifest.truth.path)

    crosswalk_csv = data_dir / "crosswalk.csv"
    gridhub = run_gridhub(data_dir, crosswalk_csv)
    scores: dict[str, Any] = {}
    if not gridhub.error:
        crosswalk = pd.read_csv(crosswalk_csv, dtype=str, keep_default_na=False)
        scores = {s.entity_type: s for s in pairwise_scores(crosswalk, truth)}

    started = time.perf_counter()
    tables = peer_mentions(data_dir)
    mentions_s = time.perf_counter() - started
    splink: dict[str, Measured] = {}
    splink_scores: dict[str, Any] = {}
    for entity_type in PEER_TYPES:
        mentions = tables[entity_type]
        stem = "person" if entity_type == PERSON else "legal_entity"
        mentions_file = data_dir / f"{stem}_mentions.parquet"
        mentions.to_parquet(mentions_file)
        if skip_splink:
            splink[entity_type] = Measured(0.0, 0.0, "skipped (--no-splink)")
            continue
        clusters_file = data_dir / f"splink_{stem}_clusters.parquet"
        log = data_dir / f"splink_{stem}.log"
        splink[entity_type] = run_splink(entity_type, mentions_file, clusters_file, log, u_max_pairs)
        if splink[entity_type].error:
            continue
        clusters = pd.read_parquet(clusters_file)
        predicted = mentions[["mention_id", "source", "record_id", "role"]].merge(clusters, on="mention_id")
        predicted = predicted.rename(columns={"cluster_id": "entity_id"})
        type_truth = truth[truth["entity_type"] == entity_type]
        splink_scores[entity_type] = next(
            s for s in pairwise_scores(predicted, type_truth) if s.entity_type == entity_type
        )
    return Result(
        persons,
        seed,
        source_rows,
        generate_s,
        mentions_s,
        {t: len(tables[t]) for t in PEER_TYPES},
        gridhub,
        splink,
        scores,
        splink_scores,
    )


def _fmt(score: Any) -> str:
    if score is None:
        return f"{'—':>9} {'—':>7} {'—':>7}"
    return f"{score.precision:9.4f} {score.recall:7.4f} {score.f1:7.4f}"


def print_result(r: Result, flush: bool = False) -> None:
    print(
        f"\npersons {r.persons:,}  seed {r.seed}  source rows {r.source_rows:,}  (generated in {r.generate_s:.1f} s)",
        flush=flush,
    )
    print(
        f"{'type':12} {'mentions':>9}   {'gridhub P':>9} {'R':>7} {'F1':>7}   {'Splink P':>9} {'R':>7} {'F1':>7}"
    )
    if r.gridhub.error:
        print(f"  gridhub failed: {r.gridhub.error}")
    for entity_type in TYPES:
        score = r.gridhub_scores.get(entity_type)
        peer = r.splink_scores.get(entity_type)
        mentions = score.mentions if score else (peer.mentions if peer else 0)
        peer_cells = _fmt(peer) if entity_type in PEER_TYPES else f"{'':>9} {'':>7} {'':>7}"
        print(f"{entity_type:12} {mentions:9,}   {_fmt(score)}   {peer_cells}".rstrip(), flush=flush)
    print(
        f"gridhub: sync + crosswalk {r.gridhub.seconds:.1f} s wall, {r.gridhub.max_rss_mb:,.0f} MB peak RSS"
        f"  ({r.gridhub.detail or r.gridhub.error})",
        flush=flush,
    )
    for entity_type in PEER_TYPES:
        run = r.splink[entity_type]
        if run.error:
            print(f"Splink {entity_type}: {run.error}", flush=flush)
        else:
            print(
                f"Splink {entity_type}: {run.seconds:.1f} s wall, {run.max_rss_mb:,.0f} MB peak RSS on "
                f"{r.peer_mentions[entity_type]:,} mentions",
                flush=flush,
            )
    print(
        f"(building the mention tables with the project's mapping: {r.mentions_s:.1f} s, not included)",
        flush=flush,
    )


def print_summary(results: list[Result], seeds: list[int]) -> None:
    print()
    print(machine_line())
    print(f"versions: {package_versions(('splink', 'duckdb', 'pandas', 'ladybug'))}")
    print(f"summary: mean over seeds {', '.join(map(str, seeds))} (min–max F1)")
    header = f"{'persons':>9} {'type':12} {'mentions':>9}   {'gridhub F1':>10} {'(min–max)':>15}   {'Splink F1':>9} {'(min–max)':>15}   {'gridhub s':>9} {'Splink s':>8}"  # fmt: skip
    print(header)
    print("-" * len(header))
    for persons in sorted({r.persons for r in results}):
        group = [r for r in results if r.persons == persons]
        for entity_type in TYPES:
            ours = [r.gridhub_scores[entity_type] for r in group if entity_type in r.gridhub_scores]
            peer = [r.splink_scores[entity_type] for r in group if entity_type in r.splink_scores]
            mentions = statistics.mean(s.mentions for s in ours) if ours else 0
            times = ""
            if entity_type in PEER_TYPES:
                # gridhub's one sync resolves every type: its time stands on the Person row.
                g = [r.gridhub.seconds for r in group if not r.gridhub.error] if entity_type == PERSON else []
                s = [r.splink[entity_type].seconds for r in group if not r.splink[entity_type].error]
                times = f"{_mean(g, '9.1f') if g else '':>9} {_mean(s, '8.1f')}"
            print(
                f"{persons:>9,} {entity_type:12} {mentions:9,.0f}   {_spread(ours, 10)}   "
                f"{_spread(peer, 9) if entity_type in PEER_TYPES else '':>{9 + 1 + 15}}   {times}".rstrip()
            )


def _mean(values: list[float], spec: str) -> str:
    width = int(spec.split(".")[0])
    return format(statistics.mean(values), spec) if values else f"{'—':>{width}}"


def _spread(scores: list[Any], width: int) -> str:
    if not scores:
        return f"{'—':>{width}} {'':>15}"
    f1 = [s.f1 for s in scores]
    return f"{statistics.mean(f1):{width}.4f} {f'({min(f1):.4f}–{max(f1):.4f})':>15}"


def _seeds(text: str) -> list[int]:
    return [int(s) for s in text.replace(" ", ",").split(",") if s]


def _iter_runs(sizes: list[int], seeds: list[int]) -> Iterator[tuple[int, int]]:
    for persons in sizes:
        for seed in seeds:
            yield persons, seed


def main() -> None:
    # The children are this script again (not `python -c`), so they are easy to tell apart in ps.
    children: dict[str, Callable[..., None]] = {
        "--child-gridhub": gridhub_child,
        "--child-splink": splink_child,
    }
    if len(sys.argv) > 1 and sys.argv[1] in children:
        try:
            children[sys.argv[1]](*sys.argv[2:])
        except Exception:
            traceback.print_exc()
            raise SystemExit(1) from None
        return
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--persons", type=int, action="append", help="district sizes (repeatable; default 10000)"
    )
    parser.add_argument("--seeds", type=_seeds, default=[1, 2, 3], help="comma-separated (default 1,2,3)")
    parser.add_argument("--no-splink", action="store_true", help="gridhub only")
    parser.add_argument(
        "--style",
        choices=STYLES,
        default="standard",
        help="how the district's exports are written (hub/demo/generator/styles.py; default standard)",
    )
    parser.add_argument(
        "--splink-u-pairs",
        type=float,
        default=1e7,
        help="Splink's u sampling (default 1e7, as its docs recommend; most of Splink's time on small districts)",
    )
    parser.add_argument(
        "--work", type=Path, help="keep districts, crosswalks and logs here (default: a temp dir)"
    )
    args = parser.parse_args()
    sizes = args.persons or [10_000]
    if args.style != "standard":
        print(f"district style: {args.style}")
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="district-quality-") as tmp:
        work = args.work or Path(tmp)
        for persons, seed in _iter_runs(sizes, args.seeds):
            results.append(one(persons, seed, work, args.no_splink, args.splink_u_pairs, args.style))
            print_result(results[-1], flush=True)
    print_summary(results, args.seeds)


if __name__ == "__main__":
    main()
