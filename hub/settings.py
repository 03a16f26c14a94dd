"""One settings object for the hub, read from GRIDHUB_* environment variables (and .env)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

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
    max_retire_share: float = Field(
        0.2,
        ge=0,
        le=1,
        description=(
            "A snapshot read that would retire more than this share of a source's current records "
            "retires nothing and refuses the source (exit 2), unless `gridhub sync --allow-retire`."
        ),
    )
    source_dirs: list[Path] = Field(
        default_factory=list,
        description=(
            "Directories besides data_dir that declarations may read files from (JSON list, e.g. "
            '["/srv/exports"]); any other path refuses the source.'
        ),
    )
    tasks_config_dir: Path = Field(
        Path("config/tasks"),
        description=(
            "The task config (departments, item list, working calendar, rules/): where `gridhub "
            "tasks` and the server's task jobs read it when not told otherwise."
        ),
    )
    sources_config_dir: Path = Field(
        Path("config/sources"),
        description=(
            "The source declarations the server's steward decisions sync with (a building picked "
            "for an address, a quarantined row fixed and replayed) when not told otherwise."
        ),
    )
    # -- The batch resolution pass on Spark (`gridhub resolve --full --engine spark`) -------------
    spark_master: str = Field(
        "local[*]", description="Spark master URL: local[*] (every core here), spark://host:7077, yarn…"
    )
    spark_driver_memory: str = Field(
        "2g",
        pattern=r"^[0-9]+[kmgt]?$",
        description="Memory of the Spark driver (read when its JVM starts), e.g. 2g, 512m.",
    )
    spark_shuffle_partitions: int = Field(
        8,
        ge=1,
        description="Partitions of Spark's joins and aggregations (8–16 on a few cores; Spark's 200 is for clusters).",
    )
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # -- API security: on by default; see hub/api/security/ ---------------------------------------
    api_auth: Literal["enabled", "disabled"] = Field(
        "enabled",
        description=(
            "enabled: every request needs an API key or a JWT. disabled (local development only, "
            "refused in production mode): every caller is 'anonymous' with the read scope alone."
        ),
    )
    api_mode: Literal["development", "production"] = Field(
        "development",
        description="production turns off what helps only a developer (GraphiQL, introspection).",
    )
    api_search_warm: bool | None = Field(
        None,
        description=(
            "Build the search indexes when a worker starts, in the background, so that the first "
            "search need not wait for them (on the 100k bench district ~7 s and ~220 MB more peak "
            "memory a worker; they grow with the mentions). Unset: in production mode only; "
            "false: on the first search (a worker whose callers never search never builds them)."
        ),
    )
    api_key_cache_s: float = Field(
        5.0, ge=0, description="How long a verified API key is trusted without asking the state database."
    )
    api_rate_per_s: float = Field(50.0, gt=0, description="Requests per second per caller (sustained).")
    api_rate_burst: int = Field(100, ge=1, description="Requests a caller may make at once after a pause.")
    api_masked_tests_per_min: int = Field(
        60,
        ge=1,
        description=(
            "Whole-value tests of a masked property (a lookup by identity number, `identityNumber: "
            "{eq: …}`) a caller without the pii scope may make a minute, per worker process: a "
            "masked number and a birth date leave few candidates, and trying them is what this bounds."
        ),
    )
    api_max_body_bytes: int = Field(64 * 1024, ge=1, description="Larger request bodies get 413.")
    api_workers: int = Field(
        0,
        ge=0,
        description=(
            "Worker processes of `gridhub serve` (0: one per core on Neo4j, one on the embedded "
            "store). Several workers open the embedded store read-only: writes are then refused "
            "until the server stops."
        ),
    )
    api_timeout_s: float = Field(
        15.0, gt=0, description="A GraphQL request running longer is cancelled (TIMEOUT error)."
    )
    api_store_concurrency: int = Field(
        0,
        ge=0,
        description=(
            "Store queries one server process runs at once; further requests wait their turn. "
            "0: one per core on the embedded store (it runs in the process), 32 on Neo4j (the "
            "queries run on the server)."
        ),
    )
    api_max_cost: int = Field(
        20_000,
        ge=1,
        description="Most objects a GraphQL query may ask for (estimated from `first` and nesting).",
    )
    pseudonym_key: SecretStr = Field(
        SecretStr(""),
        description="Key (64 hex digits) of the ids derived from personal data (a person keyed by "
        "an identity number, rows keyed by one); empty: made at random on the first sync and kept "
        "in the state database. Set it to keep the ids when moving to a new state database.",
    )
    jwt_secret: SecretStr = Field(
        SecretStr(""), description="HMAC secret of HS256 tokens (at least 32 bytes); empty: none."
    )
    jwt_public_key_file: Path | None = Field(
        None, description="PEM public key that verifies RS256/ES256 tokens; unset: none."
    )
    jwt_algorithms: str = Field(
        "",
        description="Accepted algorithms, comma-separated (default HS256 with a secret, RS256 with a key file).",
    )
    jwt_audience: str = Field("", description="Required `aud` of tokens; empty: tokens must carry none.")
    jwt_issuer: str = Field("", description="Required `iss` of tokens; empty: not checked.")

    @property
    def warms_search(self) -> bool:
        """Whether an API worker builds the search indexes at start-up (see ``api_search_warm``)."""
        return self.api_mode == "production" if self.api_search_warm is None else self.api_search_warm

    @property
    def state_database_url(self) -> str:
        return self.state_url or f"sqlite:///{self.data_dir / 'state.db'}"

    @property
    def spark_dir(self) -> Path:
        """Where the Spark engine writes the mentions (Parquet) and its checkpoints."""
        return self.data_dir / "spark"

    @property
    def embedded_graph_path(self) -> Path:
        return self.data_dir / "graph" / "gridhub.lbug"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
