"""Sync from a real PostgreSQL (incremental, by cursor) and a real HTTP API (paged snapshot),
on both graph stores: first load, unchanged re-sync, a changed row, a row gone."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
import sqlalchemy as sa
import yaml
from stdnum.cn import uscc

from connectors.config import load_source_config
from graph_schema import default_schema
from hub.settings import Settings
from hub.state import StateStore
from hub.store import GraphStore
from hub.sync import sync_sources
from tests.support.postgres_fixture import postgres_url  # noqa: F401

pytestmark = pytest.mark.integration


def code(n: int) -> str:
    body = f"91440300MA5F{n:05}"
    return body + uscc.calc_check_digit(body + "0")


COMPANIES = [
    {"uscc": code(i), "name": f"深圳市测试{i}科技有限公司", "rep_name": f"代表{i}", "rep_id": None}
    for i in range(25)
]


class Registry(ThreadingHTTPServer):
    companies: list[dict[str, Any]]


class Handler(BaseHTTPRequestHandler):
    server: Registry

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer s3cret":
            self.send_response(401)
            self.end_headers()
            return
        query = parse_qs(urlparse(self.path).query)
        page, size = int(query["page"][0]), int(query["page_size"][0])
        items = self.server.companies[(page - 1) * size : page * size]
        body = json.dumps({"data": {"items": items}}, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> Iterator[Registry]:
    server = Registry(("127.0.0.1", 0), Handler)
    server.companies = list(COMPANIES)
    monkeypatch.setenv("REGISTRY_TOKEN", "s3cret")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def licence_db(postgres_url: str) -> Iterator[str]:  # noqa: F811
    engine = sa.create_engine(postgres_url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE IF EXISTS licences"))
        conn.execute(sa.text(
            "CREATE TABLE licences (licence_no text primary key, holder_uscc text, holder_name text,"
            " valid_until date, updated_at timestamptz not null)"
        ))  # fmt: skip
        for i in range(10):
            conn.execute(
                sa.text("INSERT INTO licences VALUES (:n, :u, :h, :v, :t)"),
                {"n": f"JY{i:05}", "u": code(i), "h": f"深圳市测试{i}科技有限公司", "v": "2027-06-30",
                 "t": datetime(2026, 1, 1, 8, i, tzinfo=UTC)},
            )  # fmt: skip
    yield postgres_url
    engine.dispose()


def declarations(directory: Path, registry_url: str, database_url: str) -> list[Path]:
    business = {
        "name": "business_registry_api",
        "connector": {"kind": "http", "url": registry_url, "records_path": "data.items", "auth_env": "REGISTRY_TOKEN",
                      "pagination": {"type": "page", "size": 10}, "max_retries": 1, "backoff_s": 0.01},
        "record_id": "uscc",
        "entities": {
            "self": {"type": "LegalEntity", "properties": {"uscc": "uscc", "name": "name"}},
            "legal_representative": {"type": "Person", "properties": {"name": "rep_name"}},
        },
        "relationships": [{"type": "REPRESENTS", "from": "legal_representative", "to": "self"}],
    }  # fmt: skip
    licences = {
        "name": "licences_db",
        "connector": {"kind": "sql", "url": database_url, "table": "licences", "batch_size": 4},
        "mode": "incremental",
        "cursor_column": "updated_at",
        "record_id": "licence_no",
        "entities": {
            "self": {"type": "License", "properties": {"license_number": "licence_no",
                                                       "valid_until": {"column": "valid_until", "transform": ["date"]}}},
            "holder": {"type": "LegalEntity", "properties": {"uscc": "holder_uscc", "name": "holder_name"}},
        },
        "relationships": [{"type": "HOLDS", "from": "holder", "to": "self"}],
    }  # fmt: skip
    paths = []
    for spec in (business, licences):
        path = directory / f"{spec['name']}.yaml"
        path.write_text(yaml.safe_dump(spec, allow_unicode=True), encoding="utf-8")
        paths.append(path)
    return paths


def test_sql_and_http_sources_sync_incrementally(
    store: GraphStore, tmp_path: Path, registry: Registry, licence_db: str
) -> None:
    settings = Settings(data_dir=tmp_path, write_batch_size=7)
    url = f"http://127.0.0.1:{registry.server_address[1]}/companies"
    configs = [load_source_config(p, default_schema()) for p in declarations(tmp_path, url, licence_db)]
    with StateStore(settings.state_database_url) as state:

        def sync() -> dict[str, tuple[int, ...]]:
            report = sync_sources(store, state, configs, settings)
            return {s.source: (s.read, s.new, s.changed, s.unchanged, s.retired) for s in report.sources}

        assert sync() == {"business_registry_api": (25, 25, 0, 0, 0), "licences_db": (10, 10, 0, 0, 0)}
        (company,) = store.find_nodes("LegalEntity", "uscc", code(3))
        hood = store.neighbourhood("LegalEntity", company.id)
        assert hood is not None
        assert {(e.type, e.node.label) for e in hood.edges} >= {
            ("REPRESENTS", "Person"),
            ("HOLDS", "License"),
        }
        counts = store.counts()

        # Unchanged: the API is read again (a snapshot) and nothing is written; the database
        # is asked only for rows after the cursor, and has none.
        assert sync() == {"business_registry_api": (25, 0, 0, 25, 0), "licences_db": (0, 0, 0, 0, 0)}
        assert store.counts() == counts

        with sa.create_engine(licence_db).begin() as conn:
            conn.execute(
                sa.text(
                    "UPDATE licences SET valid_until = '2028-06-30', updated_at = now() WHERE licence_no = 'JY00004'"
                )
            )
        registry.companies = COMPANIES[:-1]
        assert sync() == {"business_registry_api": (24, 0, 0, 24, 1), "licences_db": (1, 0, 1, 0, 0)}
        (licence,) = store.find_nodes("License", "license_number", "JY00004")
        assert str(licence.properties["valid_until"]) == "2028-06-30"
        assert state.cursor("licences_db") > datetime(2026, 1, 1, 8, 9, tzinfo=UTC)
