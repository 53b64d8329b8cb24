"""Plans for GitHub events against a real git repository with real commits."""

from tools.delivery.changes import ZERO_SHA
from tools.delivery.plan import ci_scope, plan_event
from tools.delivery.tests.conftest import Repo, pr_event, push_event


def _setup_dev(repo: Repo) -> str:
    repo.git("checkout", "-q", "-b", "dev")
    return repo.head()


def test_push_to_dev_changing_one_service_deploys_only_its_test_stack(repo: Repo) -> None:
    before = _setup_dev(repo)
    after = repo.commit({"modules/reports/backend/api/app.py": "app = 3\n"}, "feat: reports change")

    plan = plan_event("push", push_event("dev", before, after), repo.context())

    assert plan.action == "deploy"
    assert plan.environment == "test"
    assert (plan.branch, plan.sha, plan.base) == ("dev", after, before)
    assert plan.services == ["reports"]
    short = after[:12]
    assert plan.images == [
        {
            "service": "reports",
            "component": "api",
            "dockerfile": "modules/reports/backend/api/Dockerfile",
            "image": "reports",
            "tag": f"reports-dev-{short}",
        },
        {
            "service": "reports",
            "component": "worker",
            "dockerfile": "modules/reports/backend/worker/Dockerfile",
            "image": "reports-worker",
            "tag": f"reports-worker-dev-{short}",
        },
    ]
    assert plan.stacks == [
        {
            "service": "reports",
            "stack": "test",
            "qualified": "acme/reports/test",
            "work_dir": "modules/reports/infrastructure",
            "image_tags": {"api": f"reports-dev-{short}", "worker": f"reports-worker-dev-{short}"},
            "config": {"imageTag": f"dev-{short}"},
        }
    ]
    assert plan.release and plan.prerelease


def test_change_in_shared_libs_deploys_every_dependent_service(repo: Repo) -> None:
    before = _setup_dev(repo)
    after = repo.commit({"stack/libs/settings.py": "SETTINGS = {'x': 1}\n"}, "fix: shared settings")

    plan = plan_event("push", push_event("dev", before, after), repo.context())

    assert plan.services == ["billing", "reports"]
    assert [s["qualified"] for s in plan.stacks] == ["acme/billing/test", "acme/reports/test"]
    assert [i["tag"] for i in plan.images] == [
        f"billing-dev-{after[:12]}",
        f"reports-dev-{after[:12]}",
        f"reports-worker-dev-{after[:12]}",
    ]


def test_docs_only_change_deploys_nothing(repo: Repo) -> None:
    before = _setup_dev(repo)
    after = repo.commit({"docs/index.md": "# More docs\n", "README.md": "# Repo!\n"}, "docs: words")

    plan = plan_event("push", push_event("dev", before, after), repo.context())

    assert plan.action == "deploy"
    assert (plan.services, plan.images, plan.stacks) == ([], [], [])
    assert "no service" in plan.reason


def test_push_to_main_deploys_prod_and_releases_stable_versions(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"modules/billing/backend/api/app.py": "app = 4\n"}, "feat: billing")

    plan = plan_event("push", push_event("main", before, after), repo.context())

    assert (plan.action, plan.environment) == ("deploy", "prod")
    assert plan.services == ["billing"]
    assert plan.stacks[0]["qualified"] == "acme/billing/prod"
    assert plan.stacks[0]["image_tags"] == {"api": f"billing-main-{after[:12]}"}
    assert plan.release and not plan.prerelease


def test_first_push_of_a_branch_has_no_base_and_deploys_everything(repo: Repo) -> None:
    _setup_dev(repo)
    plan = plan_event("push", push_event("dev", ZERO_SHA, repo.head()), repo.context())
    assert plan.base is None
    assert plan.services == ["billing", "reports"]


def test_push_whose_previous_tip_is_missing_deploys_everything(repo: Repo) -> None:
    # A force push: the old tip is not in the checkout.
    _setup_dev(repo)
    plan = plan_event("push", push_event("dev", "f" * 40, repo.head()), repo.context())
    assert plan.base is None
    assert plan.services == ["billing", "reports"]


