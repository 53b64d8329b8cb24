"""preview.yml run by act: a pull request's plan, its preview stack jobs and the comment
the fake GitHub receives; closing it destroys every service's preview stack."""

import json
from pathlib import Path

from tests.workflows.act import Act, args_of, calls
from tests.workflows.checks import REPORTS
from tests.workflows.history import Remote

SKIP_CLOUD = {"SKIP_CLOUD_STEPS": "true"}
STACK = "acme/acme-services-reports/preview-7"
MARKER = "<!-- pantstack:preview-stacks -->"
# Pulumi Cloud as the fake answers it: the stack `pulumi up` made, with its outputs.
CLOUD = {"stacks": {STACK: {"apiUrl": "https://reports-pr-7.example.com", "bucketName": "not-a-url"}}}


def feature_branch(remote: Remote) -> None:
    remote.switch("dev", "main")
    remote.push("dev")
    remote.switch("feature/csv", "dev")
    remote.commit("feat(reports): CSV export", {REPORTS: "# CSV export\n"})


def test_an_opened_pull_request_previews_its_services_and_comments_their_urls(
    act: Act, remote: Remote, tmp_path: Path
) -> None:
    feature_branch(remote)
    event = remote.pull_request(7, "feature/csv", "dev", "opened")
    head = event["pull_request"]["head"]["sha"]
    run = act.run(remote.work, remote.origin, "pull_request", event, "preview.yml", env=SKIP_CLOUD, cloud=CLOUD,
                  scratch=tmp_path / "run")  # fmt: skip

    plan = run.job("plan")
    assert plan.result == "success", run.summary()
    assert plan.outputs["action"] == "preview"
    assert plan.outputs["sha"] == head
    stacks = json.loads(plan.outputs["stacks"])
    assert [s["qualified"] for s in stacks] == [STACK]
    # Preview tags name the pull request, not its branch (docs/delivery.md, image tags).
    assert sorted(i["tag"] for i in json.loads(plan.outputs["images"])) == [
        f"reports-pr7-{head[:12]}",
        f"reports-worker-pr7-{head[:12]}",
    ]
    assert [job.matrix["stack"] for job in run.matrix_jobs("stack")] == stacks
    assert all(job.result == "success" for job in run.matrix_jobs("stack")), run.summary()
    assert run.job("comment").result == "success", run.summary()

    [posted] = [c for c in calls(tmp_path / "run", "gh") if "POST" in c["args"]]
    assert posted["args"][-3:-2] == ["repos/acme/acme-services/issues/7/comments"]
    body = posted["body"]["body"]
    assert body.startswith(MARKER)
    assert f"Deployed from `{head[:12]}`." in body
    assert f"| reports | `{STACK}` | [apiUrl](https://reports-pr-7.example.com) |" in body
    assert "not-a-url" not in body


def test_a_new_push_edits_the_same_comment(act: Act, remote: Remote, tmp_path: Path) -> None:
    feature_branch(remote)
    remote.commit("fix(reports): CSV quoting", {REPORTS: "# quoting\n"})
    event = remote.pull_request(7, "feature/csv", "dev", "synchronize")
    head = event["pull_request"]["head"]["sha"]
    earlier = {**CLOUD, "comments": [{"id": 41, "body": f"{MARKER}\nan earlier push"}]}
    run = act.run(remote.work, remote.origin, "pull_request", event, "preview.yml", env=SKIP_CLOUD, cloud=earlier,
                  scratch=tmp_path / "run")  # fmt: skip

    assert run.job("comment").result == "success", run.summary()
    writes = [c for c in calls(tmp_path / "run", "gh") if "--method" in c["args"]]
    assert [c["args"][2:4] for c in writes] == [["PATCH", "repos/acme/acme-services/issues/comments/41"]]
    assert f"Deployed from `{head[:12]}`." in writes[0]["body"]["body"]


def test_closing_a_pull_request_destroys_every_services_preview(act: Act, remote: Remote, tmp_path: Path) -> None:
    feature_branch(remote)
    event = remote.pull_request(7, "feature/csv", "dev", "closed")
    run = act.run(remote.work, remote.origin, "pull_request", event, "preview.yml", env=SKIP_CLOUD, cloud=CLOUD,
                  scratch=tmp_path / "run")  # fmt: skip

    plan = run.job("plan")
    assert plan.outputs["action"] == "destroy", run.summary()
    services = sorted(p.parent.name for p in remote.work.glob("modules/*/infrastructure"))
    destroys = run.matrix_jobs("destroy")
    assert sorted(job.matrix["stack"]["qualified"] for job in destroys) == [
        f"acme/acme-services-{s}/preview-7" for s in services
    ]
    for job in destroys:
        assert job.result == "success", run.summary()
        assert job.step("Destroy and remove the stack (a stack that never existed is skipped)").result == "skipped"
    assert run.job("deploy").result == "skipped"
    assert run.job("comment").result == "skipped"
    assert args_of(calls(tmp_path / "run", "gh")) == []
