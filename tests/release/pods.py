"""The rendered release's pods on podman, started as a kubelet starts them: a thin runner that follows the pod spec.

What it honours, per pod:
- init containers one at a time, in order, each to success (the chart's poll with a deadline of their own),
  then the containers, all at once; a Job's pod again after a failure, as the Job controller does, up to its
  backoffLimit (at once: without the controller's back-off);
- each container's command and args (`command` replaces the image's entrypoint, `args` its CMD);
- env: `value`, `valueFrom.secretKeyRef`, `valueFrom.configMapKeyRef`, `valueFrom.fieldRef` (metadata.name,
  metadata.namespace), and `envFrom` of Secrets and ConfigMaps, the later entry winning;
- volumes of the rendered ConfigMaps and Secrets (all keys or `items`), and `emptyDir`, mounted whole or by
  `subPath`, read-only where marked;
- the security context: runAsUser, runAsGroup, fsGroup (as a supplementary group), runAsNonRoot, dropped
  capabilities, allowPrivilegeEscalation: false (no-new-privileges), readOnlyRootFilesystem; memory limits;
- the startup, readiness and liveness probes (exec, httpGet, tcpSocket) with their delays, periods, timeouts and
  thresholds.

Every change it makes to the manifests is made here, in `PodRunner._run_options` and `PodRunner._environment`:
1. the host network for every pod (one network namespace), the pod's name as its hostname, and every Service name
   of the release (short, `.namespace`, `.namespace.svc`, `.namespace.svc.cluster.local`), every pod's hostname
   and each `Stand-ins.hosts` name (the RDS and ElastiCache endpoints) resolving to 127.0.0.1 (`--add-host`, as
   `hostAliases` would);
2. one pod per workload, whatever its replicas;
3. each image reference runs the local image `Stand-ins.images` names for it (a reference by digest cannot be a
   podman tag);
4. IRSA: a pod whose ServiceAccount carries `eks.amazonaws.com/role-arn` gets what EKS's pod identity webhook
   injects (AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE and its token, AWS_STS_REGIONAL_ENDPOINTS, AWS_REGION,
   AWS_DEFAULT_REGION), and every pod gets AWS_ENDPOINT_URL, the stand-in for AWS's endpoints;
5. `Stand-ins.env` replaces env entries of the same name (the git connection's repository URL);
6. `Stand-ins.mounts` are added to every container: the test CA as the system trust store (where the Amazon CAs
   are on AWS);
7. containers named in `Stand-ins.skip` are not started.
Left out, as a kubelet's concern it has no use for here: lifecycle hooks, CPU requests, affinity and tolerations.
"""

from __future__ import annotations

import base64
import json
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

IRSA_TOKEN_PATH = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
ROLE_ANNOTATION = "eks.amazonaws.com/role-arn"
JOB_TIMEOUT_SECONDS = 600
PROBE_KINDS = ("startupProbe", "readinessProbe", "livenessProbe")


class PodFailedError(AssertionError):
    """A pod did not do what its spec asks; the message carries its containers' last log lines."""


@dataclass(frozen=True)
class Release:
    """The objects of a rendered release that its pods read, by kind and name."""

    namespace: str
    documents: list[dict[str, Any]]

    def of_kind(self, kind: str) -> dict[str, dict[str, Any]]:
        return {document["metadata"]["name"]: document for document in self.documents if document["kind"] == kind}


@dataclass(frozen=True)
class StandIns:
    """What stands in for the cluster's surroundings; see the module docstring for how each is applied."""

    secrets: Mapping[str, Mapping[str, str]]
    """The Secrets created beside the release (by the stack), by name: key -> value."""
    images: Mapping[str, str]
    """Rendered image reference -> local image."""
    aws_endpoint: str
    region: str
    hosts: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    mounts: Mapping[Path, str] = field(default_factory=dict)
    skip: frozenset[str] = frozenset()


