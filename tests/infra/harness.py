"""Pulumi mock runtime harness: mocks that record every resource and fail on unexpected invokes.

`build_stack(stack, config)` runs infra.stack.run() under the mocks and returns a `Built` with every
registered resource (type, name, parent, inputs, ignore_changes, and what its registration waits for: its
dependencies, property dependencies and providers) and the resolved exports, plus whether each export is secret.
The committed example stacks are built once per session in example_stacks.py; creation_order.py answers
"does X wait for Y?" from the recorded registrations.
"""

from __future__ import annotations

import base64
import json
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import yaml
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime.proto import resource_pb2

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_ID = "111122223333"
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
OIDC_URL = "https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789"
ORGANIZATION = "organization"
CLUSTER_SECURITY_GROUP = "sg-0eks0cluster"
"""The security group EKS creates for the control plane and managed nodes."""
S3_CIDRS = ["52.218.0.0/17", "3.5.64.0/21"]
"""The region's S3 prefix list, as the mocked getManagedPrefixList answers it."""
SECRET_ARN = f"arn:aws:secretsmanager:eu-west-1:{ACCOUNT_ID}:secret:{{}}-Ab12Cd"
"""A secret's ARN, given its name: the name plus the random suffix Secrets Manager appends."""
DOCKER_HUB_SECRET_ARN = SECRET_ARN.format("ecr-pullthroughcache/docker-hub")
"""The Docker Hub credentials the operator created (getSecrets answers it unless told the account has none)."""


