"""The repository's GitHub settings as code (pulumi-github), so the trust model does not rest
on settings someone must click and nobody checks:

- the OIDC subject-claim template: exactly the claim keys the foundation's trust policies
  are written for (its ``githubSubjectClaimKeys`` output), job_workflow_ref included;
- environments ``test`` (deploys only from ``dev``), ``prod`` (only from ``main``, with
  required reviewers who may not approve their own run, no admin bypass), ``preview`` and
  ``foundation`` (pull requests, whose roles cannot write what test or prod run);
- each environment's ``AWS_ROLE_ARN`` variable, from the foundation's outputs;
- rulesets: ``main`` and ``dev`` only through pull requests that pass CI, never force-pushed
  or deleted; release tags (``*-v*``) never moved or deleted.

``main`` is what ``pulumi up`` runs (through __main__.py); the tests run it under mocks.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_github as github

from stack.infra.conventions import CI_STATUS_CHECK, DEPLOY_BRANCHES, foundation_stack_reference

# Environments and the branch each deploys from; None: any branch (pull requests).
ENVIRONMENT_BRANCHES: dict[str, str | None] = {
    "test": DEPLOY_BRANCHES["test"],
    "prod": DEPLOY_BRANCHES["prod"],
    "preview": None,
    "foundation": None,
}
RELEASE_TAGS = "refs/tags/*-v*"


@dataclass(frozen=True)
class Reviewers:
    users: tuple[int, ...]
    teams: tuple[int, ...]

    @classmethod
    def parse(cls, value: Mapping[str, Any] | None) -> "Reviewers":
        value = value or {}
        unknown = set(value) - {"users", "teams"}
        if unknown:
            raise ValueError(f"config 'prodReviewers' has unknown keys {sorted(unknown)}; use users, teams")
        try:
            users, teams = (tuple(int(i) for i in value.get(key) or ()) for key in ("users", "teams"))
        except (TypeError, ValueError) as error:
            raise ValueError("config 'prodReviewers': users and teams are lists of numeric GitHub ids") from error
        if not users and not teams:
            raise ValueError(
                "config 'prodReviewers' names nobody: prod deploys need at least one reviewer. Add numeric ids, "
                "e.g. `gh api users/<login> --jq .id` under users or `gh api orgs/<org>/teams/<team> --jq .id` "
                "under teams"
            )
        return cls(users=users, teams=teams)


def environment(
    name: str, repository: str, branch: str | None, reviewers: Reviewers | None
) -> github.RepositoryEnvironment:
    env = github.RepositoryEnvironment(
        name,
        repository=repository,
        environment=name,
        # With reviewers: nobody approves their own run, and admins cannot skip the review.
        prevent_self_review=True if reviewers else None,
        can_admins_bypass=False if reviewers else None,
        reviewers=(
            [github.RepositoryEnvironmentReviewerArgs(users=list(reviewers.users), teams=list(reviewers.teams))]
            if reviewers
            else None
        ),
        deployment_branch_policy=(
            github.RepositoryEnvironmentDeploymentBranchPolicyArgs(
                protected_branches=False, custom_branch_policies=True
            )
            if branch
            else None
        ),
    )
    if branch:
        github.RepositoryEnvironmentDeploymentPolicy(
            f"{name}-from-{branch}",
            repository=repository,
            environment=env.environment,
            branch_pattern=branch,
        )
    return env


def ruleset(
    name: str, repository: str, target: str, refs: Sequence[str], rules: github.RepositoryRulesetRulesArgs
) -> None:
    github.RepositoryRuleset(
        name,
        name=name.replace("-", " "),
        repository=repository,
        target=target,
        enforcement="active",
        conditions=github.RepositoryRulesetConditionsArgs(
            ref_name=github.RepositoryRulesetConditionsRefNameArgs(includes=list(refs), excludes=[])
        ),
        rules=rules,
    )


def rulesets(repository: str, branches: Sequence[str]) -> None:
    required_check = github.RepositoryRulesetRulesRequiredStatusChecksRequiredCheckArgs(context=CI_STATUS_CHECK)
    ruleset(
        "deploy-branches",
        repository,
        "branch",
        [f"refs/heads/{branch}" for branch in branches],
        github.RepositoryRulesetRulesArgs(
            deletion=True,
            non_fast_forward=True,
            pull_request=github.RepositoryRulesetRulesPullRequestArgs(
                required_approving_review_count=1,
                dismiss_stale_reviews_on_push=True,
                require_last_push_approval=True,
            ),
            required_status_checks=github.RepositoryRulesetRulesRequiredStatusChecksArgs(
                required_checks=[required_check]
            ),
        ),
    )
    # Creating stays open: the release job creates release tags with the workflow token.
    ruleset(
        "release-tags",
        repository,
        "tag",
        [RELEASE_TAGS],
        github.RepositoryRulesetRulesArgs(deletion=True, update=True, non_fast_forward=True),
    )


def _entry(values: pulumi.Output[Any], key: str) -> pulumi.Output[str]:
    return values.apply(lambda found: str(found[key]))


def main() -> None:
    config = pulumi.Config()
    repository = config.require("repository")
    reviewers = Reviewers.parse(config.get_object("prodReviewers"))
    foundation = pulumi.StackReference(
        config.get("foundationStack") or foundation_stack_reference(pulumi.get_organization())
    )

    # Exactly the keys the foundation's trust policies were rendered with.
    template = github.ActionsRepositoryOidcSubjectClaimCustomizationTemplate(
        "oidc-subject",
        repository=repository,
        use_default=False,
        include_claim_keys=foundation.require_output("githubSubjectClaimKeys"),
    )
    ci_roles = foundation.require_output("ciRoleArns")
    role_arns = {env: _entry(ci_roles, env) for env in ("test", "prod", "preview")}
    role_arns["foundation"] = foundation.require_output("foundationPreviewRoleArn")
    for name, branch in ENVIRONMENT_BRANCHES.items():
        env = environment(name, repository, branch, reviewers if name == "prod" else None)
        github.ActionsEnvironmentVariable(
            f"{name}-aws-role-arn",
            repository=repository,
            environment=env.environment,
            variable_name="AWS_ROLE_ARN",
            value=role_arns[name],
        )
    rulesets(repository, sorted(set(DEPLOY_BRANCHES.values())))

    pulumi.export("subjectClaimKeys", template.include_claim_keys)
    pulumi.export("environments", sorted(ENVIRONMENT_BRANCHES))
