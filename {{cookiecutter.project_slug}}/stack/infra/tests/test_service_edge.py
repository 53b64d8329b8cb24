"""A service stack's edge settings, read from its stack config (stack.infra.edge_settings)."""

import json

import pytest

from stack.infra.conventions import AWS_ACCOUNT_ID, AWS_REGION, FOUNDATION_PROJECT, FOUNDATION_STACK, PROJECT_SLUG
from stack.infra.policy import PolicyContext, evaluate
from stack.infra.service_stack import ServiceSpec, deploy
from stack.infra.testing import IMAGE_DIGESTS, RecordingMocks, foundation_outputs, run_program

FOUNDATION = foundation_outputs(AWS_ACCOUNT_ID, AWS_REGION, PROJECT_SLUG)
CERTIFICATE = f"arn:aws:acm:{AWS_REGION}:{AWS_ACCOUNT_ID}:certificate/0f4c7d2e"
SPEC = ServiceSpec(name="edge", env_prefix="EDGE_")


def run_service(stack, **config):
    mocks = RecordingMocks(
        account_id=AWS_ACCOUNT_ID,
        region=AWS_REGION,
        stack_outputs={f"organization/{FOUNDATION_PROJECT}/{FOUNDATION_STACK}": FOUNDATION},
    )
    config = {"imageTag": "sha-1", "imageDigests": IMAGE_DIGESTS, **config}
    return run_program(lambda: deploy(SPEC), project="edge", stack=stack, config=config, mocks=mocks)


def api_environment(result):
    task = next(
        t for t in result.of_type("aws:ecs/taskDefinition:TaskDefinition") if t.inputs["family"].endswith("-api")
    )
    [container] = json.loads(task.inputs["containerDefinitions"])
    return {e["name"]: e["value"] for e in container["environment"]}


def prod_violations(result):
    return evaluate(result.resources, PolicyContext(environment="prod", require_permissions_boundary=True))


def test_prod_stack_without_https_fails_the_pack_naming_the_setting():
    violations = prod_violations(run_service("prod"))
    assert {v.rule for v in violations} == {"https-listeners"}
    assert any("set certificateArn" in v.message and "Pulumi.prod.yaml" in v.message for v in violations)


def test_prod_stack_with_a_certificate_is_https_logged_protected_and_hides_its_docs():
    result = run_service("prod", certificateArn=CERTIFICATE)
    assert prod_violations(result) == []
    balancer = result.one("aws:lb/loadBalancer:LoadBalancer").inputs
    assert balancer["enableDeletionProtection"] is True
    assert balancer["accessLogs"]["bucket"] == FOUNDATION["accessLogBuckets"]["prod"]
    assert result.outputs["apiUrl"].startswith("https://")
    # The API factory reads DOCS_ENABLED: no /docs or /openapi.json in prod by default.
    assert api_environment(result)["DOCS_ENABLED"] == "false"
    assert api_environment(run_service("prod", certificateArn=CERTIFICATE, apiDocs=True))["DOCS_ENABLED"] == "true"


def test_test_stacks_serve_http_keep_docs_and_can_be_deleted():
    result = run_service("test")
    assert evaluate(result.resources, PolicyContext(environment="test", require_permissions_boundary=True)) == []
    assert result.one("aws:lb/loadBalancer:LoadBalancer").inputs["enableDeletionProtection"] is False
    assert api_environment(result)["DOCS_ENABLED"] == "true"
    assert result.outputs["apiUrl"].startswith("http://")


def test_domain_sign_in_and_waf_come_from_the_stack_config():
    result = run_service(
        "prod",
        domain={"name": "edge.example.com", "hostedZoneId": "Z0123456789ABC"},
        authentication={
            "type": "cognito",
            "userPoolArn": f"arn:aws:cognito-idp:{AWS_REGION}:{AWS_ACCOUNT_ID}:userpool/pool",
            "userPoolClientId": "client",
            "userPoolDomain": "acme-auth",
        },
        waf={"rateLimit": 1000},
    )
    assert prod_violations(result) == []
    assert result.outputs["apiUrl"] == "https://edge.example.com"
    assert result.one("aws:wafv2/webAcl:WebAcl").inputs["rules"][0]["statement"]["rateBasedStatement"]["limit"] == 1000
    https = result.one("aws:lb/listener:Listener", "api-https").inputs
    assert [a["type"] for a in https["defaultActions"]] == ["authenticate-cognito", "forward"]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"certificateArn": "my-cert"}, "is not an ACM certificate ARN"),
        ({"certificateArn": f"arn:aws:acm:us-east-1:{AWS_ACCOUNT_ID}:certificate/x"}, "of its own region and account"),
        (
            {"certificateArn": CERTIFICATE, "domain": {"name": "a.example.com", "hostedZoneId": "Z1"}},
            "both 'certificateArn' and 'domain'",
        ),
        ({"domain": {"name": "a.example.com"}}, "config 'domain' lacks \\['hostedZoneId'\\]"),
        ({"domain": {"name": "a.example.com", "hostedZoneId": "Z1", "ttl": 60}}, "unknown settings \\['ttl'\\]"),
        ({"authentication": {"type": "saml"}}, "'authentication.type' must be one of \\['cognito', 'oidc'\\]"),
        (
            {"authentication": {"type": "cognito", "userPoolArn": "a", "userPoolClientId": "b"}},
            "lacks \\['userPoolDomain'\\]",
        ),
        (
            {
                "certificateArn": CERTIFICATE,
                "authentication": {
                    "type": "oidc",
                    "issuer": "i",
                    "authorizationEndpoint": "a",
                    "tokenEndpoint": "t",
                    "userInfoEndpoint": "u",
                    "clientId": "c",
                    "clientSecretParameter": "secret",
                },
            },
            "must be an SSM parameter name",
        ),
        (
            {"authentication": {"type": "cognito", "userPoolArn": "a", "userPoolClientId": "b", "userPoolDomain": "d"}},
            "needs HTTPS",
        ),
        ({"waf": {"limit": 5}}, "config 'waf' must be an object with only rateLimit"),
    ],
)
def test_bad_edge_settings_are_refused_with_the_setting_named(config, message):
    with pytest.raises(ValueError, match=message):
        run_service("prod", **config)
