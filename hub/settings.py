"""One settings object for the hub, read from GRIDHUB_* environment variables (and .env)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRIDHUB_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        Path("data"), description="Where the embedded graph, demo data and run state live."
    )
    graph_url: str = Field(
        "",
        description=(
            "Graph store. Empty: the embedded store under data_dir. "
            "ladybug:///abs/path or ladybug:rel/path: an embedded store there. "
            "neo4j://host:7687, bolt://host:7687 (and +s/+ssc variants): a Neo4j server or cluster."
        ),
    )
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("")
    neo4j_database: str = "neo4j"
    neo4j_connect_timeout_s: float = Field(5.0, gt=0, description="Fail fast when Neo4j is unreachable.")
    ladybug_buffer_pool_mb: int = Field(1024, ge=64, description="Embedded store page cache, set explicitly.")
    resolve_after_sync: bool = Field(
        True, description="Run the resolution pass at the end of every sync (off: `gridhub resolve` does it)."
    )
    state_url: str = Field(
        "", description="SQLAlchemy URL of the sync state database (default: SQLite under data_dir)."
    )
    write_batch_size: int = Field(10_000, ge=1)
    api_host: str = "127.0.0.1"
    api_port: int = 8000

    @property
    def state_database_url(self) -> str:
        return self.state_url or f"sqlite:///{self.data_dir / 'state.db'}"

    @property
    def embedded_graph_path(self) -> Path:
        return self.data_dir / "graph" / "gridhub.lbug"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
