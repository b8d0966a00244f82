"""The deployment files, checked without Docker or a cluster: docker-compose.yml against the Compose
specification's schema and deploy/k8s against Kubernetes 1.33's (both vendored in tests/deploy/schemas,
README.md there says from where), then for what goat needs of them: Redis never published and always with a
password and its append-only file, seven GPU workers, secrets for every token, probes on /health, GPUs
asked for, and no image or pod running as root. The Redis command both files share is run for real, on the
embedded valkey binary."""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from redis.exceptions import AuthenticationError
from referencing import Registry, Resource

from goat.core.tokens import new_token
from goat.queue.connection import answers, connect
from goat.queue.server import server_binary
from tests.support.processes import controlled_env, free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = Path(__file__).with_name("schemas")
KUBERNETES = SCHEMAS / "kubernetes-v1.33.0"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
MANIFESTS = sorted((ROOT / "deploy/k8s").glob("*.yaml"))
GOAT_SERVICES = ["backend", *(f"worker-{i}" for i in range(1, 8))]


def kubernetes_objects() -> list[dict[str, Any]]:
    return [
        document
        for path in MANIFESTS
        if path.name != "kustomization.yaml"
        for document in yaml.safe_load_all(path.read_text())
    ]


OBJECTS = kubernetes_objects()


def find(kind: str, name: str) -> dict[str, Any]:
    (found,) = [o for o in OBJECTS if o["kind"] == kind and o["metadata"]["name"] == name]
    return found


def schema_file(manifest: dict[str, Any]) -> Path:
    """kubernetes-json-schema's name for a kind: deployment-apps-v1.json, service-v1.json, ..."""
    group, _, version = manifest["apiVersion"].rpartition("/")
    group = group.split(".")[0]
    return KUBERNETES / f"{manifest['kind'].lower()}{'-' + group if group else ''}-{version}.json"


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads((SCHEMAS / "compose-spec.json").read_text())
    validator = jsonschema.Draft7Validator(schema)  # its "$schema": draft-07, spelt without the "#"
    assert [error.message for error in validator.iter_errors(COMPOSE)] == []


def test_compose_keeps_the_seeds_shape_with_redis_closed() -> None:
    services = COMPOSE["services"]
    assert sorted(services) == sorted(["redis", *GOAT_SERVICES])
    redis = services["redis"]
    assert "ports" not in redis, "Redis is reachable by the project's containers only"
    assert "expose" not in redis
    assert "requirepass" in " ".join(redis["command"]) and "--appendonly yes" in " ".join(redis["command"])
    assert "redis-data" in COMPOSE["volumes"]
    for name in GOAT_SERVICES:
        env = services[name]["environment"]
        assert (env["REDIS_HOST"], env["REDIS_PORT"]) == ("redis", "6379")
        assert env["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?"), "no default password"
        assert "./data:/app/data" in services[name]["volumes"]
    for index in range(7):
        worker = services[f"worker-{index + 1}"]
        assert worker["environment"]["API_URL"] == "http://backend:8000"
        assert "DATABASE_URL" not in worker["environment"]
        assert worker["command"] == ["goat", "worker", "--index", str(index), "--of", "7"]
        (device,) = worker["deploy"]["resources"]["reservations"]["devices"]
        assert device["capabilities"] == ["gpu"]
    assert services["backend"]["ports"] == ["8000:8000"]


def kubernetes_errors(manifest: dict[str, Any]) -> list[str]:
    schema = json.loads(schema_file(manifest).read_text())
    definitions = Resource.from_contents(json.loads((KUBERNETES / "_definitions.json").read_text()))
    registry = definitions @ (Resource.from_contents(schema) @ Registry())
    validator = jsonschema.Draft202012Validator(schema, registry=registry)
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(manifest)]


@pytest.mark.parametrize("manifest", OBJECTS, ids=lambda o: f"{o['kind']}/{o['metadata']['name']}")
def test_kubernetes_manifests_follow_the_kubernetes_schemas(manifest: dict[str, Any]) -> None:
    assert kubernetes_errors(manifest) == []


def test_the_kubernetes_schemas_refuse_a_field_the_api_does_not_have() -> None:
    """The strict schemas, down to a container's fields: a misspelt one is an error, not ignored."""
    broken = copy.deepcopy(find("Deployment", "goat-worker"))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["resources"]["limit"] = container["resources"].pop("limits")
    assert kubernetes_errors(broken) == [
        "['spec', 'template', 'spec', 'containers', 0, 'resources']: "
        "Additional properties are not allowed ('limit' was unexpected)"
    ]


