"""Reading a service process's Prometheus endpoint: where it serves (its startup line) and its samples."""

from __future__ import annotations

import re
from collections import Counter

import httpx

from guardian_testing.processes import ServiceProcess

METRICS_LINE = r"metrics=(?P<url>http://\S+)"
METRICS_ENV = {"GUARDIAN_METRICS_ENABLED": "true", "GUARDIAN_METRICS_ADDR": "127.0.0.1:0"}
_SAMPLE = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?P<labels>\{[^}]*\})? (?P<value>\S+)$")
_LABEL = re.compile(r'(?P<key>[a-zA-Z_][a-zA-Z0-9_]*)="(?P<value>[^"]*)"')


def metrics_url(process: ServiceProcess) -> str:
    """The metrics URL a process started with METRICS_ENV printed."""
    found = re.search(METRICS_LINE, process.read_until(METRICS_LINE))
    assert found is not None
    return found["url"]


def scrape(client: httpx.Client, url: str) -> dict[str, float]:
    """`name{labels}` → value of every sample."""
    response = client.get(url)
    response.raise_for_status()
    samples = {}
    for line in response.text.splitlines():
        match = _SAMPLE.match(line)
        if match and not line.startswith("#"):
            samples[match["name"] + (match["labels"] or "")] = float(match["value"])
    return samples


def grpc_calls(samples: dict[str, float], service_prefix: str = "guardian.") -> Counter[str]:
    """Served unary gRPC calls by `Service/Method` (short service name), from
    guardian_grpc_requests_total; services outside `service_prefix` (health checks) are left out."""
    calls: Counter[str] = Counter()
    for key, value in samples.items():
        name, _, labels = key.partition("{")
        if name != "guardian_grpc_requests_total":
            continue
        pairs = {m["key"]: m["value"] for m in _LABEL.finditer(labels)}
        service = pairs.get("service", "")
        if service.startswith(service_prefix):
            calls[f"{service.rsplit('.', 1)[-1]}/{pairs.get('method', '')}"] += int(value)
    return calls
