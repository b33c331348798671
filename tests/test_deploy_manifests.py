"""Kubernetes manifests (deploy/k8s) and the checkov policy scan of everything under deploy/.

No cluster and no kustomize binary is needed: `render()` below builds a kustomization with the few
features deploy/k8s uses (resources, namespace, images, strategic-merge patches matched by kind and
name, with the merge keys of the lists we patch). When `kubectl` or `kustomize` is on PATH, a test
checks that this renderer and the real kustomize agree. The rendered base and overlays are validated
offline against the pinned Kubernetes JSON schemas (kubernetes-validate) and checked for the
deployment invariants of issue 7; checkov runs fully offline; its only failed checks must be those listed in deploy/checkov-skips.yaml.
"""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate  # type: ignore[import-untyped]
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
KUBERNETES_VERSION = "1.30.0"  # the oldest minor still widely run; native gRPC probes are GA since 1.27
BUILDS = {"base": K8S / "base", "dev": K8S / "overlays" / "dev", "prod": K8S / "overlays" / "prod"}
SERVICES = {"coordinator": 50051, "auth": 50061, "gateway": 8080, "canonicalizer": 50071}
GRPC_SERVICES = {"coordinator", "auth", "canonicalizer"}
METRICS_PORT = 9464
# Never a literal `value:` in a manifest: these come from Secrets (secretKeyRef) only.
SECRET_ENV = {"DATABASE_URL", "GUARDIAN_INTERNAL_TOKEN", "GUARDIAN_DASHBOARD_CURSOR_SECRET"}
DEFAULT_SHUTDOWN_GRACE_SECONDS = 10.0
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding"}
# Strategic-merge keys of the lists our overlays patch (as in the Kubernetes API's patchMergeKey).
MERGE_KEYS = {
    "containers": "name",
    "initContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
}
SUPPORTED_KUSTOMIZATION_FIELDS = {"apiVersion", "kind", "namespace", "resources", "images", "patches"}

Doc = dict[str, Any]


# --- the renderer -----------------------------------------------------------------------------------


