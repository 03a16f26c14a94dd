"""The demo as one service function, so the CLI stays thin and tests can call it."""

from __future__ import annotations

import json
import shlex

import uvicorn
from rich.console import Console

from hub.api.app import create_app
from hub.api.security.api_keys import ApiKeys, CreatedKey
from hub.api.security.principal import FIXED_SCOPES
from hub.console import print_report, sync_progress
from hub.demo.generator import generate_district
from hub.demo.run import ask_api, demo_sources, load_demo_config, sources_dir
from hub.errors import HubError
from hub.quality import build_report, print_quality
from hub.serve import serve
from hub.settings import Settings
from hub.state import StateStore
from hub.store import open_store
from hub.sync import sync_sources

DEMO_KEY_NAME = "demo"
DEMO_KEY_CREATOR = "gridhub demo"


def demo_api_key(state: StateStore) -> CreatedKey:
    """A fresh key with every scope, named "demo". The key an earlier demo run printed is
    revoked: one demo key works at a time, and a key shown in an old terminal stops working."""
    keys = ApiKeys(state)
    for old in keys.list_keys(include_revoked=False):
        if old.name == DEMO_KEY_NAME and old.created_by == DEMO_KEY_CREATOR:
            keys.revoke(old.key_id)
    return keys.create(DEMO_KEY_NAME, FIXED_SCOPES, created_by=DEMO_KEY_CREATOR)


def curl_example(base_url: str, api_key: str, variables: dict[str, str]) -> str:
    query = "query ($idn: String!) { person(identityNumber: $idn) { id name } }"
    body = json.dumps({"query": query, "variables": variables}, ensure_ascii=False)
    return (
        f"curl -s {base_url}/graphql -H {shlex.quote(f'Authorization: Bearer {api_key}')} "
        f"-H 'Content-Type: application/json' -d {shlex.quote(body)}"
    )


def run_demo(
    settings: Settings,
    *,
    persons: int | None,
    seed: int | None,
    port: int,
    once: bool,
    console: Console,
    style: str = "standard",
) -> None:
    config = load_demo_config()
    persons = persons or config.persons
    seed = config.seed if seed is None else seed
    demo_dir = settings.data_dir / "demo"
    console.print(f"[bold]1/4[/] generating a district of {persons:,} residents (seed {seed}) in {demo_dir}")
    generate_district(demo_dir, persons=persons, seed=seed, style=style)

    with open_store(settings) as store, StateStore(settings.state_database_url) as state:
        console.print(f"[bold]2/4[/] syncing the department sources into {store.uri}")
        with sync_progress(console) as progress:
            # The demo has just written its district anew: what the new one lacks is retired,
            # however much (another seed or size), instead of the source being refused.
            report = sync_sources(
                store,
                state,
                demo_sources(store.schema, settings.data_dir),
                settings,
                progress,
                allow_retire=True,
            )
        print_report(console, report)
        console.print("[bold]data quality per source[/] (`gridhub report`):")
        print_quality(console, build_report(state), compact=True)
        found = store.read(config.example.find)
        if not found:
            raise HubError(
                "the demo district has no resident who lives at an address and represents a company"
            )
        variables = {"idn": found[0]["value"]}
        base_url = f"http://{settings.api_host}:{port}"
        key = demo_api_key(state).key
        answered: list[bool] = []

        def first_query(server: uvicorn.Server) -> None:
            console.print(f"[bold]3/4[/] API up at {base_url}/graphql — asking it the documented query")
            body = ask_api(base_url, config.example.graphql, variables, key)
            console.print_json(json.dumps(body, ensure_ascii=False))
            answered.append(bool(body.get("data", {}).get("person")))
            console.print(
                f"[bold]4/4[/] the API needs a key; the demo made one with every scope "
                f"(shown once, `gridhub apikey revoke` ends it):\n{key}\n"
                f"ask it from a shell:\n{curl_example(base_url, key, variables)}\n"
                f"or open [link]{base_url}/graphql[/link] (GraphiQL), put "
                f"{json.dumps({'Authorization': f'Bearer {key}'})} in its Headers tab and paste:\n"
                f"{config.example.graphql}\nwith variables {json.dumps(variables)}\n"
                f"also: {base_url}/health, {base_url}/metrics"
                + ("" if once else "\nCtrl-C stops the server."),
                soft_wrap=True,  # the key and the curl line must survive copy and paste whole
                highlight=False,
            )
            if once:
                server.should_exit = True

        # The server's steward decisions (a picked building, a fixed row) write records of the
        # demo's sources again: it is told where they are declared.
        served = settings.model_copy(update={"sources_config_dir": sources_dir(style)})
        serve(create_app(store, served), settings.api_host, port, on_ready=first_query)
    if not answered or not answered[0]:
        raise HubError(f"the API at {base_url} did not answer the documented query with a person")
