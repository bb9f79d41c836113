"""An HTTP server on 127.0.0.1 that records each request and answers through a Python function.

It stands in for services no local backend can run (Slack webhooks, Lambda Invoke, the Databricks Jobs API):
the function answers per the published API, and the tests assert the exact requests the operators sent.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    """One recorded request; `body` is parsed JSON when the payload is JSON, else the raw text."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: Any = None


@dataclass
class Response:
    status: int = 200
    body: Any = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class LoopbackServer:
    """`with LoopbackServer(answer) as server:` serves on `server.url` and records `server.requests`; given
    `tls=(certificate_file, key_file)`, over HTTPS."""

    def __init__(self, answer: Callable[[Request], Response], tls: tuple[Path, Path] | None = None):
        self.answer = answer
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode() if length else ""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                parts = urlsplit(self.path)
                request = Request(self.command, parts.path, parse_qs(parts.query), dict(self.headers), body)
                with server._lock:
                    server.requests.append(request)
                    response = server.answer(request)
                payload = response.body if isinstance(response.body, str) else json.dumps(response.body)
                self.send_response(response.status)
                self.send_header("Content-Type", "application/json")
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload.encode())))
                self.end_headers()
                self.wfile.write(payload.encode())

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:  # the tests read `requests` instead
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self._httpd.socket = context.wrap_socket(self._httpd.socket, server_side=True)
        self.port = self._httpd.server_address[1]
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"

    def __enter__(self) -> LoopbackServer:
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def calls(self, method: str, path_suffix: str) -> list[Request]:
        """The recorded requests with that method whose path ends with `path_suffix`."""
        with self._lock:
            return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]
