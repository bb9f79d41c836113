"""The ECR repository for the project's Airflow image."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class ImageRegistryArgs:
    repository_name: str
    """ECR repository name, e.g. airflow-dev/airflow."""
    kms_key_arn: pulumi.Input[str]
    """Key encrypting the images."""
    disposable: bool = False
    """Destroyed with the stack and created again at once (dev stacks): the repository is deleted with its
    images (ECR otherwise refuses to delete a repository that holds any). Defaults to false."""
    untagged_expiry_days: int = 14
    """Untagged images (failed or superseded pushes) expire after this many days. Defaults to 14."""


class ImageRegistry(pulumi.ComponentResource):
    """aws.ecr.Repository with immutable tags, scan on push and KMS encryption, plus an
    aws.ecr.LifecyclePolicy expiring untagged images."""

    repository_url: pulumi.Output[str]

    def __init__(self, name: str, args: ImageRegistryArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("airflow-aws:registry:ImageRegistry", name, None, opts)
        repository = aws.ecr.Repository(
            f"{name}-repo",
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE",
            force_delete=args.disposable,
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS", kms_key=args.kms_key_arn)
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=repository.name,
            policy=pulumi.Output.json_dumps(
                {
                    "rules": [
                        {
                            "rulePriority": 1,
                            "description": "expire untagged images",
                            "selection": {
                                "tagStatus": "untagged",
                                "countType": "sinceImagePushed",
                                "countUnit": "days",
                                "countNumber": args.untagged_expiry_days,
                            },
                            "action": {"type": "expire"},
                        }
                    ]
                }
            ),
            opts=pulumi.ResourceOptions(parent=repository),
        )
        self.repository_url = repository.repository_url
        self.register_outputs({"repository_url": self.repository_url})
