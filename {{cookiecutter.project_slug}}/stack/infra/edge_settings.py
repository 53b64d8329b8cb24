"""The stack settings for an API's edge: HTTPS, sign-in, WAF and the API docs.

In Pulumi.<stack>.yaml (keys of the project's namespace):

    certificateArn: arn:aws:acm:<region>:<account>:certificate/<id>
    domain: {name: api.example.com, hostedZoneId: Z0123456789ABC}   # or: the stack requests one
    authentication:                                                 # optional
      type: oidc
      issuer: https://idp.example.com
      authorizationEndpoint: https://idp.example.com/authorize
      tokenEndpoint: https://idp.example.com/token
      userInfoEndpoint: https://idp.example.com/userinfo
      clientId: my-client
      clientSecretParameter: /acme-prod-reports-api/OIDC_CLIENT_SECRET
    # or {type: cognito, userPoolArn, userPoolClientId, userPoolDomain}
    waf: {rateLimit: 2000}                                          # optional
    apiDocs: true                                                   # /docs in prod

See docs/operations.md. Prod without a certificate or a domain fails the policy pack.
"""

import re
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, fields
from typing import Any

from stack.infra.components.edge import Authentication, CognitoAuthentication, Domain, OidcAuthentication

_CERTIFICATE_ARN = re.compile(r"arn:aws[a-z-]*:acm:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):certificate/.+")


@dataclass(frozen=True)
class EdgeSettings:
    certificate_arn: str | None = None
    domain: Domain | None = None
    authentication: Authentication | None = None
    waf_rate_limit: int | None = None
    # Whether the API serves /docs and /openapi.json (DOCS_ENABLED in the container).
    api_docs: bool = True

    def check_certificate_region(self, region: str, account_id: str) -> None:
        match = _CERTIFICATE_ARN.fullmatch(self.certificate_arn or "")
        if match and (match["region"], match["account"]) != (region, account_id):
            raise ValueError(
                f"config 'certificateArn' is in {match['region']}/{match['account']}: the load balancer needs a "
                f"certificate of its own region and account ({region}/{account_id})"
            )


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _object(cls: type, values: Any, key: str, *, skip: tuple[str, ...] = ()) -> Any:
    """``cls`` from a config object whose keys are its fields in camelCase."""
    known = {_camel(f.name): f for f in fields(cls)}
    if not isinstance(values, Mapping):
        raise ValueError(f"config {key!r} must be an object with {sorted(known)}")
    unknown = set(values) - set(known) - set(skip)
    if unknown:
        raise ValueError(f"config {key!r} has unknown settings {sorted(unknown)}; use {sorted(known)}")
    required = {name for name, f in known.items() if f.default is MISSING and f.default_factory is MISSING}
    missing = sorted(required - set(values))
    if missing:
        raise ValueError(f"config {key!r} lacks {missing}")
    return cls(**{known[name].name: str(value) for name, value in values.items() if name in known})


def parse_authentication(values: Any) -> Authentication:
    kinds = {"oidc": OidcAuthentication, "cognito": CognitoAuthentication}
    kind = values.get("type") if isinstance(values, Mapping) else None
    if kind not in kinds:
        raise ValueError(f"config 'authentication.type' must be one of {sorted(kinds)}, got {kind!r}")
    authentication = _object(kinds[kind], values, "authentication", skip=("type",))
    if isinstance(authentication, OidcAuthentication) and not authentication.client_secret_parameter.startswith("/"):
        raise ValueError(
            "config 'authentication.clientSecretParameter' must be an SSM parameter name such as "
            f"/<prefix>-api/OIDC_CLIENT_SECRET, got {authentication.client_secret_parameter!r}"
        )
    return authentication


def load_edge_settings(config: Any, *, is_prod: bool) -> EdgeSettings:
    """Read the settings from a ``pulumi.Config``; ``apiDocs`` defaults to off in prod."""
    certificate_arn = config.get("certificateArn")
    if certificate_arn and not _CERTIFICATE_ARN.fullmatch(certificate_arn):
        raise ValueError(
            f"config 'certificateArn' {certificate_arn!r} is not an ACM certificate ARN "
            "(arn:aws:acm:<region>:<account>:certificate/<id>)"
        )
    domain_values = config.get_object("domain")
    domain = _object(Domain, domain_values, "domain") if domain_values is not None else None
    if certificate_arn and domain:
        raise ValueError("config sets both 'certificateArn' and 'domain': keep one")
    authentication_values = config.get_object("authentication")
    authentication = parse_authentication(authentication_values) if authentication_values is not None else None
    if authentication and not (certificate_arn or domain):
        raise ValueError("config 'authentication' needs HTTPS: set 'certificateArn' or 'domain' too")
    waf = config.get_object("waf")
    if waf is not None and (not isinstance(waf, Mapping) or set(waf) != {"rateLimit"}):
        raise ValueError(
            f"config 'waf' must be an object with only rateLimit (requests per IP per 5 minutes), got {waf!r}"
        )
    api_docs = config.get_bool("apiDocs")
    return EdgeSettings(
        certificate_arn=certificate_arn,
        domain=domain,
        authentication=authentication,
        waf_rate_limit=int(waf["rateLimit"]) if waf is not None else None,
        api_docs=(not is_prod) if api_docs is None else api_docs,
    )
