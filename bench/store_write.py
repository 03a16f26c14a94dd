"""Graph store write throughput, side by side in one run.

Writes N persons, N addresses and N LIVES_AT relationships (a first load, then the same rows
again as an idempotent re-upsert) through:
  - gridhub's embedded store (ladybug, LOAD FROM arrow MERGE),
  - gridhub's Neo4j store (UNWIND batches in managed write transactions),
  - raw Cypher on the same Neo4j with the official driver (the peer: what our layer costs).
Neo4j is the project's test server (tools/neo4j-test-server) unless GRIDHUB_BENCH_NEO4J_URI is set.

    python bench/store_write.py --persons 100000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neo4j import GraphDatabase

from graph_schema import default_schema
from hub.store import GraphStore, RelRow
from hub.store.ladybug_store import LadybugStore
from hub.store.neo4j_store import Neo4jStore
from tests.support.neo4j_server import Neo4jTestServer, build_launcher

Rows = list[dict[str, object]]


def make_rows(n: int) -> tuple[Rows, Rows, list[RelRow]]:
    born = date(1940, 1, 1)
    persons: Rows = [
        {
            "id": f"P-{i:08}",
            "name": f"测试{i}",
            "identity_number": f"4403041990{i:08}",
            "birth_date": born + timedelta(days=i % 20000),
        }
        for i in range(n)
    ]
    addresses: Rows = [
        {"id": f"A-{i:08}", "address_code": f"AC{i:08}", "room": str(100 + i % 900)} for i in range(n)
    ]
    rels = [RelRow(f"P-{i:08}", f"A-{i:08}") for i in range(n)]
    return persons, addresses, rels


def via_store(store: GraphStore, persons: Rows, addresses: Rows, rels: list[RelRow]) -> None:
    store.upsert_nodes("Person", persons)
    store.upsert_nodes("Address", addresses)
    store.upsert_relationships("LIVES_AT", "Person", "Address", rels)


def via_raw_cypher(uri: str, persons: Rows, addresses: Rows, rels: list[RelRow], batch: int = 10_000) -> None:
    with GraphDatabase.driver(uri, auth=None) as driver, driver.session(database="neo4j") as session:
        for label, rows in (("Person", persons), ("Address", addresses)):
            query = f"UNWIND $rows AS row MERGE (n:{label} {{id: row.id}}) SET n += row"
            for start in range(0, len(rows), batch):
                session.execute_write(
                    lambda tx, q=query, r=rows[start : start + batch]: tx.run(q, rows=r).consume()
                )
        query = "UNWIND $rows AS row MATCH (a:Person {id: row.src}) MATCH (b:Address {id: row.dst}) MERGE (a)-[:LIVES_AT]->(b)"
        pairs = [{"src": r.src, "dst": r.dst} for r in rels]
        for start in range(0, len(pairs), batch):
            session.execute_write(lambda tx, r=pairs[start : start + batch]: tx.run(query, rows=r).consume())


def wipe(uri: str) -> None:
    with GraphDatabase.driver(uri, auth=None) as driver, driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS").consume()


@contextmanager
def neo4j_uri() -> Iterator[str]:
    if os.environ.get("GRIDHUB_BENCH_NEO4J_URI"):
        yield os.environ["GRIDHUB_BENCH_NEO4J_URI"]
        return
    build_launcher()
    with Neo4jTestServer() as server:
        yield server.uri


def timed(prepare: Callable[[], None], run: Callable[[], None], runs: int) -> tuple[float, float]:
    """Median seconds of a first load and of the identical re-upsert that follows it."""
    first, again = [], []
    for _ in range(runs):
        prepare()
        started = time.perf_counter()
        run()
        first.append(time.perf_counter() - started)
        started = time.perf_counter()
        run()
        again.append(time.perf_counter() - started)
    return statistics.median(first), statistics.median(again)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    persons, addresses, rels = make_rows(args.persons)
    schema = default_schema()
    results: dict[str, tuple[float, float]] = {}

    with tempfile.TemporaryDirectory() as tmp:
        counter = iter(range(1000))
        holder: list[LadybugStore] = []

        def fresh_ladybug() -> None:
            for store in holder:
                store.close()
            holder[:] = [LadybugStore(schema, Path(tmp) / f"g{next(counter)}.lbug", buffer_pool_mb=2048)]
            holder[0].apply_schema()

        results["gridhub ladybug (embedded)"] = timed(
            fresh_ladybug, lambda: via_store(holder[0], persons, addresses, rels), args.runs
        )
        for store in holder:
            store.close()

    with neo4j_uri() as uri:
        neo = Neo4jStore(schema, uri)
        neo.apply_schema()
        results["gridhub neo4j store"] = timed(
            lambda: wipe(uri), lambda: via_store(neo, persons, addresses, rels), args.runs
        )
        neo.close()
        results["raw Cypher, neo4j driver"] = timed(
            lambda: wipe(uri), lambda: via_raw_cypher(uri, persons, addresses, rels), args.runs
        )

    items = 3 * args.persons
    print(
        f"machine: {os.cpu_count()} cores; data: {args.persons:,} persons + {args.persons:,} addresses + {args.persons:,} LIVES_AT = {items:,} items; median of {args.runs} runs"
    )
    print(f"{'writer':30} {'first load s':>12} {'items/s':>10} {'re-upsert s':>12} {'items/s':>10}")
    for name, (first, again) in results.items():
        print(f"{name:30} {first:12.2f} {items / first:10,.0f} {again:12.2f} {items / again:10,.0f}")
    raw = results["raw Cypher, neo4j driver"][0]
    print(f"gridhub neo4j store / raw Cypher (first load): {results['gridhub neo4j store'][0] / raw:.2f}x")


if __name__ == "__main__":
    main()
