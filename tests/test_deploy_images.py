"""The Dockerfiles under deploy/docker, checked without a Docker engine.

Each file is parsed into its instructions and checked statically (multi-stage, `uv sync --frozen`
without dev dependencies for its own package, no uv or compilers in the runtime stage, non-root USER,
STOPSIGNAL SIGTERM, EXPOSE and listen addresses). Then the parts that can run here run: the ENTRYPOINT
console script starts from this virtualenv with the image's environment, and the image's HEALTHCHECK
command, executed as written, reports the started service healthy.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from guardian_testing.fixtures import ServiceStarter
from guardian_testing.processes import ServiceProcess

ROOT = Path(__file__).resolve().parents[1]
DOCKER = ROOT / "deploy" / "docker"
BIN = Path(sys.executable).parent
# service -> (workspace directory, listen variable, port)
IMAGES = {
    "coordinator": ("services/coordinator", "GUARDIAN_GRPC_ADDR", 50051),
    "auth": ("services/auth", "GUARDIAN_GRPC_ADDR", 50061),
    "gateway": ("gateway", "GUARDIAN_HTTP_ADDR", 8080),
    "canonicalizer": ("services/canonicalizer", "GUARDIAN_GRPC_ADDR", 50071),
    "devnet": ("tools/devnet", "GUARDIAN_GRPC_ADDR", 57291),
}
# The base image is a build argument (PYTHON_BASE) whose default is the public slim image.
DEFAULT_BASE = "python:3.11-slim-bookworm"


@dataclass
class Instruction:
    keyword: str
    arguments: str


def parse_dockerfile(path: Path) -> list[list[Instruction]]:
    """The instructions of each stage (a stage starts at FROM); continuation lines joined. ARGs before the
    first FROM (the base image arguments) are checked by global_args()."""
    stages: list[list[Instruction]] = []
    logical = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not logical and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            logical += line[:-1] + " "
            continue
        logical += line
        keyword, _, arguments = logical.partition(" ")
        assert keyword.isupper() and keyword.isalpha(), f"{path.name}: cannot parse {logical!r}"
        instruction = Instruction(keyword, arguments.strip())
        logical = ""
        if keyword == "FROM":
            stages.append([])
        if not stages and keyword == "ARG":
            continue
        assert stages, f"{path.name}: {keyword} before the first FROM"
        stages[-1].append(instruction)
    assert not logical, f"{path.name}: dangling continuation line"
    return stages


def global_args(path: Path) -> dict[str, str]:
    """The ARG defaults declared before the first FROM."""
    args: dict[str, str] = {}
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if line.startswith("FROM "):
            break
        if line.startswith("ARG "):
            name, _, default = line.removeprefix("ARG ").partition("=")
            args[name.strip()] = default.strip()
    return args


def exec_form(instruction: Instruction, prefix: str = "") -> list[str]:
    text = instruction.arguments.removeprefix(prefix).strip()
    value = json.loads(text)
    assert isinstance(value, list) and all(isinstance(item, str) for item in value), instruction
    return value


def image_env(stage: list[Instruction]) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction in stage:
        if instruction.keyword == "ENV":
            for pair in instruction.arguments.split():
                name, _, value = pair.partition("=")
                env[name] = value
    return env


def healthcheck_argv(stage: list[Instruction]) -> list[str]:
    """The HEALTHCHECK command: `python -c CODE` or `python -m MODULE [ARG...]`."""
    (healthcheck,) = [i for i in stage if i.keyword == "HEALTHCHECK"]
    options, _, command = healthcheck.arguments.partition("CMD ")
    assert "--interval=" in options and "--timeout=" in options, "the health check needs explicit timings"
    argv = json.loads(command)
    assert argv[0] == "python" and argv[1] in ("-c", "-m"), (
        f"expected python -c CODE or -m MODULE, got {argv}"
    )
    assert argv[1] == "-m" or len(argv) == 3, argv
    return [str(a) for a in argv]


def dockerfile(service: str) -> Path:
    return DOCKER / f"{service}.Dockerfile"


services = pytest.mark.parametrize("service", list(IMAGES))


def test_one_dockerfile_per_service() -> None:
    assert {path.name for path in DOCKER.glob("*.Dockerfile")} == {f"{name}.Dockerfile" for name in IMAGES}


@services
def test_builder_stage_syncs_the_locked_service_without_dev_dependencies(service: str) -> None:
    builder, _runtime = parse_dockerfile(dockerfile(service))
    assert builder[0].arguments.endswith(" AS builder")
    runs = " ".join(i.arguments for i in builder if i.keyword == "RUN")
    package = tomllib.loads((ROOT / IMAGES[service][0] / "pyproject.toml").read_text())["project"]["name"]
    assert f"uv sync --frozen --no-dev --no-editable --package {package}" in runs
    copies = [i.arguments.split()[0] for i in builder if i.keyword == "COPY" and "--from" not in i.arguments]
    assert "pyproject.toml" in copies, "the workspace root (pyproject.toml and uv.lock) must be copied"


@services
def test_builds_with_the_legacy_builder_from_configurable_bases(service: str) -> None:
    """No syntax frontend (BuildKit would fetch it from a public registry), no BuildKit-only RUN --mount,
    no image pulled by COPY --from, and the base image a build argument defaulting to the public one."""
    path = dockerfile(service)
    text = path.read_text()
    assert "# syntax=" not in text
    assert global_args(path) == {"PYTHON_BASE": DEFAULT_BASE}
    stages = parse_dockerfile(path)
    assert [stage[0].arguments for stage in stages] == ["${PYTHON_BASE} AS builder", "${PYTHON_BASE}"]
    for stage in stages:
        for instruction in stage:
            assert not (instruction.keyword == "RUN" and "--mount" in instruction.arguments), instruction
            if instruction.keyword == "COPY" and "--from=" in instruction.arguments:
                assert instruction.arguments.startswith("--from=builder "), instruction


@services
def test_runtime_stage_is_slim_non_root_and_stops_on_sigterm(service: str) -> None:
    stages = parse_dockerfile(dockerfile(service))
    assert len(stages) == 2, "multi-stage: a builder and the runtime image"
    runtime = stages[-1]
    assert runtime[0].arguments == "${PYTHON_BASE}"
    copies = [i.arguments for i in runtime if i.keyword == "COPY"]
    assert copies == ["--from=builder /opt/venv /opt/venv"], "the runtime stage gets the virtualenv only"
    runtime_text = " ".join(i.arguments for i in runtime)
    for tool in ("uv ", "apt-get", "gcc", "build-essential", "pip install"):
        assert tool not in runtime_text, f"no build tool ({tool.strip()}) in the runtime image"
    (user,) = [i.arguments for i in runtime if i.keyword == "USER"]
    uid = user.split(":")[0]
    assert uid not in ("0", "root") and uid.isdigit(), f"USER {user} must be a numeric non-root uid"
    assert [i.arguments for i in runtime if i.keyword == "STOPSIGNAL"] == ["SIGTERM"]
    _workspace, listen_var, port = IMAGES[service]
    exposed = {int(p) for i in runtime if i.keyword == "EXPOSE" for p in i.arguments.split()}
    assert port in exposed
    assert image_env(runtime)[listen_var] == f"0.0.0.0:{port}", "containers must listen on every interface"


@services
def test_entrypoint_is_a_console_script_of_the_service(service: str) -> None:
    runtime = parse_dockerfile(dockerfile(service))[-1]
    (entrypoint,) = [i for i in runtime if i.keyword == "ENTRYPOINT"]
    argv = exec_form(entrypoint)
    assert argv == [f"guardian-{service}"], "exec form, so SIGTERM reaches the service itself (PID 1)"
    scripts = tomllib.loads((ROOT / IMAGES[service][0] / "pyproject.toml").read_text())["project"]["scripts"]
    assert argv[0] in scripts, f"{argv[0]} is not a console script of {IMAGES[service][0]}"
    assert (BIN / argv[0]).exists(), f"{argv[0]} is not installed in {BIN}"


@services
def test_healthcheck_command_compiles_and_its_modules_import(service: str) -> None:
    argv = healthcheck_argv(parse_dockerfile(dockerfile(service))[-1])
    if argv[1] == "-m":
        modules = {argv[2]}
    else:
        tree = ast.parse(argv[2])
        modules = {
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        }
        modules |= {
            node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
        }
    assert modules
    for module in sorted(modules):
        assert importlib.util.find_spec(module) is not None, (
            f"the health check imports {module}, not installed"
        )


def run_healthcheck(service: str, address: str) -> subprocess.CompletedProcess[str]:
    argv = healthcheck_argv(parse_dockerfile(dockerfile(service))[-1])
    listen_var = IMAGES[service][1]
    env = {**os.environ, listen_var: address}
    return subprocess.run([sys.executable, *argv[1:]], env=env, capture_output=True, text=True, timeout=30)


def runtime_env(service: str, **overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in image_env(parse_dockerfile(dockerfile(service))[-1]).items()
        if k.startswith("GUARDIAN_")
    }
    env.update(GUARDIAN_GRPC_ADDR="127.0.0.1:0", GUARDIAN_HTTP_ADDR="127.0.0.1:0")
    env.pop("GUARDIAN_METRICS_ADDR", None)  # metrics stay off here: no fixed port on a shared machine
    env.update(overrides)
    return env


@pytest.fixture(scope="module")
def started(module_services: ServiceStarter) -> dict[str, ServiceProcess]:
    """Every image's ENTRYPOINT started with the image's environment (listen addresses on loopback)."""
    start = module_services.one
    coordinator = start("guardian-coordinator", **runtime_env("coordinator"))
    devnet = start("guardian-devnet", **runtime_env("devnet"))
    auth = start("guardian-auth", **runtime_env("auth", GUARDIAN_COORDINATOR_TARGET=coordinator.grpc_target))
    gateway = start(
        "guardian-gateway",
        **runtime_env(
            "gateway",
            GUARDIAN_COORDINATOR_TARGET=coordinator.grpc_target,
            GUARDIAN_AUTH_TARGET=auth.grpc_target,
        ),
    )
    canonicalizer = start(
        "guardian-canonicalizer",
        **runtime_env(
            "canonicalizer",
            GUARDIAN_COORDINATOR_TARGET=coordinator.grpc_target,
            GUARDIAN_MIDEN_RPC_ENDPOINT=f"http://{devnet.grpc_target}",
        ),
    )
    return {
        "coordinator": coordinator,
        "auth": auth,
        "gateway": gateway,
        "canonicalizer": canonicalizer,
        "devnet": devnet,
    }


@services
def test_healthcheck_passes_against_the_started_entrypoint(
    service: str, started: dict[str, ServiceProcess]
) -> None:
    process = started[service]
    address = process.addresses["http" if service == "gateway" else "grpc"]
    result = run_healthcheck(service, address)
    assert result.returncode == 0, f"HEALTHCHECK of {service} failed against {address}: {result.stderr}"


@services
def test_healthcheck_fails_when_nothing_listens(service: str) -> None:
    result = run_healthcheck(service, "127.0.0.1:9")  # the discard port: nothing listens there
    assert result.returncode == 1, "Docker needs exit code 1 for unhealthy"


def test_stopsignal_drains_and_exits_zero_within_the_grace(started: dict[str, ServiceProcess]) -> None:
    """The images stop with SIGTERM; each service must drain and exit 0 well inside the 30 s that
    docker stop, stop_grace_period, terminationGracePeriodSeconds and ECS stopTimeout give it."""
    for name in ("gateway", "canonicalizer", "auth", "devnet", "coordinator"):  # clients first
        process = started[name]
        process.signal(signal.SIGTERM)
        assert process.wait_exit(timeout=20) == 0, f"{name} did not exit 0 after SIGTERM:\n{process.log()}"
