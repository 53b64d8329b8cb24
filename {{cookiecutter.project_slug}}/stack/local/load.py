"""A bounded load generator for a module's API on loopback: a fixed number of requests at
a fixed concurrency, each with a timeout. Used by the reliability suite and the benchmarks.
"""

import math
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx


@dataclass
class RequestOutcome:
    index: int
    status: int | None  # None: no answer (connection error, timeout)
    seconds: float
    body: dict | None = None
    error: str | None = None


@dataclass
class LoadResult:
    outcomes: list[RequestOutcome]
    seconds: float

    @property
    def errors(self) -> list[RequestOutcome]:
        return [outcome for outcome in self.outcomes if outcome.error is not None]

    @property
    def requests_per_second(self) -> float:
        return len(self.outcomes) / self.seconds if self.seconds else 0.0

    def latency(self, percent: float) -> float:
        return percentile([outcome.seconds for outcome in self.outcomes], percent)


@dataclass
class LoadPlan:
    """``count`` calls of ``request(http, index)`` on ``concurrency`` threads."""

    base_url: str
    count: int
    concurrency: int
    request: Callable[[httpx.Client, int], httpx.Response]
    expected_status: int
    timeout: float = 10.0
    _local: threading.local = field(default_factory=threading.local)

    def run(self) -> LoadResult:
        clients: list[httpx.Client] = []
        lock = threading.Lock()

        def client() -> httpx.Client:
            # One keep-alive connection per thread, like a real client pool.
            if not hasattr(self._local, "client"):
                self._local.client = httpx.Client(base_url=self.base_url, timeout=self.timeout)
                with lock:
                    clients.append(self._local.client)
            return self._local.client

        def one(index: int) -> RequestOutcome:
            started = time.perf_counter()
            try:
                response = self.request(client(), index)
            except httpx.HTTPError as failure:
                message = f"{type(failure).__name__}: {failure}"
                return RequestOutcome(index, None, time.perf_counter() - started, error=message)
            seconds = time.perf_counter() - started
            body = response.json() if response.headers.get("content-type") == "application/json" else None
            status = response.status_code
            unexpected = None if status == self.expected_status else f"HTTP {status}: {body}"
            return RequestOutcome(index, status, seconds, body, unexpected)

        started = time.perf_counter()
        try:
            with ThreadPoolExecutor(max_workers=self.concurrency, thread_name_prefix="load") as pool:
                outcomes = list(pool.map(one, range(self.count)))
        finally:
            for each in clients:
                each.close()
        return LoadResult(outcomes, time.perf_counter() - started)


def submit_jobs(base_url: str, path: str, bodies: Sequence[dict], concurrency: int) -> LoadResult:
    """POST each body to ``path``; 202 expected."""
    return LoadPlan(
        base_url, len(bodies), concurrency, lambda http, index: http.post(path, json=bodies[index]), expected_status=202
    ).run()


def read_jobs(base_url: str, path: str, job_ids: Sequence[str], concurrency: int) -> LoadResult:
    """GET ``path/<id>`` for each id; 200 expected."""
    return LoadPlan(
        base_url,
        len(job_ids),
        concurrency,
        lambda http, index: http.get(f"{path}/{job_ids[index]}"),
        expected_status=200,
    ).run()


def wait_for_jobs(
    base_url: str, path: str, job_ids: Sequence[str], timeout: float, interval: float = 0.2
) -> dict[str, dict]:
    """Poll until no job is queued any more, for at most ``timeout`` seconds.

    Returns the last state of every job; the caller checks which finished and how.
    """
    latest: dict[str, dict] = {}
    pending = list(job_ids)
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=base_url, timeout=10) as http:
        while pending and time.monotonic() < deadline:
            still = []
            for job_id in pending:
                job = http.get(f"{path}/{job_id}").json()
                latest[job_id] = job
                if job.get("state") == "queued":
                    still.append(job_id)
            pending = still
            if pending:
                time.sleep(interval)
    return latest


def percentile(values: Sequence[float], percent: float) -> float:
    """Nearest-rank percentile (``percent`` in 0-100)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(math.ceil(percent / 100 * len(ordered)), 1)
    return ordered[rank - 1]