@dataclass(frozen=True)
class Recorded:
    urn: str
    type: str
    name: str
    parent: str
    inputs: dict[str, Any]
    custom: bool
    secret_paths: frozenset[str]
    ignore_changes: tuple[str, ...] = ()
    remote: bool = False
    """A remote (multi-language) component such as eks:index:Cluster: one registration, no recorded children."""
    dependencies: tuple[str, ...] = ()
    """URNs the registration waits for, as the monitor receives them: explicit depends_on plus every property
    dependency. The Python SDK has already expanded a local component into its custom descendants
    (pulumi/runtime/rpc.py `_add_dependency`)."""
    property_dependencies: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Input name -> URNs of the resources whose outputs that input was built from."""
    providers: tuple[str, ...] = ()
    """URNs of the explicit providers the registration names (it waits for their URN and id)."""
    retain_on_delete: bool = False
    """`pulumi destroy` leaves the cloud resource in place."""


@dataclass
class Built:
    config: dict[str, Any] = field(default_factory=dict)
    """The stack config the program ran with (Pulumi.<stack>.yaml's `config:`, as the engine hands it over)."""
    resources: list[Recorded] = field(default_factory=list)
    outputs: dict[str, Any] = field(default_factory=dict)
    secret_outputs: set[str] = field(default_factory=set)
    invokes: list[str] = field(default_factory=list)
    invoke_args: list[dict[str, Any]] = field(default_factory=list)
    registered_outputs: dict[str, frozenset[str]] = field(default_factory=dict)
    """Component URN -> the output names it passed to register_outputs."""
    output_dependencies: dict[str, frozenset[str]] = field(default_factory=dict)
    """Export name -> URNs of the resources its value was built from: the engine records the stack's outputs
    only once all of them exist."""

    def of_type(self, type_: str) -> list[Recorded]:
        return [resource for resource in self.resources if resource.type == type_]

    def find_created(self, type_: str, name: str) -> Recorded:
        matches = [resource for resource in self.of_type(type_) if resource.name == name]
        assert len(matches) == 1, f"expected one {type_} named {name!r}, found {[r.name for r in self.of_type(type_)]}"
        return matches[0]

    def one(self, type_: str) -> Recorded:
        found = self.of_type(type_)
        assert len(found) == 1, f"expected exactly one {type_}, found {[r.name for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Recorded:
        return next(resource for resource in self.resources if resource.urn == urn)

    def type_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for resource in self.resources:
            counts[resource.type] = counts.get(resource.type, 0) + 1
        return dict(sorted(counts.items()))


class PlatformMocks(pulumi.runtime.Mocks):
    """Computed outputs the program reads; an invoke it does not expect raises."""

    def __init__(self, built: Built, *, existing_roles: tuple[str, ...] = (), docker_hub_secret: bool = True) -> None:
        self.built = built
        self.existing_roles = existing_roles
        """ARNs the account's IAM answers aws.iam.get_roles with (none: a fresh account)."""
        self.docker_hub_secret = docker_hub_secret
        """Whether Secrets Manager holds the Docker Hub credentials of the pull-through cache."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = dict(args.inputs)
        name = args.name
        match args.typ:
            case "aws:s3/bucket:Bucket":
                state["bucket"] = f"{args.inputs.get('bucketPrefix', name)}abc123"
                state["arn"] = f"arn:aws:s3:::{state['bucket']}"
                return state["bucket"], state
            case "aws:kms/key:Key":
                state.update(arn=f"arn:aws:kms:eu-west-1:{ACCOUNT_ID}:key/{name}", keyId=f"{name}-id")
            case "aws:rds/instance:Instance":
                state["address"] = f"{name}.c0ffee.eu-west-1.rds.amazonaws.com"
            case "aws:elasticache/replicationGroup:ReplicationGroup":
                state["primaryEndpointAddress"] = f"master.{name}.abc.euw1.cache.amazonaws.com"
            case "aws:secretsmanager/secret:Secret":
                state["arn"] = SECRET_ARN.format(args.inputs["name"])
            case "random:index/randomPassword:RandomPassword":
                state["result"] = f"pw{name.replace('-', '')}"[: int(args.inputs["length"])]
            case "random:index/randomBytes:RandomBytes":
                # Chosen to contain + and /, which Fernet's URL-safe alphabet must not.
                state["base64"] = base64.b64encode(bytes([251, 255, 191] * 10 + [0, 1])).decode()
            case "aws:ecr/repository:Repository":
                state.update(
                    repositoryUrl=f"{ACCOUNT_ID}.dkr.ecr.eu-west-1.amazonaws.com/{args.inputs['name']}",
                    arn=f"arn:aws:ecr:eu-west-1:{ACCOUNT_ID}:repository/{args.inputs['name']}",
                )
            case "eks:index:Cluster":
                state.update(
                    kubeconfigJson=json.dumps({"apiVersion": "v1", "clusters": [{"name": name}]}),
                    oidcProviderArn=f"arn:aws:iam::{ACCOUNT_ID}:oidc-provider/{OIDC_URL[8:]}",
                    oidcProviderUrl=OIDC_URL,
                    clusterSecurityGroupId=CLUSTER_SECURITY_GROUP,
                )
            case "aws:iam/serviceLinkedRole:ServiceLinkedRole":
                service = args.inputs["awsServiceName"]
                state["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:role/aws-service-role/{service}/{name}"
            case "aws:iam/role:Role":
                state["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:role/{name}"
            case "aws:iam/policy:Policy":
                state["arn"] = f"arn:aws:iam::{ACCOUNT_ID}:policy/{name}"
            case "aws:s3/bucketObjectv2:BucketObjectv2":
                state["versionId"] = f"version-of-{args.inputs['key']}"
            case "aws:sns/topic:Topic":
                state["arn"] = f"arn:aws:sns:eu-west-1:{ACCOUNT_ID}:{args.inputs['name']}"
            case "aws:mwaa/environment:Environment":
                state.update(
                    arn=f"arn:aws:airflow:eu-west-1:{ACCOUNT_ID}:environment/{args.inputs['name']}",
                    webserverUrl="abc.c2.airflow.eu-west-1.on.aws",
                )
            case "kubernetes:helm.sh/v3:Release":
                state["status"] = {"name": args.inputs["name"], "status": "deployed"}
            case "aws:ec2/launchTemplate:LaunchTemplate":
                state["latestVersion"] = 1
        # Pulumi auto-names resources that get no explicit name; the mock names them after the logical name.
        state.setdefault("name", name)
        return f"{name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:
        self.built.invokes.append(args.token)
        self.built.invoke_args.append(dict(args.args))
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {"id": "eu-west-1", "names": ZONES, "zoneIds": ["euw1-az1", "euw1-az2", "euw1-az3"]}
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "id": ACCOUNT_ID,
                "accountId": ACCOUNT_ID,
                "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/ci",
                "userId": "AIDA",
            }
        if args.token == "aws:iam/getRoles:getRoles":
            return {
                "id": ACCOUNT_ID,
                "arns": list(self.existing_roles),
                "names": [a.rsplit("/", 1)[1] for a in self.existing_roles],
            }
        if args.token == "aws:ec2/getManagedPrefixList:getManagedPrefixList":
            return {"id": "pl-6da54004", "name": args.args["name"], "entries": [{"cidr": c} for c in S3_CIDRS]}
        if args.token == "aws:secretsmanager/getSecrets:getSecrets":
            # The name filter matches prefixes, so a longer name comes back too.
            names = ["ecr-pullthroughcache/docker-hub-old"]
            if self.docker_hub_secret:
                names.append("ecr-pullthroughcache/docker-hub")
            return {"id": "eu-west-1", "arns": [SECRET_ARN.format(name) for name in names], "names": names}
        raise NotImplementedError(f"Mock call not implemented: {args.token}")


SPECIAL_SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"


def _decode(value: Any, path: str, secret_paths: set[str]) -> Any:
    """Wire inputs to plain values: secrets unwrapped (their paths noted), resource references as URNs."""
    if isinstance(value, dict):
        if value.get(SPECIAL_SIG) == SECRET_SIG:
            secret_paths.add(path)
            return _decode(value.get("value"), path, secret_paths)
        if value.get(SPECIAL_SIG) == RESOURCE_SIG:
            return value["urn"]
        return {key: _decode(item, f"{path}.{key}" if path else key, secret_paths) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode(item, f"{path}[{index}]", secret_paths) for index, item in enumerate(value)]
    return value


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """MockMonitor that also keeps each resource's parent and custom flag."""

    def __init__(self, mocks: PlatformMocks) -> None:
        super().__init__(mocks)
        self.built = mocks.built

    # Resource references are turned off: the stock mock monitor resolves them with a task on its own thread's
    # event loop, which the program's loop then awaits and fails on ("attached to a different loop") when a
    # resource (eks.Cluster's instance_roles, ManagedNodeGroup's cluster) is passed as an input.
    def GetDeploymentInfo(self, request):  # noqa: N802 (gRPC method name)
        info = super().GetDeploymentInfo(request)
        features = [
            feature
            for feature in info.supportedFeatures
            if feature != resource_pb2.RESOURCE_MONITOR_FEATURE_RESOURCE_REFERENCES
        ]
        return resource_pb2.DeploymentInfo(supportedFeatures=features)

    def SupportsFeature(self, request):  # noqa: N802 (gRPC method name)
        if request.id == "resourceReferences":
            return type("SupportsFeatureResponse", (object,), {"hasSupport": False})
        return super().SupportsFeature(request)

    def RegisterResourceOutputs(self, request):  # noqa: N802 (gRPC method name)
        self.built.registered_outputs[request.urn] = frozenset(request.outputs.fields.keys())
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            secret_paths: set[str] = set()
            inputs = _decode(json_format.MessageToDict(request.object), "", secret_paths)
            self.built.resources.append(
                Recorded(
                    urn=response.urn,
                    type=request.type,
                    name=request.name,
                    parent=request.parent,
                    inputs=inputs,
                    custom=request.custom,
                    secret_paths=frozenset(secret_paths),
                    ignore_changes=tuple(request.ignoreChanges),
                    retain_on_delete=request.retainOnDelete,
                    remote=request.remote,
                    dependencies=tuple(request.dependencies),
                    property_dependencies={
                        name: tuple(deps.urns) for name, deps in request.propertyDependencies.items()
                    },
                    providers=tuple(
                        _provider_urn(ref) for ref in (request.provider, *request.providers.values()) if ref
                    ),
                )
            )
        return response


def _provider_urn(reference: str) -> str:
    """A provider reference is `<urn>::<id>`; the URN itself contains `::`."""
    return reference.rsplit("::", 1)[0]


def stack_config(stack: str) -> dict[str, Any]:
    """The committed Pulumi.<stack>.yaml config, as the engine hands it to the program."""
    return yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]


