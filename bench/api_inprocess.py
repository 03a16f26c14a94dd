"""The department questions of bench/api_queries.py in-process: GraphQL through the strawberry
schema beside the hand-written Cypher through the same store connection, one request at a time.

No HTTP, no second process: what is left is the API's own work per request (argument
conversion, resolvers, execution, masking, the store queries it writes) against the one query a
person would write. Besides wall-clock p50 it reports CPU time per request (the process's, the
embedded store's threads included), which a shared machine disturbs less than wall time.
``--profile`` prints cProfile's top functions for a few more requests of each question.

Reuses the district bench/api.py prepared (``--work``, ``--persons``; run that first):

    python bench/api_inprocess.py --persons 100000 -n 40
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime as dt
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import api_queries as aq  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "gridhub-bench-api")
    parser.add_argument("-n", type=int, default=30, help="timed requests per question and path")
    parser.add_argument("--questions", default=",".join(q.key for q in aq.QUESTIONS if q.cypher))
    parser.add_argument("--profile", choices=("tottime", "cumulative"), help="print cProfile's top 30")
    parser.add_argument(
        "--graph-url",
        default="",
        help="a Neo4j server holding the same district (bolt://…; default: the embedded store)",
    )
    args = parser.parse_args()
    data_dir = args.work / f"ladybug-{args.persons}-seed{args.seed}"
    if not (data_dir / "prepared.json").exists():
        raise SystemExit(f"no district in {data_dir}: run bench/api.py --stores ladybug --prepare-only first")
    # With --graph-url the graph is the server's; the data folder still gives the state
    # database (search reads its mentions), which an import of this district shares.
    os.environ.update(
        {
            "GRIDHUB_DATA_DIR": str(data_dir),
            "GRIDHUB_GRAPH_URL": args.graph_url,
            "GRIDHUB_LOG_LEVEL": "WARNING",
        }
    )
    os.environ.setdefault("GRIDHUB_LADYBUG_BUFFER_POOL_MB", str(max(1024, args.persons // 160)))

    from hub.api import build_graphql_schema
    from hub.api.security.principal import ADMIN_SCOPE, Principal
    from hub.settings import Settings
    from hub.store import open_store

    today = dt.date.today()
    principal = Principal(name="bench", scopes=frozenset({ADMIN_SCOPE}))
    wanted = set(args.questions.split(","))
    store_name = args.graph_url or "the embedded store"
    print(
        f"{store_name}; load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}; {args.n} requests per cell"
    )
    print(f"{'question':17} {'gql p50 ms':>10} {'cypher p50':>10} {'ratio':>6} {'gql CPU ms':>10} "
          f"{'cypher CPU':>10} {'ratio':>6} {'trips':>5}")  # fmt: skip
    with open_store(Settings(), read_only=True) as store:
        subjects = aq.pick_subjects(store.read, today)
        schema = build_graphql_schema(store.schema)
        # Every request runs inside one task, as a server's requests run under its one main
        # task: anyio keeps its worker threads (the store calls') for as long as that root task
        # lives. A run_until_complete per request made each request start a new thread (~0.5–1
        # ms of wall time a server does not pay).
        asyncio.run(_questions(args, store, schema, principal, subjects, today, wanted))


async def _questions(
    args: argparse.Namespace,
    store: Any,
    schema: Any,
    principal: Any,
    subjects: dict[str, Any],
    today: dt.date,
    wanted: set[str],
) -> None:
    from hub.api import RequestContext

    for q in aq.QUESTIONS:
        if q.key not in wanted or q.cypher is None or q.params is None or q.from_cypher is None:
            continue
        variables = q.variables(subjects, today)
        params = q.params(subjects, today)

        async def graphql(q: aq.Question = q, variables: dict[str, Any] = variables) -> Any:
            ctx = RequestContext.create(store, principal, today=today)
            result = await schema.execute(q.graphql, variable_values=variables, context_value=ctx)
            if result.errors:
                raise SystemExit(f"{q.key}: {result.errors}")
            return result.data, ctx.round_trips

        async def cypher(q: aq.Question = q, params: dict[str, Any] = params) -> Any:
            return store.read(str(q.cypher), params)

        (data, trips) = await graphql()
        # Compared as bench/api.py compares them: through JSON (Neo4j's dates are its own type).
        problem = aq.agree(
            q, _canon(q.from_graphql(data, today)), _canon(q.from_cypher(await cypher(), today)), subjects
        )
        if problem:
            raise SystemExit(f"GraphQL and Cypher disagree — {problem}")
        (g_wall, g_cpu), (c_wall, c_cpu) = await timed_pair(graphql, cypher, args.n)
        print(f"{q.key:17} {g_wall:>10.2f} {c_wall:>10.2f} {g_wall / c_wall:>6.2f} {g_cpu:>10.2f} "
              f"{c_cpu:>10.2f} {g_cpu / c_cpu:>6.2f} {trips:>5}", flush=True)  # fmt: skip
        if args.profile:
            profile = cProfile.Profile()
            profile.enable()
            for _ in range(5):
                await graphql()
            profile.disable()
            pstats.Stats(profile).sort_stats(args.profile).print_stats(30)


def _canon(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


async def timed_pair(a: Any, b: Any, n: int) -> tuple[tuple[float, float], tuple[float, float]]:
    """p50 wall ms and p50 CPU ms of ``n`` calls of each of ``a`` and ``b`` (after three
    untimed ones), the two taking turns: on a shared machine a burst of other work then falls
    on both alike instead of on whichever ran during it."""
    for _ in range(3):
        await a()
        await b()
    samples: tuple[tuple[list[float], list[float]], ...] = (([], []), ([], []))
    for _ in range(n):
        for fn, (walls, cpus) in zip((a, b), samples, strict=True):
            wall, cpu = time.perf_counter(), time.process_time()
            await fn()
            walls.append(time.perf_counter() - wall)
            cpus.append(time.process_time() - cpu)
    (aw, ac), (bw, bc) = samples
    ms = [statistics.median(x) * 1000 for x in (aw, ac, bw, bc)]
    return (ms[0], ms[1]), (ms[2], ms[3])


if __name__ == "__main__":
    main()
