"""The GitHub settings program under mocks, fed with the real foundation's outputs: the
subject-claim template it sets is the one the AWS trust policies were written for."""

import json
import runpy
from pathlib import Path

import pytest

from stack.infra.conventions import AWS_ACCOUNT_ID, AWS_REGION, GITHUB_OWNER, GITHUB_REPOSITORY, PULUMI_ORG
from stack.infra.foundation.github import program
from stack.infra.testing import RecordingMocks, load_stack_config, pulumi_project_problems, run_program
from stack.infra.tests.test_foundation import OIDC, run_foundation

PROJECT_DIR = Path("stack/infra/foundation/github")
REVIEWERS = {"users": [1001], "teams": [2002]}
TEMPLATE = (
    "github:index/actionsRepositoryOidcSubjectClaimCustomizationTemplate"
    ":ActionsRepositoryOidcSubjectClaimCustomizationTemplate"
)


def run_settings(foundation_result, entry=program.main, **overrides):
    project, config = load_stack_config(PROJECT_DIR, "shared")
    config.update({"prodReviewers": REVIEWERS, **overrides})
    reference = f"{PULUMI_ORG}/{project.removesuffix('-github')}-foundation/shared"
    mocks = RecordingMocks(
        account_id=AWS_ACCOUNT_ID, region=AWS_REGION, stack_outputs={reference: foundation_result.outputs}
    )
    return run_program(entry, project=project, stack="shared", config=config, mocks=mocks, organization=PULUMI_ORG)


@pytest.fixture(scope="module")
def foundation():
    return run_foundation()


@pytest.fixture(scope="module")
def settings(foundation):
    return run_settings(foundation)


def github_subject(claims, keys):
    """``sub`` as GitHub documents it for a customised template: ``key:value`` per claim key
    in template order, the ``context`` claim as its own value (``environment:prod``)."""
    return ":".join(claims[k] if k == "context" else f"{k}:{claims[k]}" for k in keys)


def token_claims(environment, workflow, ref, owner_id="", repository_id=""):
    """The claims GitHub puts in the OIDC token of a job of ``workflow`` at ``ref``."""
    repo = f"{GITHUB_OWNER}/{GITHUB_REPOSITORY}"
    return {
        "repo": repo,
        "repository_owner_id": owner_id,
        "repository_id": repository_id,
        "context": f"environment:{environment}",
        "job_workflow_ref": f"{repo}/.github/workflows/{workflow}@{ref}",
    }


def trusted_subjects(foundation, environment):
    role = foundation.one("aws:iam/role:Role", f"ci-{environment}")
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    condition = statement["Condition"]
    return (condition.get("StringLike") or condition["StringEquals"])[f"{OIDC}:sub"]


def test_committed_settings_are_this_repository():
    project, config = load_stack_config(PROJECT_DIR, "shared")
    assert pulumi_project_problems(PROJECT_DIR) == []
    assert (config["github:owner"], config["repository"]) == (GITHUB_OWNER, GITHUB_REPOSITORY)
    # A fresh repository names no reviewers yet: applying it says what to add.
    with pytest.raises(ValueError, match="prodReviewers' names nobody.*gh api users/<login>"):
        program.Reviewers.parse(config["prodReviewers"])


@pytest.mark.parametrize(("environment", "ref"), [("prod", "refs/heads/main"), ("test", "refs/heads/dev")])
def test_the_deploy_jobs_token_subject_is_exactly_what_the_role_trusts(foundation, settings, environment, ref):
    [template] = settings.of_type(TEMPLATE)
    assert template.inputs["useDefault"] is False
    keys = template.inputs["includeClaimKeys"]
    assert "job_workflow_ref" in keys
    subject = github_subject(token_claims(environment, "deploy-stacks.yml", ref), keys)
    assert trusted_subjects(foundation, environment) == [subject]
    # A different workflow of the same branch and environment gets another subject: refused.
    other = github_subject(token_claims(environment, "ci.yml", ref), keys)
    assert other not in trusted_subjects(foundation, environment)


