"""Hook for the data platform's Jobs service: submit a job, read its state, check the connection."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import requests
from airflow.sdk import BaseHook, Connection
from asgiref.sync import sync_to_async

from dataplatform_provider.api.jobs import DEFAULT_TIMEOUT_S, HEALTH_PATH, JOBS_PATH, job_path


class JobsServiceError(RuntimeError):
    """The Jobs service answered with an error; the message carries the request and the service's answer."""

    def __init__(self, method: str, url: str, status: int, body: str):
        super().__init__(f"{method} {url} -> HTTP {status}: {body[:2000]}")
        self.status = status


@dataclass(frozen=True)
class JobsEndpoint:
    """Where and how to reach the service, read from a connection once per call."""

    base_url: str
    token: str | None
    timeout_s: float

    @classmethod
    def from_connection(cls, connection: Connection) -> JobsEndpoint:
        if not connection.host:
            raise ValueError(
                f"connection {connection.conn_id!r} has no host: set it to the Jobs service's base URL, "
                "e.g. https://jobs.internal"
            )
        base_url = connection.host if "://" in connection.host else f"https://{connection.host}"
        extra = connection.extra_dejson
        return cls(base_url.rstrip("/"), connection.password or None, float(extra.get("timeout") or DEFAULT_TIMEOUT_S))

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}


class JobsHook(BaseHook):
    """
    Talk to the data platform's Jobs service over its HTTP API (``dataplatform_provider.api.jobs``).

    Each method calls the endpoint it is named after: submitting POSTs a job, reading a state GETs that job, and
    only ``test_connection`` calls the health endpoint. The blocking methods run in tasks; ``aget_job`` is the
    non-blocking one a trigger awaits in the triggerer's event loop, and it looks the connection up only once.

    .. seealso::
        ``dataplatform_provider.api.jobs`` for the endpoints and the job states.

    The connection type's form (fields, labels, placeholders) is declared in ``get_provider_info``, as Airflow
    3.2+ wants, rather than by this class's ``get_connection_form_widgets``/``get_ui_field_behaviour``.

    :param jobs_conn_id: The connection to the service: host is its base URL, password an optional API token,
        and the extra ``timeout`` the seconds one request may take (default 30).
    """

    conn_name_attr = "jobs_conn_id"
    default_conn_name = "dataplatform_jobs_default"
    conn_type = "dataplatform_jobs"
    hook_name = "Data Platform Jobs"

    def __init__(self, jobs_conn_id: str = default_conn_name, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.jobs_conn_id = jobs_conn_id
        self._async_endpoint: JobsEndpoint | None = None

    # ---- blocking calls, for tasks ---------------------------------------------------------------------------

    def get_conn(self) -> requests.Session:
        """A session that sends the connection's token on every request."""
        return self._session(self._endpoint())

    def _endpoint(self) -> JobsEndpoint:
        return JobsEndpoint.from_connection(self.get_connection(self.jobs_conn_id))

    @staticmethod
    def _session(endpoint: JobsEndpoint) -> requests.Session:
        session = requests.Session()
        session.headers.update(endpoint.headers)
        return session

    def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        endpoint = self._endpoint()
        url = f"{endpoint.base_url}{path}"
        with self._session(endpoint) as session:
            response = session.request(method, url, timeout=endpoint.timeout_s, **kwargs)
        if not response.ok:
            raise JobsServiceError(method, url, response.status_code, response.text)
        return response.json()

    def submit_job(self, name: str, parameters: dict[str, Any]) -> dict[str, Any]:
        """Submit a job; return it as the service created it (``job_id``, ``state`` …)."""
        return self._call("POST", JOBS_PATH, json={"name": name, "parameters": parameters})

    def get_job(self, job_id: str) -> dict[str, Any]:
        """The job's current record: state and message."""
        return self._call("GET", job_path(job_id))

    def test_connection(self) -> tuple[bool, str]:
        """What the UI's Test button shows: whether the health endpoint answers with this connection."""
        try:
            health = self._call("GET", HEALTH_PATH)
        except (JobsServiceError, requests.RequestException, ValueError) as err:
            return False, str(err)
        return True, f"Jobs service is {health.get('status', 'up')}"

    # ---- non-blocking calls, for triggers --------------------------------------------------------------------

    async def aget_job(self, job_id: str) -> dict[str, Any]:
        """``get_job`` without blocking the event loop."""
        endpoint = await self._aendpoint()
        url = f"{endpoint.base_url}{job_path(job_id)}"
        timeout = aiohttp.ClientTimeout(total=endpoint.timeout_s)
        # A session per call: a trigger polls seconds apart, so a pooled connection would mostly sit idle.
        async with aiohttp.ClientSession(headers=endpoint.headers, timeout=timeout) as session:
            async with session.get(url) as response:
                body = await response.text()
                if response.status >= 400:
                    raise JobsServiceError("GET", url, response.status, body)
                return await response.json()

    async def _aendpoint(self) -> JobsEndpoint:
        """The connection, looked up once per hook: a trigger keeps its hook for its whole wait.

        Once, because a lookup is not free for the triggerer: with a secrets backend configured, Airflow 3.3 builds
        the backend and its client anew for every lookup (boto3's, for Secrets Manager), and while it does, the
        event loop of every trigger waits. In a thread, because Airflow before 3.3.2 masks the connection's secrets
        with a synchronous call, which must not run on the event loop.
        """
        if self._async_endpoint is None:
            self._async_endpoint = await sync_to_async(self._endpoint)()
        return self._async_endpoint
