"""The API's edge: HTTPS, sign-in, WAF, access logs, deletion protection and task egress,
built by HttpService and checked by the policy pack's rules."""

import json

import pulumi_aws as aws
import pytest
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

from stack.infra.components import HttpService, HttpServiceArgs, WorkerService, WorkerServiceArgs
from stack.infra.components.edge import CognitoAuthentication, Domain, OidcAuthentication
from stack.infra.components.fargate import DatabaseAccess
from stack.infra.conventions import tags_for
from stack.infra.policy import PolicyContext, evaluate
from stack.infra.testing import RecordingMocks, run_program
from stack.infra.tests.test_components import ACCOUNT, LOG_BUCKET, REGION, task_args

PROD = PolicyContext(environment="prod", require_permissions_boundary=True)
CERTIFICATE = f"arn:aws:acm:{REGION}:{ACCOUNT}:certificate/0f4c7d2e"
SECRET_PARAMETER = "/acme-prod-api/OIDC_CLIENT_SECRET"  # noqa: S105 - a parameter name
OIDC = OidcAuthentication(
    issuer="https://idp.example.com",
    authorization_endpoint="https://idp.example.com/authorize",
    token_endpoint="https://idp.example.com/token",  # noqa: S106 - a URL
    user_info_endpoint="https://idp.example.com/userinfo",
    client_id="acme-api",
    client_secret_parameter=SECRET_PARAMETER,
)


def ssm_parameter(args):
    assert args == {"name": SECRET_PARAMETER, "withDecryption": True}
    return {"name": args["name"], "value": "s3cr3t", "type": "SecureString", "arn": "arn:ssm", "id": args["name"]}


def run_api(**args):
    task = args.pop("task", None) or task_args(name="acme-prod-api", tags=tags_for("prod", "prod"))
    mocks = RecordingMocks(
        account_id=ACCOUNT,
        region=REGION,
        invoke_results={"aws:ssm/getParameter:getParameter": ssm_parameter},
    )
    return run_program(
        lambda: HttpService(
            "api",
            HttpServiceArgs(task=task, public_subnet_ids=["subnet-public-a"], access_log_bucket=LOG_BUCKET, **args),
        ),
        project="edge",
        stack="prod",
        mocks=mocks,
    )


def listeners(result):
    """Listener inputs by port, secrets unwrapped."""
    return {r.inputs["port"]: deserialize_properties(r.inputs) for r in result.of_type("aws:lb/listener:Listener")}


def rule_messages(result, rule, context=PROD):
    return [str(v) for v in evaluate(result.resources, context) if v.rule == rule]


def test_prod_without_https_fails_the_policy_naming_the_settings():
    result = run_api(deletion_protection=True)
    [balancer, listener] = rule_messages(result, "https-listeners")
    assert "serves prod traffic without HTTPS: set certificateArn" in balancer
    assert "or domain: {name, hostedZoneId}" in balancer and "Pulumi.prod.yaml" in balancer
    assert "'api-http': serves plain HTTP in prod" in listener
    # Test and preview stacks may serve plain HTTP.
    assert not rule_messages(result, "https-listeners", PolicyContext(environment="test"))


