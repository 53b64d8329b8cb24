"""preview-sweeper.yml run by act: which stacks it destroys, given the stacks Pulumi Cloud
holds and the pull requests GitHub says are open (both fakes)."""

from pathlib import Path

from tests.workflows.act import Act, args_of, calls
from tests.workflows.history import Remote, repository

CLOUD = {
    "open_prs": [7],
    "stacks": {
        "acme/acme-services-reports/preview-3": {},  # its pull request closed: stale
        "acme/acme-services-reports/preview-7": {},  # still open
        "acme/acme-services-reports/test": {},  # not a preview
        "acme/another-repo-api/preview-3": {},  # another repository's project
    },
}


def test_the_sweeper_destroys_only_this_repos_previews_of_closed_pull_requests(
    act: Act, remote: Remote, tmp_path: Path
) -> None:
    event = {"inputs": {}, "ref": "refs/heads/main", "repository": repository()}
    run = act.run(remote.work, remote.origin, "workflow_dispatch", event, "preview-sweeper.yml",
                  env={"SKIP_CLOUD_STEPS": "true"}, cloud=CLOUD, scratch=tmp_path / "run")  # fmt: skip
    sweep = run.job("sweep")
    assert sweep.result == "success", run.summary()
    assert sweep.step("Destroy previews of closed pull requests").outputs["stale"] == (
        '["acme/acme-services-reports/preview-3"]'
    )
    pulumi = args_of(calls(tmp_path / "run", "pulumi"))
    assert [a for a in pulumi if a[0] == "destroy" or a[:2] == ["stack", "rm"]] == [
        ["destroy", "--yes", "--skip-preview", "--stack", "acme/acme-services-reports/preview-3"],
        ["stack", "rm", "--yes", "--stack", "acme/acme-services-reports/preview-3"],
    ]
    [listed] = args_of(calls(tmp_path / "run", "gh"))
    assert listed[:5] == ["pr", "list", "--repo", "acme/acme-services", "--state"]
