"""Environment variables: every one a service reads is documented, and every one a deployment sets is read.

What a service reads is collected from the code, not from a list: the fields (with env prefix or alias) of
every pydantic-settings class in the service's package and in libs/common, plus the variables libs/common
and the services read directly from the environment. What the deployments set is collected from
deploy/k8s (every container, base and overlays), deploy/compose, the Dockerfiles' ENV and the ECS
task definitions. A variable set but never read is almost always a typo that silently leaves a default in
force, so it fails here.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from hcl2.api import loads as hcl_loads
from pydantic_settings import BaseSettings

from guardian_common.settings import env_name

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
CONFIGURATION = ROOT / "docs" / "CONFIGURATION.md"
PACKAGES = {
    "coordinator": ("guardian_coordinator", ROOT / "services/coordinator/src/guardian_coordinator"),
    "auth": ("guardian_auth", ROOT / "services/auth/src/guardian_auth"),
    "gateway": ("guardian_gateway", ROOT / "gateway/src/guardian_gateway"),
    "canonicalizer": ("guardian_canonicalizer", ROOT / "services/canonicalizer/src/guardian_canonicalizer"),
    "devnet": ("guardian_devnet", ROOT / "tools/devnet/src/guardian_devnet"),
}
COMMON = ("guardian_common", ROOT / "libs/common/src/guardian_common")
# os.environ.get("X"), os.environ["X"], os.getenv("X"), env.get("X")
DIRECT_READ = re.compile(
    r"""(?:environ\.get\(|environ\[|getenv\(|env\.get\()\s*["']([A-Z][A-Z0-9_]*[A-Z0-9])["']"""
)
# libs/common names its variables as constants too (TRACE_FILE = "GUARDIAN_TRACE_FILE").
GUARDIAN_LITERAL = re.compile(r"""["'](GUARDIAN_[A-Z0-9_]*[A-Z0-9])["']""")
# Variables consumed by the deployments' own entry point (secrets written to files), not by a service.
ENTRY_POINT_FILES = {
    "ACK_ECDSA_KEY_HEX",
    "ACK_FALCON_KEY_HEX",
    "OPERATOR_PUBLIC_KEYS_JSON",
    "DB_CA_BUNDLE_PEM",
}
# Set in the images for the Python runtime, not for a service.
RUNTIME_ENV = {"PATH", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}


def settings_variables(package: str, directory: Path) -> set[str]:
    names: set[str] = set()
    for path in directory.rglob("*.py"):
        if "migrations" in path.parts or "BaseSettings" not in path.read_text():
            continue
        module_name = ".".join([package, *path.relative_to(directory).with_suffix("").parts])
        module = importlib.import_module(module_name.removesuffix(".__init__"))
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, BaseSettings)
                and value is not BaseSettings
                and value.__module__ == module.__name__
            ):
                names |= {env_name(value, field) for field in value.model_fields}
    return names


def direct_reads(directory: Path, *, literals: bool) -> set[str]:
    names: set[str] = set()
    for path in directory.rglob("*.py"):
        text = path.read_text()
        names |= set(DIRECT_READ.findall(text))
        if literals and ("environ" in text or "getenv" in text):  # a module that reads the environment
            names |= set(GUARDIAN_LITERAL.findall(text))
    return names


@cache
def common_variables() -> frozenset[str]:
    package, directory = COMMON
    return frozenset(settings_variables(package, directory) | direct_reads(directory, literals=True))


@cache
def read_by(service: str) -> frozenset[str]:
    package, directory = PACKAGES[service]
    return frozenset(
        settings_variables(package, directory) | direct_reads(directory, literals=False) | common_variables()
    )


def service_of(name: str) -> str:
    """`coordinator-1` -> coordinator; `guardian-auth` -> auth."""
    for service in PACKAGES:
        if service in name:
            return service
    raise AssertionError(f"no service matches {name!r}")


def kubernetes_settings() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted((DEPLOY / "k8s").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            spec = (doc or {}).get("spec", {}).get("template", {}).get("spec", {})
            for container in spec.get("initContainers", []) + spec.get("containers", []):
                for entry in container.get("env", []):
                    found.append(
                        (f"{path.relative_to(ROOT)}:{container['name']}", container["name"], entry["name"])
                    )
    return found


def compose_settings() -> list[tuple[str, str, str]]:
    compose = yaml.safe_load((DEPLOY / "compose" / "docker-compose.yml").read_text())
    return [
        (f"docker-compose.yml:{name}", service_of(name), variable)
        for name, service in compose["services"].items()
        if name not in ("postgres", "proxy")
        for variable in service.get("environment", {})
    ]


def dockerfile_settings() -> list[tuple[str, str, str]]:
    found = []
    for path in sorted((DEPLOY / "docker").glob("*.Dockerfile")):
        stage = path.read_text().split("\nFROM ")[-1]  # the runtime stage
        for block in re.findall(r"^ENV (.*?)(?<!\\)$", stage, flags=re.MULTILINE | re.DOTALL):
            for pair in block.replace("\\\n", " ").split():
                found.append((path.name, service_of(path.name), pair.partition("=")[0]))
    return found


def ecs_settings() -> list[tuple[str, str, str]]:
    locals_: dict[str, Any] = {}
    for block in hcl_loads((DEPLOY / "ecs" / "main.tf").read_text())["locals"]:
        locals_.update({key: value[0] if isinstance(value, list) else value for key, value in block.items()})
    found = []
    for service, definition in locals_["services"].items():
        names = [*locals_["common_environment"], "GUARDIAN_MAX_REPLICAS", *definition["environment"]]
        names += [name for name in definition["secrets"] if name not in definition["files"]]
        found += [(f"deploy/ecs:{service}", service, name) for name in names]
    return found


SOURCES = {
    "kubernetes": kubernetes_settings,
    "compose": compose_settings,
    "dockerfile": dockerfile_settings,
    "ecs": ecs_settings,
}


def test_the_collection_finds_the_known_variables() -> None:
    assert {
        "GUARDIAN_ENV",
        "GUARDIAN_MAX_REPLICAS",
        "GUARDIAN_LOG_FORMAT",
        "GUARDIAN_LOG_LEVEL",
    } <= common_variables()
    assert "DATABASE_URL" in read_by("coordinator")
    assert "DATABASE_URL" not in read_by("gateway")
    assert "GUARDIAN_DASHBOARD_CURSOR_SECRET" in read_by("gateway")
    assert "GUARDIAN_CANONICALIZATION_LEASE_TTL_SECONDS" in read_by("canonicalizer")


@pytest.mark.parametrize("source", list(SOURCES))
def test_every_variable_a_deployment_sets_is_read_by_its_service(source: str) -> None:
    settings = SOURCES[source]()
    assert settings, f"no environment variables found in the {source} artifacts"
    unknown = [
        f"{where}: {name}"
        for where, service, name in settings
        if name not in read_by(service) | RUNTIME_ENV | ENTRY_POINT_FILES
    ]
    assert not unknown, (
        "set but never read by the service (a typo leaves the default in force):\n" + "\n".join(unknown)
    )


def test_entry_point_variables_are_only_used_with_the_entry_point() -> None:
    compose = (DEPLOY / "compose" / "docker-compose.yml").read_text()
    main_tf = (DEPLOY / "ecs" / "main.tf").read_text()
    for name in ENTRY_POINT_FILES:
        assert name in main_tf or name in compose
        assert not name.startswith("GUARDIAN_"), "keep them apart from service variables"


def test_every_variable_a_service_reads_is_documented() -> None:
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*[A-Z0-9])`", CONFIGURATION.read_text()))
    missing: dict[str, list[str]] = {}
    for service in PACKAGES:
        for name in sorted(read_by(service)):
            if (name.startswith("GUARDIAN_") or name == "DATABASE_URL") and name not in documented:
                reader = "libs/common, so every service" if name in common_variables() else service
                missing.setdefault(name, []).append(reader)
    assert not missing, "add these to docs/CONFIGURATION.md with default and meaning:\n" + "\n".join(
        f"{name} (read by {', '.join(sorted(set(readers)))})" for name, readers in sorted(missing.items())
    )