def test_push_to_another_branch_or_a_tag_only_runs_ci(repo: Repo) -> None:
    before = repo.head()
    after = repo.commit({"modules/reports/backend/api/app.py": "app = 5\n"})
    assert plan_event("push", push_event("feature/x", before, after), repo.context()).action == "none"
    tag_push = {**push_event("dev", before, after), "ref": "refs/tags/reports-v1.0.0"}
    assert plan_event("push", tag_push, repo.context()).action == "none"
    assert plan_event("schedule", {}, repo.context()).action == "none"


def test_pull_request_opened_previews_changed_services_with_tags_naming_the_pull_request(repo: Repo) -> None:
    base = _setup_dev(repo)
    repo.git("checkout", "-q", "-b", "Feature/Add-Billing_THING")
    head = repo.commit({"modules/billing/backend/api/app.py": "app = 6\n"}, "feat: billing thing")

    plan = plan_event("pull_request", pr_event("opened", 7, base, head, "Feature/Add-Billing_THING"), repo.context())

    assert (plan.action, plan.environment, plan.pr) == ("preview", "preview", 7)
    assert plan.branch == "Feature/Add-Billing_THING"
    assert plan.services == ["billing"]
    assert plan.images[0]["tag"] == f"billing-pr7-{head[:12]}"
    assert plan.stacks == [
        {
            "service": "billing",
            "stack": "preview-7",
            "qualified": "acme/billing/preview-7",
            "work_dir": "modules/billing/infrastructure",
            "image_tags": {"api": f"billing-pr7-{head[:12]}"},
            "config": {"imageTag": f"pr7-{head[:12]}"},
        }
    ]
    assert not plan.release


def test_a_branch_named_like_a_deploy_branch_cannot_make_deploy_tags(repo: Repo) -> None:
    base = _setup_dev(repo)
    for branch in ("main-", "MAIN", "dev"):
        repo.git("checkout", "-q", "-B", f"x-{branch}", base)
        head = repo.commit({"modules/reports/backend/api/app.py": f"app = '{branch}'\n"}, "feat: change")
        plan = plan_event("pull_request", pr_event("opened", 12, base, head, branch), repo.context())
        assert {i["tag"] for i in plan.images} == {f"reports-pr12-{head[:12]}", f"reports-worker-pr12-{head[:12]}"}
        assert not any("-main-" in i["tag"] or "-dev-" in i["tag"] for i in plan.images)


def test_pull_request_synchronize_previews_everything_the_pr_changed_at_the_new_head(repo: Repo) -> None:
    base = _setup_dev(repo)
    repo.git("checkout", "-q", "-b", "feature/two")
    repo.commit({"modules/billing/backend/api/app.py": "app = 7\n"}, "feat: billing")
    head = repo.commit({"modules/reports/backend/api/app.py": "app = 8\n"}, "feat: reports")

    plan = plan_event("pull_request", pr_event("synchronize", 8, base, head, "feature/two"), repo.context())

    assert plan.action == "preview"
    assert plan.sha == head
    assert plan.services == ["billing", "reports"]
    assert [s["qualified"] for s in plan.stacks] == ["acme/billing/preview-8", "acme/reports/preview-8"]


def test_pull_request_changes_are_counted_from_the_merge_base(repo: Repo) -> None:
    fork_point = _setup_dev(repo)
    repo.git("checkout", "-q", "-b", "feature/billing")
    head = repo.commit({"modules/billing/backend/api/app.py": "app = 9\n"}, "feat: billing")
    repo.git("checkout", "-q", "dev")
    # dev moves on with a reports change the pull request does not contain.
    base_tip = repo.commit({"modules/reports/backend/api/app.py": "app = 10\n"}, "feat: reports on dev")
    assert base_tip != fork_point

    plan = plan_event("pull_request", pr_event("reopened", 9, base_tip, head, "feature/billing"), repo.context())

    assert plan.base == fork_point
    assert plan.services == ["billing"]


