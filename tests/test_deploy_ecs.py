"""The ECS Terraform module (deploy/ecs), checked without provider plugins or AWS.

Every file parses with python-hcl2; the module's invariants are read from the parsed blocks (secrets only
through Secrets Manager, GUARDIAN_MAX_REPLICAS from the autoscaling maximum, the ALB health check, Cloud
Map DNS for the gRPC services, stop timeout above the drain). The GUARDIAN_MAX_REPLICAS formula and its
validation run in `terraform console` when a terraform binary is present (no provider is needed for that
file). The secrets-to-files entry point used on ECS and in compose runs here for real.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hcl2.api import loads as hcl_loads

from guardian_gateway.config import GatewaySettings

ROOT = Path(__file__).resolve().parents[1]
ECS = ROOT / "deploy" / "ecs"
COMPOSE = ROOT / "deploy" / "compose" / "docker-compose.yml"
SERVICES = {"coordinator", "auth", "gateway", "canonicalizer"}
SECRET_ENV = {"DATABASE_URL", "GUARDIAN_INTERNAL_TOKEN", "GUARDIAN_DASHBOARD_CURSOR_SECRET"}


def unwrap(value: Any) -> Any:
    """python-hcl2 wraps attribute values in one-element lists; take the value out."""
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    return value


def parsed(name: str) -> dict[str, Any]:
    return dict(hcl_loads((ECS / name).read_text()))


def resources(kind: str) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for path in sorted(ECS.glob("*.tf")):
        for block in parsed(path.name).get("resource", []):
            for block_kind, named in block.items():
                if block_kind == kind:
                    found.update(named)
    return found


def locals_() -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for path in sorted(ECS.glob("*.tf")):
        for block in parsed(path.name).get("locals", []):
            merged.update({key: unwrap(value) for key, value in block.items()})
    return merged


def container_definitions() -> str:
    """The raw HCL of the task definitions' `container_definitions = jsonencode(...)` expression."""
    text = (ECS / "main.tf").read_text()
    start = text.index("container_definitions = jsonencode(")
    depth = 0
    for end in range(text.index("(", start), len(text)):
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            return text[start : end + 1]
    raise AssertionError("unbalanced parentheses in container_definitions")


def test_every_terraform_file_parses() -> None:
    files = sorted(ECS.glob("*.tf"))
    assert {path.name for path in files} >= {
        "main.tf",
        "variables.tf",
        "replicas.tf",
        "outputs.tf",
        "versions.tf",
    }
    for path in files:
        assert hcl_loads(path.read_text()) is not None, path


def test_one_task_definition_service_and_autoscaler_per_service() -> None:
    assert set(locals_()["services"]) == SERVICES
    for kind in ("aws_ecs_task_definition", "aws_ecs_service", "aws_appautoscaling_target"):
        assert unwrap(resources(kind)["service"]["for_each"]) == "${local.services}", kind
    policy = resources("aws_appautoscaling_policy")["cpu"]
    assert unwrap(policy["policy_type"]) == "TargetTrackingScaling"
    target = resources("aws_appautoscaling_target")["service"]
    assert unwrap(target["max_capacity"]) == "${var.capacity[each.key].max_capacity}"


def test_guardian_max_replicas_is_the_autoscaling_maximum_or_a_higher_override() -> None:
    formula = "".join(str(locals_()["max_replicas"]).split())
    assert "max(c.max_capacity,coalesce(c.max_replicas_override,c.max_capacity))" in formula
    assert re.search(
        r"GUARDIAN_MAX_REPLICAS\s*=\s*tostring\(local\.max_replicas\[each\.key\]\)", container_definitions()
    )
    assert "${local.max_replicas}" in json.dumps(parsed("outputs.tf")), "expose the values as an output"


CAPACITY = {
    "coordinator": {
        "cpu": 512,
        "memory": 1024,
        "min_capacity": 2,
        "max_capacity": 6,
        "max_replicas_override": 8,
    },
    "auth": {"cpu": 512, "memory": 1024, "min_capacity": 2, "max_capacity": 6, "max_replicas_override": 3},
    "gateway": {"cpu": 512, "memory": 1024, "min_capacity": 1, "max_capacity": 4},
    "canonicalizer": {"cpu": 256, "memory": 512, "min_capacity": 2, "max_capacity": 3},
}