def test_with_a_certificate_443_serves_tls_1_2_plus_and_80_only_redirects():
    result = run_api(certificate_arn=CERTIFICATE, deletion_protection=True)
    found = listeners(result)
    assert set(found) == {443, 80}
    assert (found[443]["protocol"], found[443]["sslPolicy"]) == ("HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert found[443]["certificateArn"] == CERTIFICATE
    assert [a["type"] for a in found[443]["defaultActions"]] == ["forward"]
    assert found[80]["defaultActions"] == [
        {"type": "redirect", "redirect": {"port": "443", "protocol": "HTTPS", "statusCode": "HTTP_301"}}
    ]
    assert not evaluate(result.resources, PROD)
    ingress = {
        r.inputs["fromPort"] for r in result.of_type("aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule")
    }
    assert {443, 80} <= ingress


def test_an_old_tls_policy_is_caught_everywhere():
    def program():
        aws.lb.Listener(
            "old",
            load_balancer_arn="arn:lb",
            port=443,
            protocol="HTTPS",
            ssl_policy="ELBSecurityPolicy-2016-08",
            certificate_arn=CERTIFICATE,
            default_actions=[aws.lb.ListenerDefaultActionArgs(type="forward", target_group_arn="arn:tg")],
        )

    result = run_program(program, project="edge", stack="test", mocks=RecordingMocks(account_id=ACCOUNT, region=REGION))
    [message] = rule_messages(result, "https-listeners", PolicyContext(environment="test"))
    assert "ELBSecurityPolicy-2016-08" in message and "TLS13-1-2-2021-06" in message


def test_a_domain_gets_a_dns_validated_certificate_and_an_alias():
    domain = Domain(name="api.example.com", hosted_zone_id="Z0123456789ABC")
    result = run_api(domain=domain, deletion_protection=True)
    certificate = result.one("aws:acm/certificate:Certificate")
    assert (certificate.inputs["domainName"], certificate.inputs["validationMethod"]) == ("api.example.com", "DNS")
    validation = result.one("aws:acm/certificateValidation:CertificateValidation")
    https = result.one("aws:lb/listener:Listener", "api-https")
    assert https.property_dependencies["certificateArn"] == [validation.urn]
    records = {r.inputs["type"]: r for r in result.of_type("aws:route53/record:Record") if "type" in r.inputs}
    assert records["A"].inputs["name"] == "api.example.com"
    assert records["A"].inputs["zoneId"] == "Z0123456789ABC"
    assert not evaluate(result.resources, PROD)


def test_oidc_sign_in_reads_its_secret_from_ssm_and_leaves_health_open():
    result = run_api(certificate_arn=CERTIFICATE, authentication=OIDC, deletion_protection=True)
    actions = listeners(result)[443]["defaultActions"]
    assert [(a["type"], a["order"]) for a in actions] == [("authenticate-oidc", 1), ("forward", 2)]
    oidc = actions[0]["authenticateOidc"]
    assert (oidc["clientId"], oidc["clientSecret"], oidc["issuer"]) == ("acme-api", "s3cr3t", "https://idp.example.com")
    # Marked secret: Pulumi keeps it encrypted in the state and masks it in previews.
    raw = result.one("aws:lb/listener:Listener", "api-https").inputs["defaultActions"]
    assert raw["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"
    open_paths = result.one("aws:lb/listenerRule:ListenerRule", "api-open-paths")
    assert open_paths.inputs["conditions"] == [{"pathPattern": {"values": ["/health", "/ready"]}}]
    assert [a["type"] for a in open_paths.inputs["actions"]] == ["forward"]
    # The target group's own health checks go straight to the tasks.
    assert result.one("aws:lb/targetGroup:TargetGroup").inputs["healthCheck"]["path"] == "/health"
    assert not evaluate(result.resources, PROD)


def test_cognito_sign_in():
    cognito = CognitoAuthentication(
        user_pool_arn=f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/pool",
        user_pool_client_id="client",
        user_pool_domain="acme-auth",
    )
    result = run_api(certificate_arn=CERTIFICATE, authentication=cognito, deletion_protection=True)
    [sign_in, _forward] = listeners(result)[443]["defaultActions"]
    assert sign_in["type"] == "authenticate-cognito"
    assert sign_in["authenticateCognito"]["userPoolDomain"] == "acme-auth"


def test_sign_in_without_https_is_refused():
    with pytest.raises(ValueError, match="authentication needs HTTPS"):
        run_api(authentication=OIDC)


def test_waf_blocks_a_client_over_the_rate_limit():
    result = run_api(certificate_arn=CERTIFICATE, waf_rate_limit=500, deletion_protection=True)
    acl = result.one("aws:wafv2/webAcl:WebAcl")
    assert acl.inputs["scope"] == "REGIONAL" and "allow" in acl.inputs["defaultAction"]
    [rule] = acl.inputs["rules"]
    assert rule["statement"]["rateBasedStatement"] == {"limit": 500, "aggregateKeyType": "IP"}
    assert "block" in rule["action"]
    association = result.one("aws:wafv2/webAclAssociation:WebAclAssociation")
    balancer = result.one("aws:lb/loadBalancer:LoadBalancer")
    assert association.property_dependencies["resourceArn"] == [balancer.urn]
    assert not evaluate(result.resources, PROD)


def test_access_logs_always_and_deletion_protection_in_prod():
    protected = run_api(certificate_arn=CERTIFICATE, deletion_protection=True)
    balancer = protected.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert balancer["accessLogs"] == {"bucket": LOG_BUCKET, "prefix": "acme-prod-api", "enabled": True}
    assert balancer["enableDeletionProtection"] is True
    unprotected = run_api(certificate_arn=CERTIFICATE)
    [message] = rule_messages(unprotected, "load-balancer-logs-and-protection")
    assert "prod load balancer without deletion protection" in message
    assert not rule_messages(unprotected, "load-balancer-logs-and-protection", PolicyContext(environment="test"))


def test_tasks_send_https_only_plus_the_database_port_to_its_group():
    task = task_args(
        name="acme-prod-api",
        tags=tags_for("prod", "prod"),
        database=DatabaseAccess(port=5432, security_group_id="sg-database"),
    )
    result = run_api(task=task, certificate_arn=CERTIFICATE, deletion_protection=True)
    tasks_group = result.one("aws:ec2/securityGroup:SecurityGroup", "api-task-sg")
    egress = [
        r.inputs
        for r in result.of_type("aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule")
        if r.property_dependencies.get("securityGroupId") == [tasks_group.urn]
    ]
    assert sorted(
        (e["ipProtocol"], e["fromPort"], e["toPort"], e.get("cidrIpv4"), e.get("referencedSecurityGroupId"))
        for e in egress
    ) == [
        ("tcp", 443, 443, "0.0.0.0/0", None),
        ("tcp", 5432, 5432, None, "sg-database"),
    ]
    assert not evaluate(result.resources, PROD)


def test_open_task_egress_is_caught():
    def program():
        worker = WorkerService(
            "worker",
            WorkerServiceArgs(
                task=task_args("acme-test-worker"), queue_name="acme-test-jobs", dead_letter_queue_name="acme-test-dlq"
            ),
        )
        aws.vpc.SecurityGroupEgressRule(
            "anything", security_group_id=worker.security_group_id, cidr_ipv4="0.0.0.0/0", ip_protocol="-1"
        )

    result = run_program(program, project="edge", stack="test", mocks=RecordingMocks(account_id=ACCOUNT, region=REGION))
    [message] = rule_messages(result, "task-egress-https-only", PolicyContext(environment="test"))
    assert "'anything': lets tasks send -1" in message and "only tcp 443" in message


def test_oidc_secret_never_appears_in_the_task_definition():
    result = run_api(certificate_arn=CERTIFICATE, authentication=OIDC, deletion_protection=True)
    assert "s3cr3t" not in json.dumps(result.one("aws:ecs/taskDefinition:TaskDefinition").inputs)


def test_the_https_rule_runs_in_a_preview_where_the_new_certificate_is_unknown():
    result = run_api(domain=Domain(name="api.example.com", hosted_zone_id="Z1"), deletion_protection=True)
    https = result.one("aws:lb/listener:Listener", "api-https")
    https.inputs["certificateArn"] = UNKNOWN_STRING_VALUE  # as a first preview sends it
    assert not rule_messages(result, "https-listeners")