def build_stack(
    stack: str,
    config: dict[str, Any],
    built: Built | None = None,
    *,
    through_entry_point: bool = False,
    program_run: Callable[[], dict[str, Any]] | None = None,
    project: str = "airflow-aws",
    entry_point: Path = REPO_ROOT / "infra",
    mocks: Callable[[Built], PlatformMocks] = PlatformMocks,
) -> Built:
    """Run the program for `config` under the mocks, recording into `built` (so a caller still sees what was
    recorded when the program raises). `through_entry_point` runs `entry_point` the way Pulumi does (its folder
    as the script) and records resources but no outputs. `program_run` (infra.stack.run unless given) returns
    the exports of `project`; `mocks` makes the mocks that answer it."""
    built = Built() if built is None else built
    if program_run is None:
        from infra.stack import run as program_run

    def program() -> Any:
        if through_entry_point:
            runpy.run_path(str(entry_point), run_name="__main__")
            return None
        outputs = program_run()
        names = list(outputs)

        def collect(values: list[Any]) -> None:
            built.outputs.update(zip(names, values, strict=True))

        async def output_details() -> None:
            for name in names:
                output = pulumi.Output.from_input(outputs[name])
                if await output.is_secret():
                    built.secret_outputs.add(name)
                built.output_dependencies[name] = frozenset([await r.urn.future() for r in await output.resources()])

        return pulumi.Output.all(*outputs.values()).apply(collect), output_details()

    return run_under_mocks(stack, config, program, built, project=project, mocks=mocks)