def test_immutable_ids_flow_from_the_foundation_into_the_template():
    foundation = run_foundation(githubRepositoryOwnerId="11", githubRepositoryId="22")
    [template] = run_settings(foundation).of_type(TEMPLATE)
    keys = template.inputs["includeClaimKeys"]
    claims = token_claims("prod", "deploy-stacks.yml", "refs/heads/main", owner_id="11", repository_id="22")
    assert trusted_subjects(foundation, "prod") == [github_subject(claims, keys)]


def environments(settings):
    found = settings.of_type("github:index/repositoryEnvironment:RepositoryEnvironment")
    return {e.inputs["environment"]: e.inputs for e in found}


def test_prod_deploys_only_from_main_after_a_review_nobody_gives_themselves(settings):
    envs = environments(settings)
    assert set(envs) == {"test", "prod", "preview", "foundation"}
    prod = envs["prod"]
    assert prod["reviewers"] == [REVIEWERS]
    assert (prod["preventSelfReview"], prod["canAdminsBypass"]) == (True, False)
    policies = settings.of_type(
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy"
    )
    branches = {p.inputs["environment"]: p.inputs["branchPattern"] for p in policies}
    assert branches == {"prod": "main", "test": "dev"}
    for name in ("prod", "test"):
        assert envs[name]["deploymentBranchPolicy"] == {"protectedBranches": False, "customBranchPolicies": True}
    # Pull request environments: any branch, no reviewers (their roles cannot touch test or prod).
    assert "deploymentBranchPolicy" not in envs["preview"] and "reviewers" not in envs["preview"]


def test_each_environment_gets_the_role_the_foundation_made_for_it(foundation, settings):
    variables = {
        v.inputs["environment"]: (v.inputs["variableName"], v.inputs["value"])
        for v in settings.of_type("github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable")
    }
    roles = foundation.outputs["ciRoleArns"]
    assert variables == {
        "test": ("AWS_ROLE_ARN", roles["test"]),
        "prod": ("AWS_ROLE_ARN", roles["prod"]),
        "preview": ("AWS_ROLE_ARN", roles["preview"]),
        "foundation": ("AWS_ROLE_ARN", foundation.outputs["foundationPreviewRoleArn"]),
    }


def test_deploy_branches_and_release_tags_are_protected(settings):
    rules = {r.name: r.inputs for r in settings.of_type("github:index/repositoryRuleset:RepositoryRuleset")}
    branches = rules["deploy-branches"]
    assert branches["conditions"]["refName"]["includes"] == ["refs/heads/dev", "refs/heads/main"]
    assert branches["rules"]["deletion"] is True and branches["rules"]["nonFastForward"] is True
    assert branches["rules"]["requiredStatusChecks"]["requiredChecks"] == [{"context": "tailor, lint, check, test"}]
    assert branches["rules"]["pullRequest"]["requireLastPushApproval"] is True
    tags = rules["release-tags"]
    assert tags["target"] == "tag" and tags["conditions"]["refName"]["includes"] == ["refs/tags/*-v*"]
    assert tags["rules"]["deletion"] is True and tags["rules"]["update"] is True


@pytest.mark.parametrize(
    ("reviewers", "message"),
    [({"users": ["anna"]}, "numeric GitHub ids"), ({"people": [1]}, r"unknown keys \['people'\]; use users, teams")],
)
def test_bad_reviewer_settings_name_the_fix(reviewers, message):
    with pytest.raises(ValueError, match=message):
        program.Reviewers.parse(reviewers)


def test_entry_point_pulumi_runs_builds_the_same_stack(foundation):
    entry = PROJECT_DIR / "__main__.py"
    result = run_settings(foundation, entry=lambda: runpy.run_path(str(entry), run_name="__main__"))
    assert result.outputs["environments"] == ["foundation", "preview", "prod", "test"]
