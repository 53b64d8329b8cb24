"""Who GitHub says a job is, and which jobs each CI role trusts.

GitHub issues every job an OIDC token whose ``sub`` claim is built from the repository's
subject-claim template: the claim keys of ``subject_claim_keys`` in that order. The GitHub
settings program (``stack/infra/foundation/github``) sets that template and the foundation
writes the roles' trust policies from the same keys, so the two cannot drift apart.

The template includes ``job_workflow_ref`` (the workflow file and ref a job runs from), so
the prod role trusts only ``deploy-stacks.yml`` of ``main`` running in the ``prod``
environment: another workflow of the repository that names ``environment: prod`` gets a
different subject and is refused.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

GITHUB_OIDC_URL = "https://token.actions.githubusercontent.com"
GITHUB_OIDC_HOST = GITHUB_OIDC_URL.removeprefix("https://")

# Names survive until the repository is renamed or re-created; the numeric ids do not.
NAMED_CLAIM_KEYS = ("repo", "context", "job_workflow_ref")
IMMUTABLE_CLAIM_KEYS = ("repository_owner_id", "repository_id", "context", "job_workflow_ref")


@dataclass(frozen=True)
class TrustedJobs:
    """The jobs that may assume one GitHub environment's role: its workflow files, from a
    fixed ref, or from any ref (``None``: pull request refs are ``refs/pull/<n>/merge``)."""

    environment: str
    workflows: tuple[str, ...]
    ref: str | None


# deploy-stacks.yml is the reusable workflow that assumes the deploy roles; its
# job_workflow_ref names it (not its caller) at the caller's ref.
TRUSTED_JOBS = {
    "test": TrustedJobs("test", ("deploy-stacks.yml",), "refs/heads/dev"),
    "prod": TrustedJobs("prod", ("deploy-stacks.yml",), "refs/heads/main"),
    "preview": TrustedJobs("preview", ("deploy-stacks.yml", "preview.yml", "preview-sweeper.yml"), None),
    "foundation": TrustedJobs("foundation", ("foundation.yml",), None),
}


@dataclass(frozen=True)
class GitHubRepository:
    owner: str
    name: str
    owner_id: str | None = None
    repository_id: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def subject_claim_keys(self) -> tuple[str, ...]:
        """With both numeric ids configured, the template that a renamed or re-created
        repository of the same name cannot match."""
        return IMMUTABLE_CLAIM_KEYS if self.owner_id and self.repository_id else NAMED_CLAIM_KEYS

    def claims(self, environment: str, workflow: str, ref: str) -> dict[str, str]:
        """The claims GitHub puts in the token of a job of ``workflow`` at ``ref`` in ``environment``."""
        return {
            "repo": self.full_name,
            "repository_owner_id": self.owner_id or "",
            "repository_id": self.repository_id or "",
            "context": f"environment:{environment}",
            "job_workflow_ref": f"{self.full_name}/.github/workflows/{workflow}@{ref}",
        }

    def trusted_subjects(self, environment: str) -> list[str]:
        """The ``sub`` values the role of ``environment`` accepts (``*`` only as the ref)."""
        jobs = TRUSTED_JOBS[environment]
        return [
            render_subject(self.claims(environment, workflow, jobs.ref or "*"), self.subject_claim_keys)
            for workflow in jobs.workflows
        ]


def render_subject(claims: Mapping[str, str], keys: Sequence[str]) -> str:
    """``sub`` as GitHub builds it from a template: ``key:value`` per key, joined with ``:``;
    the ``context`` claim contributes its value alone (``environment:prod``)."""
    return ":".join(claims[key] if key == "context" else f"{key}:{claims[key]}" for key in keys)


def github_trust_policy(provider_arn: str, subjects: Sequence[str]) -> str:
    """Exact subjects compare with StringEquals; a subject with a ``*`` ref needs StringLike."""
    audience = {f"{GITHUB_OIDC_HOST}:aud": "sts.amazonaws.com"}
    subject = {f"{GITHUB_OIDC_HOST}:sub": list(subjects)}
    if any("*" in s for s in subjects):
        condition = {"StringEquals": audience, "StringLike": subject}
    else:
        condition = {"StringEquals": {**audience, **subject}}
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": condition,
                }
            ],
        }
    )


def github_oidc_provider(
    existing_arn: str | None, tags: Mapping[str, str], opts: pulumi.ResourceOptions | None = None
) -> pulumi.Output[str]:
    """The account's GitHub OIDC provider: adopted when ``existing_arn`` is given (an account
    holds one per URL; read only, never deleted here), created otherwise."""
    if existing_arn:
        return aws.iam.get_open_id_connect_provider_output(arn=existing_arn).arn
    return aws.iam.OpenIdConnectProvider(
        "github", url=GITHUB_OIDC_URL, client_id_lists=["sts.amazonaws.com"], tags=dict(tags), opts=opts
    ).arn
