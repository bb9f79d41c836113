"""The EKS cluster (pulumi-eks) with managed node groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from infra.config_rules import component_input_error, eks_problems
from infra.config_sections import EksConfig

SERVICE_CIDR = "172.20.0.0/16"
"""The cluster's Service CIDR: what EKS picks for a VPC in 10.0.0.0/8 anyway, set so that it is known before the
cluster exists (the NetworkPolicies of pod launchers name the `kubernetes` Service's ClusterIP by it)."""
CONTROL_PLANE_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"]
NODE_MANAGED_POLICIES = (
    "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
)
NODE_GROUP_LABEL = "airflow-aws/node-group"
"""Every node carries its group's name under this label."""
API_PORT = 443
CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
"""EKS's access policy for cluster administrators: what the workloads stage needs to install charts and CRDs.
https://docs.aws.amazon.com/eks/latest/userguide/access-policy-permissions.html"""


@dataclass(frozen=True)
class ClusterArgs:
    cluster_name: str
    """The EKS cluster's name, e.g. airflow-dev: fixed, so `aws eks update-kubeconfig --name` and the add-ons that
    take a cluster name can be written down before it exists."""
    vpc_id: pulumi.Input[str]
    """VPC of the cluster."""
    private_subnet_ids: list[pulumi.Input[str]]
    """Nodes and the control plane's network interfaces live here."""
    public_subnet_ids: list[pulumi.Input[str]]
    """For Internet-facing load balancers only."""
    eks: EksConfig
    """The stack's eks section: Kubernetes version, whether the API endpoint is also public (the private one is
    always on; note: then publicAccessCidrs must list the networks allowed in), the networks the workloads stage
    deploys from (deployerCidrs, admitted on 443 to the private endpoint), the roles it runs as besides the
    cluster's creator (deployerRoleArns, given access entries) and the managed node groups, at
    least one (the default node group is skipped), each named uniquely, which also labels its nodes
    airflow-aws/node-group. https://docs.aws.amazon.com/eks/latest/userguide/kubernetes-versions.html"""
    kms_key_arn: pulumi.Input[str]
    """Envelope encryption of Kubernetes Secrets and the nodes' root volumes (the key policy must admit the Auto
    Scaling service-linked role). https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html"""
    node_policy: Mapping[str, Any] | None = None
    """An inline policy document the nodes need beyond NODE_MANAGED_POLICIES: the ECR pull-through cache's
    import on a first pull (chart_images.pull_through_cache_policy). Defaults to none."""
    node_prerequisites: Sequence[pulumi.Resource] = field(default_factory=tuple)
    """What nodes need before they boot: the private subnets' routes out (NAT) and their associations. A
    managed node group whose nodes cannot reach EC2, ECR and the API fails to join
    (NodeCreationFailure). Defaults to none."""


class Cluster(pulumi.ComponentResource):
    """pulumi_eks.Cluster (private endpoint, OIDC provider, KMS secrets encryption, all control-plane logs,
    API authentication mode with a cluster-admin access entry per deployer role, no default node group and no
    extra security groups: EKS's own cluster security group serves the control plane and the nodes; VPC CNI
    network policy enforcement on, a fixed Service CIDR), an aws.iam.Role for nodes with the three AWS-managed node
    policies and an aws.iam.RolePolicy with args.node_policy when given, an
    aws.vpc.SecurityGroupIngressRule per deployer network (443 to the API), and one pulumi_eks.ManagedNodeGroup
    per node group in private subnets, each with an aws.ec2.LaunchTemplate (KMS-encrypted gp3 root volume,
    IMDSv2 only, hop limit 1)."""

    kubeconfig: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_provider_url: pulumi.Output[str]
    security_group_id: pulumi.Output[str]
    node_groups: pulumi.Output[list[str]]

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:cluster:Cluster", name, None, opts)
        if problems := eks_problems(args.eks):
            raise pulumi.RunError(component_input_error(name, "Cluster", problems))
        child = pulumi.ResourceOptions(parent=self)
        node_role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=pulumi.Output.json_dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {"Service": "ec2.amazonaws.com"},
                            "Action": "sts:AssumeRole",
                        }
                    ],
                }
            ),
            opts=child,
        )
        node_policies: list[pulumi.Resource] = [
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{policy_arn.rsplit('/', 1)[1]}",
                role=node_role.name,
                policy_arn=policy_arn,
                opts=pulumi.ResourceOptions(parent=node_role),
            )
            for policy_arn in NODE_MANAGED_POLICIES
        ]
        if args.node_policy is not None:
            node_policies.append(
                aws.iam.RolePolicy(
                    f"{name}-node-policy",
                    role=node_role.id,
                    policy=pulumi.Output.json_dumps(args.node_policy),
                    opts=pulumi.ResourceOptions(parent=node_role),
                )
            )
        cluster = eks.Cluster(
            f"{name}-eks",
            name=args.cluster_name,
            vpc_id=args.vpc_id,
            private_subnet_ids=args.private_subnet_ids,
            public_subnet_ids=args.public_subnet_ids,
            node_associate_public_ip_address=False,
            version=args.eks.version,
            endpoint_private_access=True,
            endpoint_public_access=args.eks.endpoint_public_access,
            public_access_cidrs=args.eks.public_access_cidrs or None,
            create_oidc_provider=True,
            encryption_config_key_arn=args.kms_key_arn,
            enabled_cluster_log_types=CONTROL_PLANE_LOG_TYPES,
            # Access entries, not the aws-auth ConfigMap. Managed node groups get theirs from EKS itself, and
            # pulumi-eks refuses instance_roles in this mode.
            authentication_mode="API",
            kubernetes_service_ip_address_range=SERVICE_CIDR,
            # The creator of the cluster is its admin (pulumi-eks bootstraps it); any other deployer needs an entry.
            access_entries={
                f"deployer-{index}": eks.AccessEntryArgs(
                    principal_arn=arn,
                    access_policies={
                        "admin": eks.AccessPolicyAssociationArgs(
                            policy_arn=CLUSTER_ADMIN_POLICY,
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                        )
                    },
                )
                for index, arn in enumerate(args.eks.deployer_role_arns)
            }
            or None,
            skip_default_node_group=True,
            # pulumi-eks's own security groups serve self-managed nodes only; managed nodes and the control
            # plane share the cluster security group EKS creates, which the data stores admit.
            skip_default_security_groups=True,
            # The chart's NetworkPolicies are enforced only with the VPC CNI's network policy agent on.
            vpc_cni_options=eks.VpcCniOptionsArgs(enable_network_policy=True),
            opts=child,
        )
        for cidr in args.eks.deployer_cidrs:
            # Where `pulumi up` of the workloads stage runs from (a VPN, Direct Connect, a runner in the VPC):
            # the private endpoint admits nothing else on its own.
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-api-from-{cidr.replace('.', '-').replace('/', '-')}",
                security_group_id=cluster.cluster_security_group_id,
                description=f"Kubernetes API from the deployer network {cidr}",
                ip_protocol="tcp",
                from_port=API_PORT,
                to_port=API_PORT,
                cidr_ipv4=cidr,
                opts=pulumi.ResourceOptions(parent=cluster),
            )
        groups = []
        for group in args.eks.node_groups:
            # Encrypted root volume, and IMDSv2 with one hop so pods cannot borrow the node role.
            template = aws.ec2.LaunchTemplate(
                f"{name}-{group.name}-lt",
                block_device_mappings=[
                    aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                        device_name="/dev/xvda",
                        ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                            volume_size=group.disk_size_gb,
                            volume_type="gp3",
                            encrypted="true",
                            kms_key_id=args.kms_key_arn,
                            delete_on_termination="true",
                        ),
                    )
                ],
                metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                    http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
                ),
                opts=pulumi.ResourceOptions(parent=cluster),
            )
            # The node group's EKS name is Pulumi's autoname of this logical name (create-before-delete on
            # replacement); config_rules bounds it by EKS's 63 characters.
            managed = eks.ManagedNodeGroup(
                f"{name}-{group.name}",
                cluster=cluster,
                node_role=node_role,
                subnet_ids=args.private_subnet_ids,
                instance_types=group.instance_types,
                launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                    id=template.id, version=template.latest_version.apply(str)
                ),
                scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                    min_size=group.min_size, max_size=group.max_size, desired_size=group.desired_size
                ),
                labels={NODE_GROUP_LABEL: group.name},
                # The role's policies must be attached before nodes boot (they join with them) and detached only
                # after the group is gone (EKS deletes its instances and interfaces with them).
                opts=pulumi.ResourceOptions(parent=cluster, depends_on=[*node_policies, *args.node_prerequisites]),
            )
            groups.append(managed.node_group.apply(lambda _, label=group.name: label))
        self.kubeconfig = pulumi.Output.secret(cluster.kubeconfig_json)
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.oidc_provider_url = cluster.oidc_provider_url
        self.security_group_id = cluster.cluster_security_group_id
        self.node_groups = pulumi.Output.all(*groups)
        self.register_outputs(
            {
                "kubeconfig": self.kubeconfig,
                "oidc_provider_arn": self.oidc_provider_arn,
                "oidc_provider_url": self.oidc_provider_url,
                "security_group_id": self.security_group_id,
                "node_groups": self.node_groups,
            }
        )
