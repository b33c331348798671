"""The metrics listener: Prometheus text on one path, optional bearer token, in a daemon thread."""

from __future__ import annotations

import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4


class MetricsServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], path: str, token: str | None, registry: CollectorRegistry):
        super().__init__(address, _Handler)
        self.metrics_path = path
        self.registry = registry
        self._expected = f"Bearer {token}".encode() if token else None

    def authorized(self, header: str | None) -> bool:
        if self._expected is None:
            return True
        return hmac.compare_digest((header or "").encode(), self._expected)

    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{self.metrics_path}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: MetricsServer

    def do_GET(self) -> None:
        if urlsplit(self.path).path != self.server.metrics_path:
            self._answer(404, b"not found\n", "text/plain")
        elif not self.server.authorized(self.headers.get("Authorization")):
            self._answer(401, b"unauthorized\n", "text/plain", {"WWW-Authenticate": "Bearer"})
        else:
            self._answer(200, generate_latest(self.server.registry), CONTENT_TYPE_PLAIN_0_0_4)

    def _answer(
        self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Scrapes are not logged."""


def start_metrics_server(
    addr: str, path: str, token: str | None, registry: CollectorRegistry
) -> MetricsServer:
    host, _, port = addr.rpartition(":")
    server = MetricsServer((host.strip("[]"), int(port)), path, token, registry)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