def terraform_console(tmp_path: Path, capacity: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    shutil.copy(ECS / "replicas.tf", tmp_path / "replicas.tf")
    var_file = tmp_path / "capacity.tfvars.json"
    var_file.write_text(json.dumps({"capacity": capacity}))
    return subprocess.run(
        ["terraform", "console", f"-var-file={var_file}"],
        input="jsonencode(local.max_replicas)\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"},
    )


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary")
def test_terraform_evaluates_max_replicas_overrides_only_upwards(tmp_path: Path) -> None:
    result = terraform_console(tmp_path, CAPACITY)
    assert result.returncode == 0, result.stderr
    values = json.loads(json.loads(result.stdout.strip().splitlines()[-1]))
    # 8 > 6 raises it; 3 < 6 cannot lower it; no override: the autoscaling maximum.
    assert values == {"coordinator": 8, "auth": 6, "gateway": 4, "canonicalizer": 3}


@pytest.mark.skipif(shutil.which("terraform") is None, reason="no terraform binary")
@pytest.mark.parametrize(
    "bad",
    [
        {"max_replicas_override": 0},
        {"max_replicas_override": 2.5},
        {"min_capacity": 7},
        {"min_capacity": 0},
    ],
)
def test_terraform_refuses_invalid_capacity(tmp_path: Path, bad: dict[str, Any]) -> None:
    capacity = {**CAPACITY, "gateway": {**CAPACITY["gateway"], **bad}}
    result = terraform_console(tmp_path, capacity)
    assert result.returncode != 0 and "Invalid value for variable" in result.stderr, result.stdout


def test_secrets_come_from_secrets_manager_only() -> None:
    services = locals_()["services"]
    assert not SECRET_ENV & set(locals_()["common_environment"])
    for name, service in services.items():
        assert not SECRET_ENV & set(service["environment"]), f"{name}: a secret as a plain environment value"
        for env, source in service["secrets"].items():
            assert re.fullmatch(r"\$\{var\.secret_arns\.\w+\}", source), f"{name}: {env} must be a secret ARN"
        assert "GUARDIAN_INTERNAL_TOKEN" in service["secrets"], name
        assert ("DATABASE_URL" in service["secrets"]) == (name == "coordinator"), name
        # A secret that is not a service variable is written to a file by the entry point.
        for env in service["secrets"]:
            assert env.startswith("GUARDIAN_") or env == "DATABASE_URL" or env in service["files"], (
                name,
                env,
            )
    assert "GUARDIAN_DASHBOARD_CURSOR_SECRET" in services["gateway"]["secrets"]
    assert re.search(
        r"secrets\s*=\s*\[for env, arn in each\.value\.secrets : \{ name = env, valueFrom = arn \}\]",
        container_definitions(),
    )
    policy = json.dumps(parsed("main.tf")["data"])
    assert "secretsmanager:GetSecretValue" in policy and "${values(var.secret_arns)}" in policy


def test_stop_timeout_exceeds_the_drain_and_tasks_are_locked_down() -> None:
    grace = float(locals_()["common_environment"]["GUARDIAN_SHUTDOWN_GRACE_SECONDS"])
    task = container_definitions()
    match = re.search(r"stopTimeout\s*=\s*(\d+)", task)
    assert match and int(match[1]) > grace, "ECS must wait longer than the drain before SIGKILL"
    assert re.search(r"readonlyRootFilesystem\s*=\s*true", task)
    assert re.search(r'user\s*=\s*"10001:10001"', task)
    service = resources("aws_ecs_service")["service"]
    assert unwrap(service["network_configuration"])["assign_public_ip"] == [False]