def test_kustomization_applies_every_manifest() -> None:
    kustomization = yaml.safe_load((ROOT / "deploy/k8s/kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == sorted(
        p.name for p in MANIFESTS if p.name != "kustomization.yaml"
    )


def pods() -> dict[str, dict[str, Any]]:
    """Each workload's pod spec, by the workload's name."""
    workloads = [o for o in OBJECTS if o["kind"] in ("Deployment", "StatefulSet")]
    return {o["metadata"]["name"]: o["spec"]["template"]["spec"] for o in workloads}


def test_kubernetes_secrets_carry_every_token_and_every_reference_exists() -> None:
    secret = find("Secret", "goat-secrets")
    assert {"admin-token", "worker-token", "redis-password"} <= set(secret["stringData"])
    references = [
        variable["valueFrom"]["secretKeyRef"]
        for pod in pods().values()
        for container in pod["containers"]
        for variable in container.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    ]
    assert {(r["name"], r["key"]) for r in references} == {
        ("goat-secrets", key) for key in ("admin-token", "worker-token", "redis-password", "database-url")
    }


def test_kubernetes_pods_run_as_non_root_and_the_api_is_probed_on_health() -> None:
    assert set(pods()) == {"goat-api", "goat-worker", "goat-redis"}
    for pod in pods().values():
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] > 0
    (api,) = pods()["goat-api"]["containers"]
    for probe in ("readinessProbe", "livenessProbe"):
        assert api[probe]["httpGet"] == {"path": "/health", "port": "http"}
    assert api["ports"] == [{"name": "http", "containerPort": 8000}]


def secret_keys(container: dict[str, Any]) -> set[str]:
    return {
        variable["valueFrom"]["secretKeyRef"]["key"]
        for variable in container.get("env", [])
        if "secretKeyRef" in variable.get("valueFrom", {})
    }


def test_kubernetes_workers_ask_for_a_gpu_and_share_nothing_but_the_network() -> None:
    (worker,) = pods()["goat-worker"]["containers"]
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert secret_keys(worker) == {"redis-password", "worker-token"}, "no database credentials"
    assert all("persistentVolumeClaim" not in volume for volume in pods()["goat-worker"]["volumes"])
    (api,) = pods()["goat-api"]["containers"]
    assert "worker-token" in secret_keys(api)


def test_kubernetes_redis_stays_inside() -> None:
    redis = find("StatefulSet", "goat-redis")
    assert redis["spec"]["volumeClaimTemplates"][0]["metadata"]["name"] == "data"
    assert find("Service", "goat-redis")["spec"]["type"] == "ClusterIP"
    (rule,) = find("NetworkPolicy", "goat-redis")["spec"]["ingress"]
    (allowed,) = rule["from"][0]["podSelector"]["matchExpressions"]
    assert allowed["values"] == ["api", "worker"]
    (container,) = pods()["goat-redis"]["containers"]
    assert redis_command(container["command"][2]) == redis_command(COMPOSE["services"]["redis"]["command"][2])


@pytest.mark.parametrize("dockerfile", ["Dockerfile", "Dockerfile.worker"])
def test_images_run_as_a_non_root_user(dockerfile: str) -> None:
    text = (ROOT / dockerfile).read_text()
    users = re.findall(r"^USER (\S+)", text, re.M)
    assert users and users[-1] not in ("root", "0")
    assert re.search(rf"useradd --uid {1000}", text)


def redis_command(script: str) -> str:
    """The Redis start script as the shell receives it (Compose turns `$$` into `$`)."""
    return script.replace("$$", "$")


def test_the_redis_command_starts_a_server_that_requires_the_password(tmp_path: Path) -> None:
    """The script docker-compose and the StatefulSet run, with redis-server being the embedded valkey on a
    free loopback port: the password is required, it is on no command line, and the AOF is on."""
    shims = tmp_path / "bin"
    shims.mkdir()
    port = free_port()
    shim = shims / "redis-server"
    shim.write_text(
        f'#!/bin/sh\nexec {server_binary()} "$@" --port {port} --bind 127.0.0.1 --dir {tmp_path}\n'
    )
    shim.chmod(0o755)
    password = new_token()
    env = controlled_env({"REDIS_PASSWORD": password, "PATH": f"{shims}:{os.environ['PATH']}"})
    script = redis_command(COMPOSE["services"]["redis"]["command"][2])
    server = subprocess.Popen(["sh", "-c", script], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL)
    try:
        connection = connect(f"redis://:{password}@127.0.0.1:{port}/0")
        wait_until(lambda: answers(connection), timeout=20, what="the compose Redis command's server")
        assert connection.config_get("appendonly") == {"appendonly": "yes"}
        with pytest.raises(AuthenticationError):
            connect(f"redis://127.0.0.1:{port}/0").get("anything")
        command_line = Path(f"/proc/{server.pid}/cmdline").read_bytes().decode()
        assert "valkey-server" in command_line, "the shell exec'd the server: it is the first process"
        assert password not in command_line
    finally:
        server.terminate()
        server.wait(20)