def test_pull_request_closed_destroys_the_preview_stacks_of_every_service(repo: Repo) -> None:
    base = _setup_dev(repo)
    repo.git("checkout", "-q", "-b", "feature/closed")
    head = repo.commit({"docs/index.md": "# x\n"})

    plan = plan_event("pull_request", pr_event("closed", 11, base, head, "feature/closed"), repo.context())

    assert (plan.action, plan.environment, plan.pr) == ("destroy", "preview", 11)
    assert plan.images == []
    assert [(s["qualified"], s["work_dir"]) for s in plan.stacks] == [
        ("acme/billing/preview-11", "modules/billing/infrastructure"),
        ("acme/reports/preview-11", "modules/reports/infrastructure"),
    ]


def test_fork_pull_requests_get_no_preview_and_no_destroy(repo: Repo) -> None:
    base = repo.head()
    head = repo.commit({"modules/reports/backend/api/app.py": "app = 11\n"})
    for action in ("opened", "synchronize", "closed"):
        event = pr_event(action, 12, base, head, "patch-1", head_repo="someone/acme-services")
        plan = plan_event("pull_request", event, repo.context())
        assert plan.action == "none"
        assert "fork" in plan.reason


def test_other_pull_request_actions_change_nothing(repo: Repo) -> None:
    base = repo.head()
    head = repo.commit({"modules/reports/backend/api/app.py": "app = 12\n"})
    assert plan_event("pull_request", pr_event("labeled", 13, base, head, "x"), repo.context()).action == "none"


def test_a_service_added_later_is_planned_without_any_configuration(repo: Repo) -> None:
    before = _setup_dev(repo)
    after = repo.commit(
        {
            "modules/search/backend/worker/Dockerfile": "FROM scratch\n",
            "modules/search/backend/worker/main.py": "\n",
            "modules/search/infrastructure/Pulumi.yaml": "name: search\nruntime: python\n",
        },
        "feat: search service",
    )

    plan = plan_event("push", push_event("dev", before, after), repo.context())

    assert plan.services == ["search"]
    assert [i["tag"] for i in plan.images] == [f"search-worker-dev-{after[:12]}"]
    assert plan.stacks[0]["qualified"] == "acme/search/test"


def test_ci_scope_checks_changed_targets_unless_build_configuration_changed(repo: Repo) -> None:
    before = repo.head()
    repo.commit({"modules/reports/backend/api/app.py": "app = 13\n"})
    scope = ci_scope("push", push_event("main", before, repo.head()), repo.path)
    assert (scope["mode"], scope["base"]) == ("changed", before)

    repo.commit({"pants.toml": "[GLOBAL]\npants_version = '2.17.1'\n"})
    scope = ci_scope("push", push_event("main", before, repo.head()), repo.path)
    assert (scope["mode"], scope["base"]) == ("all", before)

    assert ci_scope("push", push_event("main", ZERO_SHA, repo.head()), repo.path)["mode"] == "all"
    assert ci_scope("workflow_dispatch", {}, repo.path)["mode"] == "all"


def test_ci_scope_of_a_pull_request_is_relative_to_the_base_branch_tip(repo: Repo) -> None:
    base = repo.head()
    repo.git("checkout", "-q", "-b", "feature/ci")
    head = repo.commit({"docs/index.md": "# y\n"})
    scope = ci_scope("pull_request", pr_event("opened", 14, base, head, "feature/ci"), repo.path)
    assert (scope["mode"], scope["base"]) == ("changed", base)


def test_a_preview_also_deploys_the_modules_the_changed_ones_use(repo: Repo) -> None:
    # billing uses reports (module.toml): billing's preview stack reads reports' preview stack.
    base = repo.commit({"modules/billing/module.toml": 'uses = ["reports"]\n'}, "billing uses reports")
    repo.git("checkout", "-q", "-b", "feature/billing")
    head = repo.commit({"modules/billing/backend/api/app.py": "app = 7\n"}, "feat: billing")

    plan = plan_event("pull_request", pr_event("opened", 5, base, head, "feature/billing"), repo.context())

    assert plan.services == ["billing", "reports"]
    assert [s["qualified"] for s in plan.stacks] == ["acme/billing/preview-5", "acme/reports/preview-5"]