@dataclass
class Pod:
    """A started pod: its spec, and the podman container of each of its containers."""

    name: str
    spec: dict[str, Any]
    containers: dict[str, str] = field(default_factory=dict)
    """Container name -> podman container name."""
    started: dict[str, float] = field(default_factory=dict)
    """Container name -> when it was started (time.monotonic)."""

    def running(self) -> dict[str, bool]:
        return {name: _inspect(container)["State"]["Running"] for name, container in self.containers.items()}

    def logs(self, container: str) -> str:
        result = subprocess.run(["podman", "logs", self.containers[container]], capture_output=True, text=True)
        return result.stdout + result.stderr


class PodRunner:
    """Runs pods of `release` under `work_dir` with `stand_ins`; `remove()` removes every container it made."""

    def __init__(self, release: Release, stand_ins: StandIns, work_dir: Path):
        self.release = release
        self.stand_ins = stand_ins
        self.work_dir = work_dir
        self._made: list[str] = []
        self._removed = False
        self._lock = threading.Lock()
        self._config_maps = {name: cm.get("data", {}) for name, cm in release.of_kind("ConfigMap").items()}
        rendered_secrets = {
            name: {key: base64.b64decode(value).decode() for key, value in secret.get("data", {}).items()}
            | secret.get("stringData", {})
            for name, secret in release.of_kind("Secret").items()
        }
        self._secrets = {**rendered_secrets, **stand_ins.secrets}
        self._service_accounts = release.of_kind("ServiceAccount")
        namespace = release.namespace
        names = [
            f"{service}{suffix}"
            for service in release.of_kind("Service")
            for suffix in ("", f".{namespace}", f".{namespace}.svc", f".{namespace}.svc.cluster.local")
        ]
        self._hosts = [*names, *stand_ins.hosts]
        token = work_dir / "irsa-token"
        token.write_text("release-test-web-identity-token")
        token.chmod(0o644)
        self._irsa_token = token

    def pod_of(self, kind: str, name: str) -> Pod:
        """The pod of a Deployment, StatefulSet or Job of the release (its first replica)."""
        workload = self.release.of_kind(kind)[name]
        return Pod(name=f"{name}-0", spec=workload["spec"]["template"]["spec"])

    def hostnames(self, pods: list[Pod]) -> None:
        """Makes the pods' hostnames resolve in every pod started from now on (the headless Services' names)."""
        self._hosts += [pod.name for pod in pods]

    def start(self, pod: Pod) -> Pod:
        """Init containers in order (each to success), then the containers; returns once they are started."""
        for init in pod.spec.get("initContainers", []):
            self._run_init(pod, init)
        for container in pod.spec["containers"]:
            if container["name"] in self.stand_ins.skip:
                continue
            name = self._container_name(pod, container["name"])
            self._podman("run", "--detach", *self._run_options(pod, container, name))
            pod.containers[container["name"]] = name
            pod.started[container["name"]] = time.monotonic()
        return pod

    def run_job(self, kind_name: str, attempt: int = 1) -> Pod:
        """A Job's pod to completion (its backoffLimit honoured); a PodFailedError when it does not complete."""
        job = self.release.of_kind("Job")[kind_name]
        backoff_limit = job["spec"].get("backoffLimit", 6)
        # The next pod at once, without the Job controller's back-off: the chart's Jobs wait for the database
        # themselves (the image's connection check, with its own deadline), so waiting longer only delays a failure.
        for retry in range(backoff_limit + 1):
            pod = Pod(name=f"{kind_name}-{attempt}-{retry}", spec=job["spec"]["template"]["spec"])
            self.start(pod)
            codes = {name: _wait_exit(container, JOB_TIMEOUT_SECONDS) for name, container in pod.containers.items()}
            if all(code == 0 for code in codes.values()):
                return pod
        raise PodFailedError(f"Job {kind_name} failed {backoff_limit + 1} times: {codes}\n{_tails(pod)}")

    def wait_ready(self, pod: Pod) -> None:
        """Every container passes its startup probe, then its readiness probe, then one liveness check."""
        for container in pod.spec["containers"]:
            if container["name"] not in pod.containers:
                continue
            for kind in PROBE_KINDS:
                if probe := container.get(kind):
                    self._await_probe(pod, container, kind, probe)

    def remove(self) -> None:
        """Removes every container, and refuses to make more (start-up threads may still be running)."""
        self._removed = True
        if self._made:
            # --ignore: without it, podman 4.3 removes none of the names when one of them no longer exists (a pod
            # retried, or never started), and still exits 0.
            subprocess.run(["podman", "rm", "--force", "--ignore", "--time", "5", *self._made], check=True)

    def _await_probe(self, pod: Pod, container: dict[str, Any], kind: str, probe: dict[str, Any]) -> None:
        age = time.monotonic() - pod.started[container["name"]]
        time.sleep(max(0.0, probe.get("initialDelaySeconds", 0) - age))
        period, timeout = probe.get("periodSeconds", 10), probe.get("timeoutSeconds", 1)
        # A readiness probe has no failure threshold: a pod is simply not ready until it passes; give it the
        # startup probe's allowance.
        attempts = probe.get("failureThreshold", 3) if kind != "readinessProbe" else 6
        outcome = ""
        for _ in range(attempts):
            started = time.monotonic()
            passed, outcome = self._probe(pod, container, probe, timeout)
            if passed:
                return
            if not _inspect(pod.containers[container["name"]])["State"]["Running"]:
                break
            time.sleep(max(0.0, period - (time.monotonic() - started)))
        raise PodFailedError(
            f"{pod.name}/{container['name']}: {kind} failed ({outcome})\n{_tails(pod, container['name'])}"
        )

    def _probe(self, pod: Pod, container: dict[str, Any], probe: dict[str, Any], timeout: float) -> tuple[bool, str]:
        try:
            if "exec" in probe:
                result = subprocess.run(
                    ["podman", "exec", pod.containers[container["name"]], *probe["exec"]["command"]],
                    capture_output=True,
                    text=True,
                    timeout=timeout,
                )
                return result.returncode == 0, f"exit {result.returncode}: {(result.stdout + result.stderr)[-400:]}"
            if "httpGet" in probe:
                get = probe["httpGet"]
                url = f"{get.get('scheme', 'HTTP').lower()}://127.0.0.1:{_port(container, get['port'])}{get['path']}"
                with urllib.request.urlopen(url, timeout=timeout) as response:
                    return 200 <= response.status < 400, f"HTTP {response.status}"
            if "tcpSocket" in probe:
                with socket.create_connection(("127.0.0.1", _port(container, probe["tcpSocket"]["port"])), timeout):
                    return True, "connected"
        except (OSError, subprocess.TimeoutExpired) as error:
            return False, str(error)
        raise PodFailedError(f"{pod.name}/{container['name']}: a probe of a kind this runner lacks: {probe}")

    def _run_init(self, pod: Pod, init: dict[str, Any]) -> None:
        """One run, to success: the chart's init containers poll with a deadline of their own
        (`db check-migrations --migration-wait-timeout`), so a failure is the pod's failure, not a race."""
        name = self._container_name(pod, init["name"])
        self._podman("run", "--detach", *self._run_options(pod, init, name))
        if _wait_exit(name, JOB_TIMEOUT_SECONDS) != 0:
            logs = subprocess.run(["podman", "logs", name], capture_output=True, text=True)
            raise PodFailedError(
                f"{pod.name}: init container {init['name']} failed:\n{logs.stdout[-2000:]}{logs.stderr[-2000:]}"
            )

    def _run_options(self, pod: Pod, container: dict[str, Any], name: str) -> list[str]:
        spec = pod.spec
        pod_context, context = spec.get("securityContext", {}), container.get("securityContext", {})
        user, group = context.get("runAsUser", pod_context.get("runAsUser")), context.get("runAsGroup")
        group = pod_context.get("runAsGroup") if group is None else group
        if context.get("runAsNonRoot", pod_context.get("runAsNonRoot")) and user == 0:
            raise PodFailedError(f"{pod.name}/{container['name']}: runAsNonRoot with runAsUser 0")
        options = ["--name", name, "--network", "host", "--hostname", pod.name]
        options += [f"--add-host={host}:127.0.0.1" for host in self._hosts]
        if user is not None:
            options += ["--user", f"{user}:{group if group is not None else 0}"]
        if (fs_group := pod_context.get("fsGroup")) is not None:
            options += ["--group-add", str(fs_group)]
        for capability in context.get("capabilities", {}).get("drop", []):
            options += ["--cap-drop", capability]
        if context.get("allowPrivilegeEscalation") is False:
            options += ["--security-opt", "no-new-privileges"]
        if context.get("readOnlyRootFilesystem"):
            options += ["--read-only"]
        if memory := container.get("resources", {}).get("limits", {}).get("memory"):
            options += ["--memory", _bytes(memory)]
        options += ["--env-file", str(self._env_file(pod, container, name))]
        options += self._mounts(pod, container)
        if "command" in container:
            options += ["--entrypoint", json.dumps(container["command"])]
        return [*options, self._image(container["image"]), *container.get("args", [])]

    def _environment(self, pod: Pod, container: dict[str, Any]) -> dict[str, str]:
        env: dict[str, str] = {"AWS_ENDPOINT_URL": self.stand_ins.aws_endpoint}
        if role := self._annotations(pod).get(ROLE_ANNOTATION):
            env |= {
                "AWS_ROLE_ARN": role,
                "AWS_WEB_IDENTITY_TOKEN_FILE": IRSA_TOKEN_PATH,
                "AWS_STS_REGIONAL_ENDPOINTS": "regional",
                "AWS_REGION": self.stand_ins.region,
                "AWS_DEFAULT_REGION": self.stand_ins.region,
            }
        for source in container.get("envFrom", []):
            prefix = source.get("prefix", "")
            if ref := source.get("secretRef"):
                env |= {prefix + key: value for key, value in self._secret(ref["name"]).items()}
            if ref := source.get("configMapRef"):
                env |= {prefix + key: value for key, value in self._config_maps[ref["name"]].items()}
        for entry in container.get("env", []):
            env[entry["name"]] = self._env_value(pod, entry)
        return env | {key: value for key, value in self.stand_ins.env.items() if key in env}

    def _env_value(self, pod: Pod, entry: dict[str, Any]) -> str:
        if "value" in entry:
            return str(entry["value"])
        source = entry["valueFrom"]
        if ref := source.get("secretKeyRef"):
            return self._secret(ref["name"])[ref["key"]]
        if ref := source.get("configMapKeyRef"):
            return self._config_maps[ref["name"]][ref["key"]]
        if ref := source.get("fieldRef"):
            fields = {"metadata.name": pod.name, "metadata.namespace": self.release.namespace}
            return fields[ref["fieldPath"]]
        raise PodFailedError(f"{pod.name}: env {entry['name']} has a source this runner lacks: {source}")

    def _env_file(self, pod: Pod, container: dict[str, Any], name: str) -> Path:
        """The container's env in a file only root reads: secret values never reach a command line."""
        lines = []
        for key, value in self._environment(pod, container).items():
            if "\n" in value:
                raise PodFailedError(f"{pod.name}: env {key} holds a newline, which an env file cannot carry")
            lines.append(f"{key}={value}")
        path = self.work_dir / f"{name}.env"
        path.write_text("\n".join(lines) + "\n")
        path.chmod(0o600)
        return path

    def _mounts(self, pod: Pod, container: dict[str, Any]) -> list[str]:
        volumes = {volume["name"]: volume for volume in pod.spec.get("volumes", [])}
        options: list[str] = []
        for mount in container.get("volumeMounts", []):
            source = self._volume_path(pod, volumes[mount["name"]]) / mount.get("subPath", "")
            # The kubelet makes a subPath the volume lacks (a key the ConfigMap doesn't have) an empty folder.
            if not source.exists():
                source.mkdir(parents=True)
            mode = "ro" if mount.get("readOnly") else "rw"
            options += ["--volume", f"{source}:{mount['mountPath']}:{mode}"]
        if ROLE_ANNOTATION in self._annotations(pod):
            options += ["--volume", f"{self._irsa_token}:{IRSA_TOKEN_PATH}:ro"]
        for source, target in self.stand_ins.mounts.items():
            options += ["--volume", f"{source}:{target}:ro"]
        return options

    def role_of(self, pod: Pod) -> str:
        """The IAM role IRSA gives the pod: its ServiceAccount's annotation."""
        return self._annotations(pod)[ROLE_ANNOTATION]

    def _annotations(self, pod: Pod) -> dict[str, str]:
        account = self._service_accounts.get(pod.spec.get("serviceAccountName", ""), {})
        return account.get("metadata", {}).get("annotations", {})

    def _volume_path(self, pod: Pod, volume: dict[str, Any]) -> Path:
        """The volume's folder on the host, made once per pod: files for ConfigMaps and Secrets, 0644 as the
        kubelet's default mode; an emptyDir any user of the pod can write."""
        path = self.work_dir / pod.name / volume["name"]
        with self._lock:
            if path.exists():
                return path
            path.mkdir(parents=True)
            if "emptyDir" in volume:
                path.chmod(0o1777)
                return path
            if "configMap" in volume:
                data, items = self._config_maps[volume["configMap"]["name"]], volume["configMap"].get("items")
            elif "secret" in volume:
                data, items = self._secret(volume["secret"]["secretName"]), volume["secret"].get("items")
            else:
                raise PodFailedError(f"{pod.name}: volume {volume['name']} is of a kind this runner lacks: {volume}")
            for key, target in _items(data, items):
                file = path / target
                file.parent.mkdir(parents=True, exist_ok=True)
                file.write_text(data[key])
                file.chmod(0o644)
        return path

    def _secret(self, name: str) -> Mapping[str, str]:
        if name not in self._secrets:
            raise PodFailedError(f"the release reads Secret {name}, which neither it nor the stand-ins create")
        return self._secrets[name]

    def _image(self, reference: str) -> str:
        if reference not in self.stand_ins.images:
            raise PodFailedError(f"no local image stands in for {reference}: add it to StandIns.images")
        return self.stand_ins.images[reference]

    def _container_name(self, pod: Pod, container: str) -> str:
        if self._removed:
            raise PodFailedError(f"{pod.name}: not started, the runner was removed")
        name = f"release-{pod.name}-{container}"
        subprocess.run(["podman", "rm", "--force", name], capture_output=True)
        self._made.append(name)
        return name

    @staticmethod
    def _podman(*args: str) -> None:
        result = subprocess.run(["podman", *args], capture_output=True, text=True)
        if result.returncode != 0:
            raise PodFailedError(f"podman {args[0]} failed ({result.returncode}): {result.stderr[-2000:]}")


def _items(data: Mapping[str, str], items: list[dict[str, str]] | None) -> Iterator[tuple[str, str]]:
    if items is None:
        yield from ((key, key) for key in data)
    else:
        yield from ((item["key"], item["path"]) for item in items)


def _port(container: dict[str, Any], port: int | str) -> int:
    if isinstance(port, int):
        return port
    return next(entry["containerPort"] for entry in container.get("ports", []) if entry.get("name") == port)


def _bytes(quantity: str) -> str:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    for suffix, factor in units.items():
        if quantity.endswith(suffix):
            return str(int(quantity[: -len(suffix)]) * factor)
    return quantity


def _inspect(container: str) -> dict[str, Any]:
    result = subprocess.run(["podman", "inspect", container], capture_output=True, text=True, check=True)
    return json.loads(result.stdout)[0]


def _wait_exit(container: str, timeout: float) -> int:
    result = subprocess.run(["podman", "wait", container], capture_output=True, text=True, timeout=timeout)
    return int(result.stdout.strip() or -1)


def _tails(pod: Pod, only: str | None = None) -> str:
    names = [only] if only else list(pod.containers)
    return "\n".join(f"--- {pod.name}/{name}:\n{pod.logs(name)[-3000:]}" for name in names if name in pod.containers)