def load_documents(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def strategic_merge(target: Doc, patch: Doc) -> None:
    for key, value in patch.items():
        current = target.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            strategic_merge(current, value)
        elif isinstance(value, list) and isinstance(current, list) and key in MERGE_KEYS:
            merge_key = MERGE_KEYS[key]
            for item in value:
                match = next((old for old in current if old.get(merge_key) == item.get(merge_key)), None)
                if match is None:
                    current.append(copy.deepcopy(item))
                else:
                    strategic_merge(match, item)
        else:
            target[key] = copy.deepcopy(value)


def pod_containers(doc: Doc) -> Iterator[Doc]:
    spec = doc.get("spec", {}).get("template", {}).get("spec", {})
    yield from spec.get("initContainers", [])
    yield from spec.get("containers", [])


def render(directory: Path) -> list[Doc]:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unsupported = set(kustomization) - SUPPORTED_KUSTOMIZATION_FIELDS
    assert not unsupported, (
        f"{directory / 'kustomization.yaml'} uses {sorted(unsupported)}, which the test renderer does not "
        "implement: extend render() in tests/test_deploy_manifests.py or keep the overlay simpler"
    )
    docs: list[Doc] = []
    for entry in kustomization.get("resources", []):
        source = (directory / entry).resolve()
        docs += render(source) if source.is_dir() else load_documents(source)
    for patch_entry in kustomization.get("patches", []):
        assert set(patch_entry) == {"path"}, f"only `patches: - path: FILE` is supported, got {patch_entry}"
        for patch in load_documents(directory / patch_entry["path"]):
            targets = [
                doc
                for doc in docs
                if doc["kind"] == patch["kind"] and doc["metadata"]["name"] == patch["metadata"]["name"]
            ]
            assert len(targets) == 1, (
                f"{patch_entry['path']}: patch {patch['kind']}/{patch['metadata']['name']} matches {len(targets)} resources"
            )
            strategic_merge(targets[0], patch)
    for image in kustomization.get("images", []):
        for doc in docs:
            for container in pod_containers(doc):
                name = container["image"].split("@")[0].rsplit(":", 1)[0]
                if name == image["name"]:
                    new_name = image.get("newName", name)
                    container["image"] = (
                        f"{new_name}@{image['digest']}"
                        if "digest" in image
                        else f"{new_name}:{image.get('newTag', container['image'].rsplit(':', 1)[-1])}"
                    )
    if "namespace" in kustomization:
        for doc in docs:
            if doc["kind"] not in CLUSTER_SCOPED:
                doc["metadata"]["namespace"] = kustomization["namespace"]
    return docs


RENDERED = {name: render(path) for name, path in BUILDS.items()}


def of_kind(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {doc["metadata"]["name"]: doc for doc in docs if doc["kind"] == kind}


def env_of(container: Doc) -> dict[str, Doc]:
    return {entry["name"]: entry for entry in container.get("env", [])}


def main_container(deployment: Doc) -> Doc:
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1, f"Deployment {deployment['metadata']['name']}: one container expected"
    return dict(containers[0])


builds = pytest.mark.parametrize("build", list(BUILDS))


# --- parsing, schemas, and the renderer against kustomize ------------------------------------------


def test_every_manifest_parses_as_yaml() -> None:
    files = sorted(K8S.rglob("*.yaml"))
    assert len(files) >= 10
    for path in files:
        for doc in load_documents(path):
            assert isinstance(doc, dict), f"{path}: every document must be a mapping"


@builds
def test_rendered_manifests_pass_the_kubernetes_schema(build: str) -> None:
    docs = RENDERED[build]
    kinds = {doc["kind"] for doc in docs}
    assert {
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
    } <= kinds
    for doc in docs:
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{build}: {doc['kind']}/{doc['metadata']['name']} is invalid: {exc.message}")


def kustomize_command() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def canonical(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: canonical(item) for key, item in value.items()}
    if isinstance(value, list):
        items = [canonical(item) for item in value]
        if all(isinstance(item, dict) and "name" in item for item in items):
            items.sort(key=lambda item: str(item["name"]))
        return items
    return value


@pytest.mark.skipif(kustomize_command() is None, reason="neither kustomize nor kubectl is installed")
@builds
def test_the_renderer_agrees_with_kustomize(build: str) -> None:
    command = kustomize_command()
    assert command is not None
    result = subprocess.run([*command, str(BUILDS[build])], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    expected = {(d["kind"], d["metadata"]["name"]): canonical(d) for d in yaml.safe_load_all(result.stdout)}
    ours = {(d["kind"], d["metadata"]["name"]): canonical(d) for d in RENDERED[build]}
    assert ours.keys() == expected.keys()
    for key, doc in ours.items():
        assert doc == expected[key], f"{build}: the test renderer and kustomize disagree on {key}"


# --- invariants -------------------------------------------------------------------------------------


@builds
def test_every_service_has_deployment_service_hpa_and_pdb(build: str) -> None:
    docs = RENDERED[build]
    for kind in ("Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
        assert set(of_kind(docs, kind)) == set(SERVICES), f"{build}: one {kind} per service expected"
    for name, hpa in of_kind(docs, "HorizontalPodAutoscaler").items():
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    for name, deployment in of_kind(docs, "Deployment").items():
        assert "replicas" not in deployment["spec"], f"{build}: {name}: the HPA owns the replica count"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = of_kind(docs, "PodDisruptionBudget")[name]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items(), f"{build}: the PDB of {name} selects no pod of it"
        assert of_kind(docs, "Service")[name]["spec"]["selector"].items() <= labels.items()


@builds
def test_grpc_services_are_headless_and_targets_resolve_to_them(build: str) -> None:
    docs = RENDERED[build]
    services = of_kind(docs, "Service")
    for name in GRPC_SERVICES:
        assert services[name]["spec"].get("clusterIP") == "None", (
            f"{build}: Service {name} must be headless so DNS returns every pod for client-side round-robin"
        )
    for deployment in of_kind(docs, "Deployment").values():
        for var, entry in env_of(main_container(deployment)).items():
            if var.endswith("_TARGET"):
                target = entry["value"]
                assert target.startswith("dns:///"), f"{build}: {var}={target} must be dns:///service:port"
                host, _, port = target.removeprefix("dns:///").rpartition(":")
                assert host in services and services[host]["spec"].get("clusterIP") == "None", target
                assert int(port) in [p["port"] for p in services[host]["spec"]["ports"]], target


@builds
def test_every_container_has_probes_resources_and_a_locked_down_security_context(build: str) -> None:
    for name, deployment in of_kind(RENDERED[build], "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, f"{build}: {name}"
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, f"{build}: {name}"
        assert pod.get("automountServiceAccountToken") is False, f"{build}: {name}"
        for container in pod_containers(deployment):
            where = f"{build}: {name}/{container['name']}"
            for kind in ("requests", "limits"):
                assert {"cpu", "memory"} <= set(container.get("resources", {}).get(kind, {})), (
                    f"{where}: resources.{kind} needs cpu and memory"
                )
            security = container.get("securityContext", {})
            assert security.get("allowPrivilegeEscalation") is False, where
            assert security.get("readOnlyRootFilesystem") is True, where
            assert security.get("capabilities", {}).get("drop") == ["ALL"], where
        container = main_container(deployment)
        for probe in ("readinessProbe", "livenessProbe"):
            assert probe in container, f"{build}: {name} has no {probe}"
        if name in GRPC_SERVICES:
            for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
                assert container[probe]["grpc"]["port"] == SERVICES[name], f"{build}: {name} {probe}"
        else:
            assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"


@builds
def test_guardian_max_replicas_equals_the_hpa_maximum(build: str) -> None:
    hpas = of_kind(RENDERED[build], "HorizontalPodAutoscaler")
    for name, deployment in of_kind(RENDERED[build], "Deployment").items():
        env = env_of(main_container(deployment))
        assert "GUARDIAN_MAX_REPLICAS" in env, f"{build}: {name} does not set GUARDIAN_MAX_REPLICAS"
        assert int(env["GUARDIAN_MAX_REPLICAS"]["value"]) == hpas[name]["spec"]["maxReplicas"], (
            f"{build}: {name}: GUARDIAN_MAX_REPLICAS={env['GUARDIAN_MAX_REPLICAS']['value']} but the HPA "
            f"may run {hpas[name]['spec']['maxReplicas']} replicas; fleet-wide limits would be divided wrongly"
        )


@pytest.mark.parametrize(("build", "stage"), [("prod", "prod"), ("dev", "dev")])
def test_stage_of_every_service(build: str, stage: str) -> None:
    for name, deployment in of_kind(RENDERED[build], "Deployment").items():
        assert env_of(main_container(deployment))["GUARDIAN_ENV"].get("value") == stage, f"{build}: {name}"


def test_prod_rate_limits_leave_every_gateway_a_share() -> None:
    gateway = of_kind(RENDERED["prod"], "Deployment")["gateway"]
    env = {
        name: entry["value"] for name, entry in env_of(main_container(gateway)).items() if "value" in entry
    }
    replicas = int(env["GUARDIAN_MAX_REPLICAS"])
    for var in ("GUARDIAN_RATE_BURST_PER_SEC", "GUARDIAN_RATE_PER_MIN"):
        assert int(env[var]) // replicas >= 1, f"prod: {var} / GUARDIAN_MAX_REPLICAS is 0: refused at startup"


@builds
def test_secrets_are_never_inline(build: str) -> None:
    docs = RENDERED[build]
    assert not of_kind(docs, "Secret"), f"{build}: Secrets are created out of band, never committed"
    for name, deployment in of_kind(docs, "Deployment").items():
        for container in pod_containers(deployment):
            for var, entry in env_of(container).items():
                assert not ("value" in entry and "valueFrom" in entry), f"{build}: {name} {var}: both set"
                if var in SECRET_ENV:
                    assert set(entry) == {"name", "valueFrom"} and set(entry["valueFrom"]) == {
                        "secretKeyRef"
                    }, f"{build}: {name}: {var} must come from a Secret (secretKeyRef), never a value"
        env = env_of(main_container(deployment))
        assert "GUARDIAN_INTERNAL_TOKEN" in env, f"{build}: {name} lacks the internal token"
        assert ("DATABASE_URL" in env) == (name == "coordinator"), f"{build}: only the coordinator has a DB"
    gateway_env = env_of(main_container(of_kind(docs, "Deployment")["gateway"]))
    assert "GUARDIAN_DASHBOARD_CURSOR_SECRET" in gateway_env, "every gateway needs the shared cursor secret"
    auth = of_kind(docs, "Deployment")["auth"]["spec"]["template"]["spec"]
    volumes = {volume["name"]: volume for volume in auth["volumes"]}
    assert "secret" in volumes["ack-secret"], "the ack key must come from a Secret volume"


@builds
def test_termination_grace_exceeds_the_drain(build: str) -> None:
    for name, deployment in of_kind(RENDERED[build], "Deployment").items():
        pod = deployment["spec"]["template"]["spec"]
        container = main_container(deployment)
        env = env_of(container)
        drain = float(
            env.get("GUARDIAN_SHUTDOWN_GRACE_SECONDS", {}).get("value", DEFAULT_SHUTDOWN_GRACE_SECONDS)
        )
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        pre_stop_seconds = float(pre_stop[1]) if pre_stop[:1] == ["sleep"] else 0.0
        assert pod["terminationGracePeriodSeconds"] > drain + pre_stop_seconds, (
            f"{build}: {name}: terminationGracePeriodSeconds={pod['terminationGracePeriodSeconds']} must exceed "
            f"preStop {pre_stop_seconds} s + GUARDIAN_SHUTDOWN_GRACE_SECONDS {drain} s, or SIGKILL cuts the drain"
        )


def policy_selects(policy: Doc) -> str | None:
    labels = policy["spec"]["podSelector"].get("matchLabels", {})
    return labels.get("app.kubernetes.io/name") if labels else None


def rule_ports(rule: Doc) -> set[int]:
    ports = rule.get("ports")
    assert ports, f"a NetworkPolicy rule without ports allows every port: {rule}"
    return {int(port["port"]) for port in ports}


@builds
def test_network_policies(build: str) -> None:
    policies = list(of_kind(RENDERED[build], "NetworkPolicy").values())
    assert any(
        p["spec"]["podSelector"] == {}
        and set(p["spec"]["policyTypes"]) == {"Ingress", "Egress"}
        and not p["spec"].get("ingress")
        and not p["spec"].get("egress")
        for p in policies
    ), f"{build}: a default-deny policy for the whole namespace is missing"
    for policy in policies:
        selected = policy_selects(policy)
        name = policy["metadata"]["name"]
        for rule in policy["spec"].get("ingress", []):
            peers = rule.get("from") or [{"everywhere": True}]
            from_outside = any("podSelector" not in peer for peer in peers)
            if from_outside and rule_ports(rule) != {METRICS_PORT}:
                assert selected == "gateway" and rule_ports(rule) == {SERVICES["gateway"]}, (
                    f"{build}: {name} lets traffic from outside the namespace reach {selected or 'every pod'}"
                )
        for rule in policy["spec"].get("egress", []):
            if 5432 in rule_ports(rule):
                assert selected == "coordinator", (
                    f"{build}: {name}: only the coordinator may reach PostgreSQL"
                )
            peers = rule.get("to", [])
            if any("ipBlock" in peer for peer in peers):
                assert selected in ("coordinator", "canonicalizer"), (
                    f"{build}: {name}: unexpected ipBlock egress"
                )
    # The internal gRPC flows: exactly who may open a connection to whom.
    allowed: set[tuple[str, str]] = set()
    for policy in policies:
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                source = peer.get("podSelector", {}).get("matchLabels", {}).get("app.kubernetes.io/name")
                if source and "namespaceSelector" not in peer:
                    allowed.add((source, str(policy_selects(policy))))
    assert allowed == {
        ("gateway", "auth"),
        ("gateway", "coordinator"),
        ("auth", "coordinator"),
        ("canonicalizer", "coordinator"),
    }


# --- checkov ----------------------------------------------------------------------------------------

SKIPS_FILE = DEPLOY / "checkov-skips.yaml"


def checkov_skips() -> list[Doc]:
    skips = yaml.safe_load(SKIPS_FILE.read_text())["skips"]
    assert isinstance(skips, list)
    return list(skips)


def test_every_checkov_skip_has_a_reason() -> None:
    for skip in checkov_skips():
        assert set(skip) == {"check", "reason"}, (
            f"{SKIPS_FILE.name}: {skip} needs exactly `check` and `reason`"
        )
        assert str(skip["check"]).startswith(("CKV_", "CKV2_")), skip
        assert len(str(skip["reason"]).split()) >= 8, f"{skip['check']}: give a real reason, not a token"


def test_checkov_passes_offline_with_only_the_listed_skips(tmp_path: Path) -> None:
    for build, docs in RENDERED.items():
        (tmp_path / "k8s").mkdir(exist_ok=True)
        (tmp_path / "k8s" / f"{build}.yaml").write_text(yaml.safe_dump_all(docs, sort_keys=False))
    skips = [str(skip["check"]) for skip in checkov_skips()]
    checkov = Path(sys.executable).with_name("checkov")
    env = {
        **os.environ,
        "BC_SKIP_MAPPING": "TRUE",  # no download of the check-id mapping
        "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false",
    }
    env.pop("BC_API_KEY", None)
    result = subprocess.run(
        [
            str(checkov),
            *("-d", str(tmp_path / "k8s")),
            *("-d", str(DEPLOY / "ecs")),
            *("-d", str(DEPLOY / "docker")),
            *("-d", str(DEPLOY / "compose")),
            *("--framework", "kubernetes", "terraform", "dockerfile", "secrets"),
            "--skip-download",
            "--quiet",
            "--compact",
            *("-o", "json"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=240,
    )
    assert result.stdout.strip(), (
        f"checkov printed nothing (exit {result.returncode}): {result.stderr[-2000:]}"
    )
    reports = []
    decoder, text, index = json.JSONDecoder(), result.stdout.strip(), 0
    while index < len(text):  # one JSON document per scanned directory, each a report or a list
        value, index = decoder.raw_decode(text, index)
        reports += value if isinstance(value, list) else [value]
        index = len(text) - len(text[index:].lstrip())
    scanned = {report["check_type"] for report in reports}
    assert {"kubernetes", "terraform", "dockerfile"} <= scanned, f"checkov scanned only {scanned}"
    failed = [
        (report["check_type"], check) for report in reports for check in report["results"]["failed_checks"]
    ]
    unexpected = [
        f"{check_type}: {check['check_id']} {check['check_name']} at {check['file_path']} {check['resource']}"
        for check_type, check in failed
        if check["check_id"] not in skips
    ]
    assert not unexpected, (
        "checkov failed checks; fix them or list them with a reason in deploy/checkov-skips.yaml:\n"
        + "\n".join(unexpected)
    )
    for report in reports:
        assert report["summary"]["parsing_errors"] == 0, (
            f"{report['check_type']}: checkov could not parse a file"
        )
    stale = set(skips) - {check["check_id"] for _, check in failed}
    assert not stale, (
        f"skips in deploy/checkov-skips.yaml that no longer fail anything, remove them: {sorted(stale)}"
    )
