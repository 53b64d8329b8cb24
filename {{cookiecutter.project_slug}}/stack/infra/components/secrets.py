"""A Fargate service's secrets: SSM Parameter Store SecureStrings under its own path.

Pulumi owns each parameter's existence, type, KMS key and tags; people own the value,
which never passes through Pulumi state or git. A new parameter starts with a
placeholder value and ``ignore_changes`` keeps Pulumi from ever resetting a value set
later with ``aws ssm put-parameter --overwrite`` (docs/operations.md, "Secrets").
"""

import re
from collections.abc import Mapping, Sequence

import pulumi
import pulumi_aws as aws

# What a parameter holds until someone sets it; the task reads it like any other value.
PLACEHOLDER = "unset: see docs/operations.md#secrets"
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9_]*")


def parameter_name(service_name: str, secret: str) -> str:
    """``/acme-prod-reports-api/DATABASE_URL``: under the service's own name, so the CI role of
    an environment (``acme-prod-*``) can manage it and no other service's role can read it."""
    return f"/{service_name}/{secret}"


def parameter_arn(region: str, account_id: str, name: str) -> str:
    # A hierarchical name's leading slash is not repeated after "parameter".
    return f"arn:aws:ssm:{region}:{account_id}:parameter/{name.lstrip('/')}"


class ServiceSecrets(pulumi.ComponentResource):
    """One SecureString parameter per secret name, encrypted with the environment's key.

    ``arns`` maps each secret (the environment variable the container sees) to its
    parameter ARN, for the task definition's ``secrets`` and the execution role's policy.
    """

    arns: dict[str, str]

    def __init__(
        self,
        resource_name: str,
        *,
        service_name: str,
        secrets: Sequence[str],
        key_arn: pulumi.Input[str],
        region: str,
        account_id: str,
        tags: Mapping[str, str],
        generated: Sequence[str] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``generated`` secrets start with a random value from Secrets Manager's generator
        (never the placeholder): keys the platform needs from the first deploy on."""
        super().__init__("pantstack:aws:ServiceSecrets", resource_name, None, opts)
        bad = [s for s in secrets if not _ENV_NAME.fullmatch(s)]
        if bad:
            raise ValueError(f"{service_name}: secret names must be environment variable names (A-Z, 0-9, _): {bad}")
        if len(set(secrets)) != len(secrets):
            raise ValueError(f"{service_name}: secret names repeat: {sorted(secrets)}")
        unknown = sorted(set(generated) - set(secrets))
        if unknown:
            raise ValueError(f"{service_name}: generated secrets {unknown} are not among its secrets")
        self.arns = {}
        self.parameters: list[aws.ssm.Parameter] = []
        for secret in secrets:
            name = parameter_name(service_name, secret)
            first_value: pulumi.Input[str] = PLACEHOLDER
            if secret in generated:
                first_value = aws.secretsmanager.get_random_password_output(
                    password_length=48, exclude_punctuation=True, opts=pulumi.InvokeOptions(parent=self)
                ).random_password
            self.parameters.append(
                aws.ssm.Parameter(
                    f"{resource_name}-{secret.lower().replace('_', '-')}",
                    name=name,
                    type="SecureString",
                    key_id=key_arn,
                    value=pulumi.Output.secret(first_value),
                    description=f"{secret} of {service_name}; set with aws ssm put-parameter --overwrite",
                    tags=dict(tags),
                    opts=pulumi.ResourceOptions(parent=self, ignore_changes=["value", "insecureValue"]),
                )
            )
            self.arns[secret] = parameter_arn(region, account_id, name)
        self.register_outputs({"arns": self.arns})
