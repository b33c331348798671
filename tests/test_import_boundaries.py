"""House rules on imports, read from the source with `ast` (nothing is imported or executed):

- a service never imports another service's package (they meet only through `protos/`);
- a module under a service's `domain/` never imports the service's `api/`, `clients/` or `store/`, nor
  protobuf code, gRPC or SQL: the domain owns its interfaces and the outer layers implement them;
- the test-support library is imported only by tests and benchmarks, never by shipped code or scripts.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Service package → its source folder. Shared libraries (guardian_common, guardian_crypto, guardian_network,
# guardian_client) and the generated `guardian.*` protos may be imported by anyone.
SERVICES = {
    "guardian_coordinator": ROOT / "services/coordinator/src/guardian_coordinator",
    "guardian_auth": ROOT / "services/auth/src/guardian_auth",
    "guardian_canonicalizer": ROOT / "services/canonicalizer/src/guardian_canonicalizer",
    "guardian_gateway": ROOT / "gateway/src/guardian_gateway",
    "guardian_devnet": ROOT / "tools/devnet/src/guardian_devnet",
}
TEST_SUPPORT = "guardian_testing"
# Outside the services: shipped libraries and user-facing scripts must not lean on test support either.
SHIPPED_ELSEWHERE = [
    ROOT / "libs/common/src",
    ROOT / "libs/crypto/src",
    ROOT / "libs/network/src",
    ROOT / "libs/client/src",
    ROOT / "scripts",
]
# What a domain module may not reach: the service's own outer layers, wire code and SQL drivers.
DOMAIN_FORBIDDEN_LAYERS = ("api", "clients", "store")
DOMAIN_FORBIDDEN_TOP = {
    "grpc",
    "grpc_health",
    "grpc_reflection",
    "google",
    "sqlalchemy",
    "psycopg",
    "psycopg2",
    "asyncpg",
}


@dataclass(frozen=True)
class Import:
    path: Path
    line: int
    module: str  # absolute dotted name

    def __str__(self) -> str:
        return f"{self.path.relative_to(ROOT)}:{self.line} imports {self.module}"


def module_name(path: Path, package_root: Path) -> str:
    """`…/src/guardian_auth/domain/evm.py` → `guardian_auth.domain.evm` (package_root is `…/src`)."""
    parts = list(path.relative_to(package_root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, package_root: Path | None) -> Iterator[Import]:
    """Every module `path` imports, relative imports resolved against its package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = module_name(path, package_root).split(".") if package_root else []
    if path.name != "__init__.py" and here:
        here = here[:-1]  # a module's relative imports start from its package
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)] if node.level > 1 else here
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            yield Import(path, node.lineno, module)
            for alias in node.names:  # `from pkg import sub` may name a submodule
                yield Import(path, node.lineno, f"{module}.{alias.name}")


def python_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def top(module: str) -> str:
    return module.split(".", 1)[0]


def report(title: str, violations: list[tuple[Import, str]]) -> str:
    """One line per offending import statement (`from a import b, c` is reported once)."""
    lines: dict[tuple[Path, int], str] = {}
    for found, why in violations:
        lines.setdefault((found.path, found.line), f"{found} ({why})")
    return f"{title} ({len(lines)}):\n  " + "\n  ".join(lines[key] for key in sorted(lines))


def test_the_service_sources_exist() -> None:
    missing = [str(p.relative_to(ROOT)) for p in SERVICES.values() if not p.is_dir()]
    assert not missing, f"the boundary rules name service folders that do not exist: {missing}"


def test_no_service_imports_another_service() -> None:
    violations = [
        (found, "a service meets others only through protos/")
        for package, folder in SERVICES.items()
        for path in python_files(folder)
        for found in imports(path, folder.parent)
        if top(found.module) in SERVICES and top(found.module) != package
    ]
    if violations:
        pytest.fail(report("service packages importing another service", violations), pytrace=False)


def test_domain_modules_import_no_outer_layer_wire_code_or_sql() -> None:
    violations: list[tuple[Import, str]] = []
    for package, folder in SERVICES.items():
        domain = folder / "domain"
        if not domain.is_dir():
            continue
        layers = tuple(f"{package}.{layer}" for layer in DOMAIN_FORBIDDEN_LAYERS)
        for path in python_files(domain):
            for found in imports(path, folder.parent):
                name = found.module
                if any(name == layer or name.startswith(layer + ".") for layer in layers):
                    violations.append((found, "the domain owns its ports; the outer layers implement them"))
                elif top(name) == "guardian":
                    violations.append((found, "protobuf code belongs in api/ or clients/"))
                elif top(name) in DOMAIN_FORBIDDEN_TOP:
                    violations.append((found, "gRPC, protobuf and SQL stay out of the domain"))
    if violations:
        pytest.fail(report("domain modules reaching outside the domain", violations), pytrace=False)


# Fault campaigns against a running fleet (make chaos): test tooling that lives with the fleet scripts and
# drives the tests' own fault proxy. They run from the development environment, never inside an image.
TEST_TOOLING = {ROOT / "scripts" / "chaos.py", ROOT / "scripts" / "_chaos_workload.py"}


def test_test_support_is_imported_only_by_tests_and_benchmarks() -> None:
    shipped = [*SERVICES.values(), *SHIPPED_ELSEWHERE]
    violations = [
        (found, "guardian_testing is for tests/ and bench/ only")
        for folder in shipped
        if folder.is_dir()
        for path in python_files(folder)
        if path not in TEST_TOOLING
        for found in imports(path, folder.parent if folder.name.startswith("guardian_") else None)
        if top(found.module) == TEST_SUPPORT
    ]
    if violations:
        pytest.fail(report("shipped code importing test support", violations), pytrace=False)


def test_the_checker_sees_what_it_must_refuse(tmp_path: Path) -> None:
    """The rules above would pass vacuously if `imports` missed a form; each form is found here."""
    package = tmp_path / "guardian_auth"
    (package / "domain").mkdir(parents=True)
    module = package / "domain" / "login.py"
    module.write_text(
        "import grpc\n"
        "from ..clients import coordinator\n"
        "from guardian.coordinator.v1 import coordinator_pb2\n"
        "from guardian_coordinator.store import memory\n"
        "def later():\n"
        "    import sqlalchemy\n",
        encoding="utf-8",
    )
    found = {i.module for i in imports(module, tmp_path)}
    assert {
        "grpc",
        "guardian_auth.clients",
        "guardian_auth.clients.coordinator",
        "guardian.coordinator.v1",
        "guardian_coordinator.store",
        "sqlalchemy",
    } <= found
