"""What sits in front of an HTTP service: certificate, listener authentication, access log
bucket and WAF web ACL. Each function creates children of the calling component; the
settings come from the stack (stack.infra.edge_settings)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from stack.infra.components.bucket import PrivateBucket

# TLS 1.3 and 1.2 only (see the "https-listeners" policy rule for the accepted ones).
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Paths answered without authentication: load balancer and uptime checks.
UNAUTHENTICATED_PATHS = ("/health", "/ready")


@dataclass(frozen=True)
class Domain:
    """A DNS name in a Route 53 hosted zone: the stack requests an ACM certificate for it,
    validates it with a DNS record and points the name at the load balancer."""

    name: str
    hosted_zone_id: str


@dataclass(frozen=True)
class OidcAuthentication:
    """ALB ``authenticate-oidc``: the client secret is read from an SSM SecureString when
    the stack deploys (ELB stores it; it never appears in the program or the state)."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    user_info_endpoint: str
    client_id: str
    client_secret_parameter: str
    scope: str = "openid"


@dataclass(frozen=True)
class CognitoAuthentication:
    user_pool_arn: str
    user_pool_client_id: str
    user_pool_domain: str


Authentication = OidcAuthentication | CognitoAuthentication


def authenticate_action(authentication: Authentication) -> aws.lb.ListenerDefaultActionArgs:
    """The listener's first action: sign the user in, then the forward action runs."""
    if isinstance(authentication, CognitoAuthentication):
        return aws.lb.ListenerDefaultActionArgs(
            type="authenticate-cognito",
            order=1,
            authenticate_cognito=aws.lb.ListenerDefaultActionAuthenticateCognitoArgs(
                user_pool_arn=authentication.user_pool_arn,
                user_pool_client_id=authentication.user_pool_client_id,
                user_pool_domain=authentication.user_pool_domain,
            ),
        )
    secret = aws.ssm.get_parameter_output(name=authentication.client_secret_parameter, with_decryption=True)
    return aws.lb.ListenerDefaultActionArgs(
        type="authenticate-oidc",
        order=1,
        authenticate_oidc=aws.lb.ListenerDefaultActionAuthenticateOidcArgs(
            issuer=authentication.issuer,
            authorization_endpoint=authentication.authorization_endpoint,
            token_endpoint=authentication.token_endpoint,
            user_info_endpoint=authentication.user_info_endpoint,
            client_id=authentication.client_id,
            client_secret=pulumi.Output.secret(secret.value),
            scope=authentication.scope,
            on_unauthenticated_request="authenticate",
        ),
    )


def create_certificate(
    parent: pulumi.Resource, resource_name: str, domain: Domain, tags: Mapping[str, str]
) -> pulumi.Output[str]:
    """An ACM certificate for ``domain``, validated through Route 53; the ARN is ready once
    ACM has issued it, so the HTTPS listener waits for the validation."""
    child = pulumi.ResourceOptions(parent=parent)
    certificate = aws.acm.Certificate(
        f"{resource_name}-certificate", domain_name=domain.name, validation_method="DNS", tags=dict(tags), opts=child
    )
    option = certificate.domain_validation_options[0]
    record = aws.route53.Record(
        f"{resource_name}-certificate-validation",
        zone_id=domain.hosted_zone_id,
        name=option.resource_record_name,
        type=option.resource_record_type,
        records=[option.resource_record_value],
        ttl=60,
        allow_overwrite=True,
        opts=child,
    )
    validation = aws.acm.CertificateValidation(
        f"{resource_name}-certificate-issued",
        certificate_arn=certificate.arn,
        validation_record_fqdns=[record.fqdn],
        opts=child,
    )
    return validation.certificate_arn


def create_alias(
    parent: pulumi.Resource, resource_name: str, domain: Domain, load_balancer: aws.lb.LoadBalancer
) -> aws.route53.Record:
    return aws.route53.Record(
        f"{resource_name}-dns",
        zone_id=domain.hosted_zone_id,
        name=domain.name,
        type="A",
        aliases=[
            aws.route53.RecordAliasArgs(
                name=load_balancer.dns_name, zone_id=load_balancer.zone_id, evaluate_target_health=True
            )
        ],
        opts=pulumi.ResourceOptions(parent=parent),
    )


def create_access_log_bucket(
    resource_name: str,
    *,
    name: str,
    account_id: str,
    retention_days: int,
    tags: Mapping[str, str],
    opts: pulumi.ResourceOptions | None = None,
) -> PrivateBucket:
    """Where an environment's load balancers write access logs (one prefix each):
    private, SSE-S3 encrypted (the only encryption ELB log delivery supports), objects
    expire after ``retention_days``. Only the region's ELB log delivery may write, and
    only this account's logs."""
    delivery = aws.elb.get_service_account_output()

    def statements(arn: str, elb_account_arn: str) -> list[dict[str, Any]]:
        return [
            {
                "Sid": "ElbLogDelivery",
                "Effect": "Allow",
                "Principal": {
                    "AWS": elb_account_arn,
                    "Service": "logdelivery.elasticloadbalancing.amazonaws.com",
                },
                "Action": "s3:PutObject",
                "Resource": f"{arn}/*/AWSLogs/{account_id}/*",
            }
        ]

    return PrivateBucket(
        resource_name,
        name=name,
        tags=tags,
        versioned=False,
        expire_days=retention_days,
        extra_statements=lambda arn: delivery.arn.apply(lambda elb_arn: statements(arn, elb_arn)),
        opts=opts,
    )


def create_web_acl(
    parent: pulumi.Resource,
    resource_name: str,
    *,
    name: str,
    rate_limit: int,
    load_balancer: aws.lb.LoadBalancer,
    tags: Mapping[str, str],
) -> aws.wafv2.WebAcl:
    """A regional web ACL on the load balancer that blocks a client IP sending more than
    ``rate_limit`` requests in any 5 minutes; everything else is allowed."""
    child = pulumi.ResourceOptions(parent=parent)

    def visibility(metric: str) -> dict[str, Any]:
        return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}

    acl = aws.wafv2.WebAcl(
        f"{resource_name}-waf",
        name=name,
        scope="REGIONAL",
        default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
        rules=[
            aws.wafv2.WebAclRuleArgs(
                name="rate-limit-per-ip",
                priority=1,
                action=aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs()),
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                        limit=rate_limit, aggregate_key_type="IP"
                    )
                ),
                visibility_config=aws.wafv2.WebAclRuleVisibilityConfigArgs(**visibility(f"{name}-rate-limit")),
            )
        ],
        visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(**visibility(name)),
        tags=dict(tags),
        opts=child,
    )
    aws.wafv2.WebAclAssociation(
        f"{resource_name}-waf-association", resource_arn=load_balancer.arn, web_acl_arn=acl.arn, opts=child
    )
    return acl
