"""Settings, read from ``CITEDB_*`` environment variables."""

from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_ROOT / "var" / "citedb.sqlite3"

# The URL schemes people write, and the async driver each one means here.
ASYNC_DRIVERS = {
    "sqlite": "sqlite+aiosqlite",
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
}


def async_database_url(url: str) -> str:
    """Return ``url`` with the async driver citedb uses when it names none.

    ``sqlite:///var/db.sqlite3`` and ``postgresql://user@host/db`` (or ``postgres://``, as
    some hosts print it) are written as people write them elsewhere; explicit driver forms
    (``sqlite+aiosqlite://``, ``postgresql+asyncpg://``) are kept as they are.
    """
    scheme, separator, rest = url.partition("://")
    if not separator:
        return url
    driver = ASYNC_DRIVERS.get(scheme.lower())
    return f"{driver}://{rest}" if driver else url


class Settings(BaseSettings):
    """Runtime settings; every field is set by the ``CITEDB_`` variable of the same name."""

    model_config = SettingsConfigDict(env_prefix="CITEDB_", env_file=None, extra="ignore")

    database_url: str = Field(
        default=f"sqlite+aiosqlite:///{DEFAULT_SQLITE_PATH}",
        description="URL of the database: `sqlite:///path` or `postgresql://user@host/db` "
        "(the explicit `sqlite+aiosqlite` and `postgresql+asyncpg` forms work too).",
    )
    host: str = Field(default="127.0.0.1", description="Address `citedb serve` listens on.")
    port: int = Field(default=8000, description="Port `citedb serve` listens on.")
    workers: int = Field(default=1, ge=1, description="Worker processes for `citedb serve`.")
    worker_healthcheck_seconds: int = Field(
        default=60,
        ge=1,
        description="With several workers, how long a worker process may take to answer its "
        "supervisor's health check before it is replaced (uvicorn's "
        "`timeout_worker_healthcheck`, 5 s by default there: too short for a worker importing "
        "the app on a busy machine, which was then replaced again and again).",
    )
    public_base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL used in ClaimReview `url` and reference links.",
    )
    organization_name: str = Field(
        default="citedb", description="The publisher named as `author` of ClaimReviews."
    )
    cache_max_age: int = Field(
        default=60, ge=0, description="`Cache-Control: max-age` of public GETs, in seconds."
    )
    max_body_bytes: int = Field(
        default=5_000_000, ge=1024, description="Largest request body accepted (413 beyond)."
    )
    max_header_bytes: int = Field(
        default=16 * 1024,
        ge=1024,
        description="Largest request line and headers accepted, in bytes (431 beyond).",
    )
    import_max_records: int = Field(
        default=10_000, ge=1, description="Most records one bibliographic import accepts."
    )
    cache_ttl: float = Field(
        default=1.0,
        ge=0,
        description="Seconds within which a process sees writes made by other processes "
        "(workers, the CLI) in the answers it keeps; its own writes are seen at once.",
    )
    cache_bytes: int = Field(
        default=64 * 1024 * 1024,
        ge=0,
        description="Bytes of public GET answers a process keeps, headers, keys and overhead "
        "counted; the least recently used go first (0: nothing kept).",
    )
    changes_retention_days: float = Field(
        default=30,
        ge=0,
        description="Days the change feed keeps a change (`citedb worker` removes older ones; "
        "a reader further behind gets 410 and re-reads).",
    )
    webhook_allow_private_targets: bool = Field(
        default=False,
        description="Accept webhook URLs that resolve to loopback, private or link-local "
        "addresses (for receivers on the same host or network).",
    )
    webhook_timeout: float = Field(
        default=10, gt=0, le=300, description="Seconds a webhook delivery may take in all."
    )
    webhook_max_attempts: int = Field(
        default=8, ge=1, le=50, description="Attempts of a delivery before it is marked failed."
    )
    webhook_retry_base: float = Field(
        default=30,
        gt=0,
        description="Seconds before the first retry; each later one waits twice as long, "
        "give or take a random quarter (jitter).",
    )
    webhook_retry_max: float = Field(
        default=6 * 3600, gt=0, description="The longest wait between two attempts, in seconds."
    )
    worker_poll_interval: float = Field(
        default=1.0, gt=0, description="Seconds `citedb worker` waits when there is nothing to do."
    )
    worker_concurrency: int = Field(
        default=8, ge=1, le=100, description="Deliveries one worker sends at the same time."
    )
    cors_write_origins: str = Field(
        default="",
        description="Origins (`https://app.example.org`, comma-separated) whose pages may "
        "write from a browser; reads are open to any origin. The service's own origin "
        "(`public_base_url`, and the host a request names) may always write.",
    )
    gzip_min_bytes: int = Field(
        default=1024, ge=0, description="Smallest response body compressed for gzip clients."
    )
    embedding_model: str = Field(
        default="all-MiniLM-L6-v2",
        description="The sentence-embedding model of claim search and matching: a built-in "
        "name, or `package.module:factory` returning an `app.semantic.embedder.Embedder`. "
        "After a change, `citedb reindex` re-embeds the claims.",
    )
    semantic_search: bool = Field(
        default=True,
        description="Rank claim searches by meaning and words (`false`: by words alone, "
        "and no similar-claim check on create).",
    )
    semantic_exact_rows: int = Field(
        default=50_000,
        ge=0,
        description="Claim text vectors up to which a search compares the question with every "
        "vector in full; past it, a first pass over their 64-dimension projection picks the "
        "claims that are then scored in full.",
    )
    db_pool_size: int = Field(default=10, ge=1, description="Connections per API process.")
    write_wait_seconds: float = Field(
        default=10,
        gt=0,
        le=300,
        description="Seconds a request waits for a database connection and, on SQLite, for "
        "its turn to write; past it the answer is 503 with `Retry-After`.",
    )
    rate_limit_storage: str = Field(
        default="memory://",
        description="Where rate-limit counts live: `memory://` (each process counts alone) or "
        "a store that processes share, such as `redis://127.0.0.1:6379/0` (any storage URI "
        "of the `limits` package).",
    )
    rate_limit_writes_per_key: str = Field(
        default="120/minute",
        description="Writes (POST, PUT, PATCH, DELETE) one API key may send, in the `limits` "
        "notation (`120/minute`, `10/second;1000/hour`; empty: no limit).",
    )
    rate_limit_writes_per_address: str = Field(
        default="300/minute", description="Writes one client address may send."
    )
    rate_limit_expensive_per_key: str = Field(
        default="60/minute",
        description="Expensive requests one API key may send: search (`q` on `GET /v1/claims` "
        "or `/v1/studies`), the citation check, the bibliographic import and the restore.",
    )
    rate_limit_expensive_per_address: str = Field(
        default="120/minute", description="Expensive requests one client address may send."
    )
    import_batch_records: int = Field(
        default=100,
        ge=1,
        description="Records an HTTP import commits in each of its transactions; other "
        "writers take their turns between them.",
    )
    citation_entries: int = Field(
        default=10_000,
        ge=0,
        description="APA and Vancouver entries a process keeps once rendered, each under a "
        "digest of its study and authors, so an edit renders its study afresh; the least "
        "recently used go first (0: every list renders every entry).",
    )
    citation_worker: bool = Field(
        default=True,
        description="Render APA and Vancouver entries in a worker process started on first "
        "use (`false`: in a thread of the serving process, which holds its GIL meanwhile).",
    )
    log_level: str = Field(default="info", description="Log level of the server.")

    @field_validator(
        "rate_limit_writes_per_key",
        "rate_limit_writes_per_address",
        "rate_limit_expensive_per_key",
        "rate_limit_expensive_per_address",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        from limits import parse_many

        if value.strip():
            parse_many(value)  # ValueError names what is wrong
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, url: str) -> str:
        return async_database_url(url)

    @property
    def write_origins(self) -> list[str]:
        """Return the origins named in ``cors_write_origins``."""
        return [origin.strip() for origin in self.cors_write_origins.split(",") if origin.strip()]

    @property
    def is_sqlite(self) -> bool:
        """Tell whether the configured database is SQLite."""
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