def test_alb_fronts_the_gateway_with_readyz_and_appends_x_forwarded_for() -> None:
    group = resources("aws_lb_target_group")["gateway"]
    health = unwrap(group["health_check"])
    assert unwrap(health["path"]) == "/readyz" and unwrap(health["matcher"]) == "200"
    assert unwrap(group["port"]) == 8080
    alb = resources("aws_lb")["gateway"]
    assert unwrap(alb["xff_header_processing_mode"]) == "append"
    assert unwrap(alb["drop_invalid_header_fields"]) is True
    # Idle connections are closed by the ALB first, never by the gateway under a request the ALB is sending
    # (tests/test_gateway_keep_alive.py has the same check for Caddy).
    keep_alive = GatewaySettings.model_fields["http_keep_alive_seconds"].default
    assert 0 < unwrap(alb["idle_timeout"]) < keep_alive
    assert unwrap(resources("aws_lb_listener")["https"]["protocol"]) == "HTTPS"


def test_internal_grpc_uses_cloud_map_multivalue_dns() -> None:
    discovery = resources("aws_service_discovery_service")["internal"]
    assert unwrap(discovery["for_each"]) == "${toset(local.discovered)}"
    assert set(locals_()["discovered"]) == SERVICES - {"gateway"}
    assert unwrap(unwrap(discovery["dns_config"])["routing_policy"]) == "MULTIVALUE"
    for name, service in locals_()["services"].items():
        for env, value in service["environment"].items():
            if env.endswith("_TARGET"):
                assert "dns:///" in value or value == "${local.coordinator_target}", (name, env)
    assert locals_()["coordinator_target"].startswith("dns:///coordinator.")


def test_only_the_coordinator_reaches_the_database() -> None:
    rules = {
        **resources("aws_vpc_security_group_egress_rule"),
        **resources("aws_vpc_security_group_ingress_rule"),
    }
    database_rules = {name: rule for name, rule in rules.items() if "aws_db_instance" in json.dumps(rule)}
    assert set(database_rules) == {"coordinator_to_db", "db_from_coordinator"}
    for rule in database_rules.values():
        assert 'aws_security_group.service[\\"coordinator\\"]' in json.dumps(rule)


def files_then_exec() -> str:
    return str(locals_()["files_then_exec"])


def test_the_secrets_to_files_entry_point_writes_0600_files_and_hides_the_variables(tmp_path: Path) -> None:
    key, allowlist = tmp_path / "ack.key", tmp_path / "operators.json"
    env = {**os.environ, "ACK_ECDSA_KEY_HEX": "ab" * 32, "OPERATOR_PUBLIC_KEYS_JSON": "[]"}
    argv = [f"ACK_ECDSA_KEY_HEX={key}", f"OPERATOR_PUBLIC_KEYS_JSON={allowlist}", "env"]
    result = subprocess.run(
        [sys.executable, "-c", files_then_exec(), *argv], env=env, capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 0, result.stderr
    assert key.read_text() == "ab" * 32 and allowlist.read_text() == "[]"
    for path in (key, allowlist):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, "auth refuses a key file others can read"
    assert "ACK_ECDSA_KEY_HEX" not in result.stdout, "the program must not inherit the secret variable"


def test_compose_and_ecs_share_the_entry_point() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    assert compose["services"]["auth-1"]["entrypoint"] == ["python", "-c", files_then_exec()]
    task_files = locals_()["services"]["auth"]["files"]
    assert task_files["ACK_ECDSA_KEY_HEX"] == "/run/guardian/ack-ecdsa.key"
    assert (
        locals_()["services"]["auth"]["environment"]["GUARDIAN_ACK_ECDSA_KEY_FILE"]
        == task_files["ACK_ECDSA_KEY_HEX"]
    )
    # Both ack keys reach auth as 0600 files, on ECS as in compose.
    assert task_files["ACK_FALCON_KEY_HEX"] == "/run/guardian/ack-falcon.key"
    assert (
        locals_()["services"]["auth"]["environment"]["GUARDIAN_ACK_FALCON_KEY_FILE"]
        == task_files["ACK_FALCON_KEY_HEX"]
    )
    auth_1 = compose["services"]["auth-1"]
    written = dict(pair.split("=", 1) for pair in auth_1["command"][:-1])
    assert written["ACK_FALCON_KEY_HEX"] == auth_1["environment"]["GUARDIAN_ACK_FALCON_KEY_FILE"]
