"""All configuration, read once from the environment and `.env`.

Names follow the seed's contract (REDIS_HOST, WORKER_COUNT, GPU_MEMORY_FRACTION, BATCH_SIZE, IMAGE_SIZE,
NUM_SAMPLES, MAX_FILE_SIZE, RESULT_EXPIRY, ...), so an existing `.env` or docker-compose file keeps working.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, ByteSize, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """One place for every knob; every process (API, worker, CLI) builds the same object."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=False)

    # Redis (queue/connection.py): REDIS_URL wins; otherwise the seed's REDIS_HOST/REDIS_PORT; neither:
    # the embedded server of DATA_DIR, on its Unix socket.
    redis_url: str | None = Field(default=None, alias="REDIS_URL")
    redis_host: str | None = Field(default=None, alias="REDIS_HOST")
    redis_port: int = Field(default=6379, alias="REDIS_PORT", ge=1, le=65535)
    redis_username: str | None = Field(default=None, alias="REDIS_USERNAME")
    """An ACL user; None: the default user."""
    redis_password: SecretStr | None = Field(default=None, alias="REDIS_PASSWORD")
    """None: the URL's, or for the embedded server the one drawn into DATA_DIR/redis/password."""
    redis_bind: str | None = Field(default=None, alias="REDIS_BIND")
    """The embedded server also listens on REDIS_BIND:REDIS_PORT, for workers on other hosts."""
    result_expiry: int = Field(default=3600, alias="RESULT_EXPIRY", ge=1)

    # Storage.
    data_dir: Path = Field(default=Path("data"), alias="DATA_DIR")
    upload_dir: Path | None = Field(default=None, alias="UPLOAD_DIR")
    database_url: str | None = Field(default=None, alias="DATABASE_URL")
    model_retention_days: int = Field(default=0, alias="MODEL_RETENTION_DAYS", ge=0)
    """Models of submissions finished this many days ago are removed, each team's best of each task
    excepted (storage/retention.py); results stay. 0: every model is kept."""

    # API.
    api_host: str = Field(default="0.0.0.0", alias="API_HOST")
    api_port: int = Field(default=8000, alias="API_PORT", ge=1, le=65535)
    max_file_size: int = Field(default=500 * 1024 * 1024, alias="MAX_FILE_SIZE", ge=1)
    upload_chunk_size: int = Field(default=1024 * 1024, alias="UPLOAD_CHUNK_SIZE", ge=4096)
    check_timeout: float = Field(default=120.0, alias="CHECK_TIMEOUT", gt=0)
    check_memory_limit: ByteSize = Field(default=ByteSize(4 * 1024**3), alias="CHECK_MEMORY_LIMIT")
    check_workers: int = Field(default=2, alias="CHECK_WORKERS", ge=1)
    """Checker processes of one API: the door checks that run at once (checks/pool.py)."""
    check_backlog: int = Field(default=8, alias="CHECK_BACKLOG", ge=0)
    """Uploads that may wait for a free checker; beyond it an upload is answered 503 at once."""
    max_concurrent_uploads: int = Field(default=32, alias="MAX_CONCURRENT_UPLOADS", ge=1)
    """Uploads one API receives and checks at once; beyond it 503 before the body is read."""
    max_uploads_per_team: int = Field(default=4, alias="MAX_UPLOADS_PER_TEAM", ge=1)
    """Of those, what one team may hold at once; beyond it 429 before the body is read, so a team that
    opens many slow uploads cannot take every slot."""
    upload_idle_timeout: float = Field(default=30.0, alias="UPLOAD_IDLE_TIMEOUT", gt=0)
    """Seconds an upload may send nothing (408); also the grace before UPLOAD_MIN_RATE applies."""
    upload_min_rate: ByteSize = Field(default=ByteSize(16 * 1024), alias="UPLOAD_MIN_RATE")
    """Bytes per second an upload must average after its first UPLOAD_IDLE_TIMEOUT seconds (408)."""
    upload_disk_margin: ByteSize = Field(default=ByteSize(1024**3), alias="UPLOAD_DISK_MARGIN")
    """Free space UPLOAD_DIR must keep beyond MAX_FILE_SIZE for an upload to start (507 otherwise)."""
    max_queue_length: int = Field(default=1000, alias="MAX_QUEUE_LENGTH", ge=1)
    submissions_per_day: int = Field(default=10, alias="SUBMISSIONS_PER_DAY", ge=0)
    """Per team and task, per UTC day (storage/quota.py says what counts); 0: unlimited."""
    max_unfinished_per_team: int = Field(default=2, alias="MAX_UNFINISHED_PER_TEAM", ge=0)
    """A team's submissions queued or running at once, every task together; 0: unlimited."""

    # Teams and tokens (api/auth.py).
    admin_token: SecretStr | None = Field(default=None, alias="ADMIN_TOKEN")
    """The organiser's token; None: drawn at the API's first start and kept in DATA_DIR/admin-token."""
    allow_anonymous: bool = Field(default=False, alias="ALLOW_ANONYMOUS")
    """True: uploads without a token are accepted (a private machine), named by the `name` field."""
    leaderboard_public: bool = Field(default=True, alias="LEADERBOARD_PUBLIC")
    session_max_age: int = Field(default=8 * 3600, alias="SESSION_MAX_AGE", ge=60)
    """Seconds a web sign-in lasts (web/sessions.py); a revoked or replaced token ends it at once."""

    # Workers. A worker needs only REDIS_URL, API_URL and WORKER_TOKEN: it fetches everything else from the
    # API (worker/api.py); GPU hosts hold no database credentials and mount nothing.
    api_url: str | None = Field(default=None, alias="API_URL")
    """Where workers reach the API; None: this host's API on API_PORT."""
    worker_token: SecretStr | None = Field(default=None, alias="WORKER_TOKEN")
    """The workers' token; None: drawn at first start and kept in DATA_DIR/worker-token."""
    model_cache_bytes: ByteSize = Field(default=ByteSize(20 * 1024**3), alias="MODEL_CACHE_BYTES")
    """The models a worker fetched from the API, kept in DATA_DIR/model-cache up to this size."""
    worker_count: int | None = Field(default=None, alias="WORKER_COUNT", ge=0)
    worker_id: str | None = Field(default=None, alias="WORKER_ID")
    gpu_memory_fraction: float = Field(default=0.143, alias="GPU_MEMORY_FRACTION", gt=0, le=1)
    intra_op_threads: int | None = Field(default=None, alias="INTRA_OP_THREADS", ge=1)
    cudnn_conv_algo_search: str = Field(
        default="HEURISTIC", alias="CUDNN_CONV_ALGO_SEARCH", pattern="^(EXHAUSTIVE|HEURISTIC|DEFAULT)$"
    )
    cuda_use_tf32: bool = Field(default=True, alias="CUDA_USE_TF32")
    tensorrt: bool = Field(default=False, alias="TENSORRT")
    tensorrt_fp16: bool = Field(default=False, alias="TENSORRT_FP16")
    execution_provider: str = Field(default="auto", alias="EXECUTION_PROVIDER", pattern="^(auto|cuda|cpu)$")
    job_timeout: int = Field(default=1800, alias="JOB_TIMEOUT", ge=1)
    eval_memory_limit: ByteSize = Field(default=ByteSize(16 * 1024**3), alias="EVAL_MEMORY_LIMIT")
    max_attempts: int = Field(default=3, alias="MAX_ATTEMPTS", ge=1)
    job_monitoring_interval: int = Field(default=10, alias="JOB_MONITORING_INTERVAL", ge=1)
    heartbeat_grace: int = Field(default=30, alias="HEARTBEAT_GRACE", ge=1)
    shutdown_grace: float = Field(default=20.0, alias="SHUTDOWN_GRACE", ge=0)
    kill_grace: float = Field(default=30.0, alias="KILL_GRACE", gt=0)
    """An evaluation process still there this long after its SIGKILL is stuck in the kernel (a wedged GPU
    driver): its submission is queued again and the worker exits, broken (worker/broken.py)."""
    maintenance_interval: int = Field(default=60, alias="MAINTENANCE_INTERVAL", ge=1)

    # task2's test set, and the defaults of every task in TASKS_FILE (src/goat/tasks/registry.py).
    tasks_file: Path | None = Field(default=None, alias="TASKS_FILE")
    batch_size: int = Field(default=8, alias="BATCH_SIZE", ge=1)
    image_size: int = Field(default=448, alias="IMAGE_SIZE", ge=8)
    num_samples: int | None = Field(default=None, alias="NUM_SAMPLES", ge=1)
    dataset_seed: int | None = Field(default=None, alias="DATASET_SEED", ge=0)
    """None: a secret seed drawn at first start and kept in DATA_DIR (core/drawn_secrets.py)."""
    dataset_dir: Path | None = Field(default=None, alias="DATASET_DIR")
    private_fraction: float = Field(default=0.0, alias="PRIVATE_FRACTION", ge=0.0, lt=1.0)
    """The share of each test set kept private (tasks/split.py); 0: every sample public."""
    split_key: SecretStr | None = Field(default=None, alias="SPLIT_KEY")
    """Chooses the private samples; None: a secret drawn at first start and kept in DATA_DIR."""

    preview_count: int = Field(
        default=4, validation_alias=AliasChoices("PREVIEW_SAMPLES", "PREVIEW_COUNT"), ge=0, le=16
    )
    """Pictures of each model's predictions on public images (tasks/previews.py); 0: none. PREVIEW_SAMPLES,
    or PREVIEW_COUNT, its name before the web pages, which show four."""

    log_level: str = Field(default="INFO", alias="LOG_LEVEL")

    @model_validator(mode="after")
    def _absolute_paths(self) -> Settings:
        """Resolve paths once so that every process, whatever its cwd, agrees on them."""
        self.data_dir = self.data_dir.expanduser().resolve()
        self.upload_dir = (self.upload_dir or self.data_dir / "uploads").expanduser().resolve()
        if self.dataset_dir is not None:
            self.dataset_dir = self.dataset_dir.expanduser().resolve()
        if self.tasks_file is not None:
            self.tasks_file = self.tasks_file.expanduser().resolve()
        return self

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'goat.db'}"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def admin_token_file(self) -> Path:
        return self.data_dir / "admin-token"

    @property
    def worker_token_file(self) -> Path:
        return self.data_dir / "worker-token"

    @property
    def model_cache_dir(self) -> Path:
        return self.data_dir / "model-cache"

    @property
    def dataset_copies_dir(self) -> Path:
        """A worker's copies of folder datasets its host does not have (worker/datasets.py)."""
        return self.data_dir / "datasets"

    @property
    def resolved_api_url(self) -> str:
        """API_URL, else this host's API (on the loopback when it listens on every address)."""
        if self.api_url is not None:
            return self.api_url.rstrip("/")
        host = "127.0.0.1" if self.api_host in ("0.0.0.0", "::", "") else self.api_host
        return f"http://{host}:{self.api_port}"

    @property
    def redis_dir(self) -> Path:
        return self.data_dir / "redis"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests build their own `Settings` and pass them in instead."""
    return Settings()


def cpu_count() -> int:
    """Cores this process may use (respects affinity masks and container CPU sets)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