def run_under_mocks(
    stack: str,
    config: dict[str, Any],
    program: Any,
    built: Built | None = None,
    *,
    project: str = "airflow-aws",
    mocks: Callable[[Built], PlatformMocks] = PlatformMocks,
) -> Built:
    """Run `program()` (anything creating resources) under fresh recording mocks with `config` set."""
    built = Built() if built is None else built
    built.config = config
    answering = mocks(built)
    pulumi.runtime.set_mocks(
        answering,
        project=project,
        stack=stack,
        preview=False,
        monitor=RecordingMonitor(answering),
        # The DIY backends' organization, which fully qualified stack names start with.
        organization=ORGANIZATION,
    )
    pulumi.runtime.set_all_config(
        {key: value if isinstance(value, str) else json.dumps(value) for key, value in config.items()}
    )
    pulumi.runtime.test(program)()
    return built


def statements(resource: Recorded, key: str = "policy") -> list[dict[str, Any]]:
    """The statements of a policy input, each with Action and Resource as lists."""
    document = json.loads(resource.inputs[key])
    return [
        {
            **statement,
            "Action": _as_list(statement["Action"]),
            "Resource": _as_list(statement.get("Resource", [])),
        }
        for statement in document["Statement"]
    ]


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def platform_key(built: Built) -> Recorded:
    """The stack's platform key (encryption.PlatformKey), beside any key of its own a component creates."""
    (key,) = [key for key in built.of_type("aws:kms/key:Key") if key.name.endswith("-kms-key")]
    return key


def descends_from(built: Built, resource: Recorded, ancestor_urn: str) -> bool:
    parent = resource.parent
    while parent:
        if parent == ancestor_urn:
            return True
        parent = built.by_urn(parent).parent if any(r.urn == parent for r in built.resources) else ""
    return False
