"""Pulumi, gh and aws chores, with a recording stand-in for the CLIs."""

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from tools.delivery import ecr_images, github, pulumi_stacks
from tools.delivery.commands import CommandError
from tools.delivery.services import Service


class FakeCli:
    """Answers commands by their leading words; records every call."""

    def __init__(self, answers: dict[tuple[str, ...], str | Callable[[Sequence[str]], str]]) -> None:
        self.answers = answers
        self.calls: list[tuple[list[str], Path | None]] = []
        self.stdin: list[str | None] = []

    def __call__(self, args: Sequence[str], cwd: Path | None, stdin: str | None = None) -> str:
        self.calls.append((list(args), cwd))
        self.stdin.append(stdin)
        for prefix, answer in self.answers.items():
            if tuple(args[: len(prefix)]) == prefix:
                return answer(args) if callable(answer) else answer
        return ""


STACKS = [
    {"qualified": "acme/billing/preview-5", "work_dir": "modules/billing/infrastructure"},
    {"qualified": "acme/reports/preview-5", "work_dir": "modules/reports/infrastructure"},
]


def test_destroy_skips_stacks_that_never_existed(tmp_path: Path) -> None:
    cli = FakeCli({("pulumi", "stack", "ls"): json.dumps([{"name": "acme/reports/preview-5"}])})

    destroyed = pulumi_stacks.destroy_stacks(tmp_path, STACKS, runner=cli, streamer=cli)

    assert destroyed == ["acme/reports/preview-5"]
    assert cli.calls[1:] == [
        (
            ["pulumi", "destroy", "--yes", "--skip-preview", "--stack", "acme/reports/preview-5"],
            tmp_path / "modules/reports/infrastructure",
        ),
        (
            ["pulumi", "stack", "rm", "--yes", "--stack", "acme/reports/preview-5"],
            tmp_path / "modules/reports/infrastructure",
        ),
    ]


def test_destroy_of_nothing_is_not_an_error(tmp_path: Path) -> None:
    cli = FakeCli({("pulumi", "stack", "ls"): "[]"})
    assert pulumi_stacks.destroy_stacks(tmp_path, STACKS, runner=cli, streamer=cli) == []
    assert len(cli.calls) == 1


def test_a_failing_pulumi_is_an_error_not_a_missing_stack(tmp_path: Path) -> None:
    def fail(args: Sequence[str]) -> str:
        raise CommandError(args, 255, "error: PULUMI_ACCESS_TOKEN must be set")

    with pytest.raises(CommandError, match="PULUMI_ACCESS_TOKEN"):
        pulumi_stacks.destroy_stacks(tmp_path, STACKS, runner=FakeCli({("pulumi",): fail}), streamer=FakeCli({}))


def test_sweeper_selects_previews_of_closed_pull_requests_of_our_projects() -> None:
    names = [
        "acme/reports/test",
        "acme/reports/prod",
        "acme/reports/preview-3",
        "acme/reports/preview-4",
        "acme/billing/preview-4",
        "acme/other-repo/preview-4",
    ]
    services = [
        Service(name="reports", images=("api",), pulumi_project="reports"),
        Service(name="billing", images=("api",), pulumi_project="billing"),
    ]
    assert pulumi_stacks.stale_previews(names, open_prs=[3]) == [
        "acme/billing/preview-4",
        "acme/other-repo/preview-4",
        "acme/reports/preview-4",
    ]
    assert pulumi_stacks.stacks_to_sweep(names, open_prs=[3], services=services) == [
        {"qualified": "acme/billing/preview-4", "work_dir": "modules/billing/infrastructure"},
        {"qualified": "acme/reports/preview-4", "work_dir": "modules/reports/infrastructure"},
    ]


def test_open_pull_requests() -> None:
    cli = FakeCli({("gh", "pr", "list"): json.dumps([{"number": 3}, {"number": 9}])})
    assert github.open_pull_requests("acme/repo", runner=cli) == {3, 9}
    assert "--repo" in cli.calls[0][0] and "acme/repo" in cli.calls[0][0]


def test_preview_comment_lists_url_outputs() -> None:
    body = github.render_preview_comment(
        5,
        "0123456789abcdef",
        [("reports", "acme/reports/preview-5", {"api_url": "https://r.example.com", "queue_name": "q"})],
    )
    assert body.startswith(github.PREVIEW_MARKER)
    assert "| reports | `acme/reports/preview-5` | [api_url](https://r.example.com) |" in body
    assert "`0123456789ab`" in body
    assert "queue_name" not in body
    assert "changes no service" in github.render_preview_comment(5, "0" * 40, [])


def test_preview_comment_is_updated_in_place_after_the_first_push(tmp_path: Path) -> None:
    bodies: list[dict[str, str]] = []

    def record(args: Sequence[str]) -> str:
        bodies.append(json.loads(Path(args[args.index("--input") + 1]).read_text()))
        return "{}"

    existing = [[{"id": 1, "body": "LGTM"}, {"id": 77, "body": github.PREVIEW_MARKER + "\nold"}]]
    cli = FakeCli({("gh", "api", "--paginate"): json.dumps(existing), ("gh", "api", "--method"): record})
    assert github.upsert_comment("acme/repo", 5, "new body", runner=cli) == "updated"
    assert cli.calls[1][0][:5] == ["gh", "api", "--method", "PATCH", "repos/acme/repo/issues/comments/77"]
    assert bodies == [{"body": "new body"}]

    cli = FakeCli({("gh", "api", "--paginate"): "[[]]", ("gh", "api", "--method"): record})
    assert github.upsert_comment("acme/repo", 5, "first", runner=cli) == "created"
    assert cli.calls[1][0][:5] == ["gh", "api", "--method", "POST", "repos/acme/repo/issues/5/comments"]


def test_release_tag_reuses_the_pushed_manifest() -> None:
    manifest = '{"schemaVersion": 2}'
    cli = FakeCli(
        {
            ("aws", "ecr", "batch-get-image"): json.dumps(
                {
                    "images": [
                        {
                            "imageManifest": manifest,
                            "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
                        }
                    ]
                }
            )
        }
    )
    ecr_images.add_tag("acme-services", "reports-dev-0123456789ab", "reports-v1.1.0-rc.1", runner=cli)
    put = cli.calls[1][0]
    assert put[:3] == ["aws", "ecr", "put-image"]
    assert put[put.index("--image-tag") + 1] == "reports-v1.1.0-rc.1"
    assert put[put.index("--image-manifest") + 1] == manifest


def test_release_tag_of_a_missing_image_names_it() -> None:
    cli = FakeCli(
        {
            ("aws", "ecr", "batch-get-image"): json.dumps(
                {"images": [], "failures": [{"failureReason": "Requested image not found"}]}
            )
        }
    )
    with pytest.raises(LookupError, match="acme-services:reports-dev-x cannot be released: Requested image not found"):
        ecr_images.add_tag("acme-services", "reports-dev-x", "reports-v1.0.0", runner=cli)


def test_retagging_again_is_not_an_error() -> None:
    def exists(args: Sequence[str]) -> str:
        raise CommandError(args, 254, "An error occurred (ImageAlreadyExistsException)")

    cli = FakeCli(
        {
            ("aws", "ecr", "batch-get-image"): json.dumps({"images": [{"imageManifest": "{}"}]}),
            ("aws", "ecr", "put-image"): exists,
        }
    )
    ecr_images.add_tag("r", "a", "b", runner=cli)  # no error: the tag is already there
    put = cli.calls[-1][0]
    assert put[:3] == ["aws", "ecr", "put-image"] and put[put.index("--image-tag") + 1] == "b"


def test_retagging_fails_on_any_other_put_image_error() -> None:
    def denied(args: Sequence[str]) -> str:
        raise CommandError(args, 254, "An error occurred (AccessDeniedException)")

    cli = FakeCli(
        {
            ("aws", "ecr", "batch-get-image"): json.dumps({"images": [{"imageManifest": "{}"}]}),
            ("aws", "ecr", "put-image"): denied,
        }
    )
    with pytest.raises(CommandError, match="AccessDeniedException"):
        ecr_images.add_tag("r", "a", "b", runner=cli)


def test_image_exists() -> None:
    def missing(args: Sequence[str]) -> str:
        raise CommandError(args, 254, "An error occurred (ImageNotFoundException) when calling DescribeImages")

    assert ecr_images.image_exists("r", "t", runner=FakeCli({("aws",): "{}"}))
    assert not ecr_images.image_exists("r", "t", runner=FakeCli({("aws",): missing}))


def test_up_sets_only_the_given_config_then_runs_up(tmp_path: Path) -> None:
    cli = FakeCli({})
    pulumi_stacks.up(
        tmp_path,
        "acme/reports/test",
        "modules/reports/infrastructure",
        {"worker_image_tag": "reports-worker-dev-0123456789ab", "api_image_tag": "reports-dev-0123456789ab"},
        runner=cli,
        streamer=cli,
    )
    workdir = tmp_path / "modules/reports/infrastructure"
    assert cli.calls == [
        (["pulumi", "stack", "select", "--create", "--stack", "acme/reports/test"], workdir),
        (
            [
                "pulumi",
                "config",
                "set",
                "--stack",
                "acme/reports/test",
                "--",
                "api_image_tag",
                "reports-dev-0123456789ab",
            ],
            workdir,
        ),
        (
            [
                "pulumi",
                "config",
                "set",
                "--stack",
                "acme/reports/test",
                "--",
                "worker_image_tag",
                "reports-worker-dev-0123456789ab",
            ],
            workdir,
        ),
        (["pulumi", "up", "--yes", "--skip-preview", "--stack", "acme/reports/test"], workdir),
    ]


def test_policy_packs_reach_pulumi_and_up_keeps_its_preview(tmp_path: Path) -> None:
    """Stack policies run in the preview phase: `up` with a pack must not skip it."""
    cli = FakeCli({})
    pack = ["stack/infra/policy_pack"]
    pulumi_stacks.up(tmp_path, "acme/reports/prod", "modules/reports/infrastructure", {}, cli, cli, policy_packs=pack)
    pulumi_stacks.preview(tmp_path, "acme/acme-foundation/shared", "stack/infra/foundation", cli, policy_packs=pack)
    absolute = str((tmp_path / "stack/infra/policy_pack").resolve())
    up, preview = cli.calls[-2][0], cli.calls[-1][0]
    assert up == ["pulumi", "up", "--yes", "--policy-pack", absolute, "--stack", "acme/reports/prod"]
    assert preview[:2] == ["pulumi", "preview"] and preview[-4:-2] == ["--policy-pack", absolute]


def test_preview_refreshes_and_changes_nothing(tmp_path: Path) -> None:
    cli = FakeCli({})
    pulumi_stacks.preview(tmp_path, "acme/acme-foundation/shared", "stack/infra/foundation", streamer=cli)
    assert cli.calls == [
        (
            ["pulumi", "preview", "--refresh", "--diff", "--stack", "acme/acme-foundation/shared"],
            tmp_path / "stack/infra/foundation",
        )
    ]
    assert not any(call[0][:2] in (["pulumi", "up"], ["pulumi", "stack"]) for call in cli.calls)


def _packaged(repo: Path, directory: str, image_id: str) -> None:
    dist = repo / "dist" / directory
    dist.mkdir(parents=True, exist_ok=True)
    (dist / "image.docker-info.json").write_text(json.dumps({"version": 1, "image_id": image_id, "registries": []}))


def test_publish_builds_only_missing_images_and_adds_release_tags(tmp_path: Path) -> None:
    images = [
        {
            "service": "reports",
            "component": "api",
            "dockerfile": "modules/reports/backend/api/Dockerfile",
            "tag": "reports-dev-abc",
        },
        {
            "service": "reports",
            "component": "worker",
            "dockerfile": "modules/reports/backend/worker/Dockerfile",
            "tag": "reports-worker-dev-abc",
        },
    ]
    releases = [
        {
            "service": "reports",
            "component": "worker",
            "source_tag": "reports-worker-dev-abc",
            "release_tag": "reports-worker-v1.0.0",
        }
    ]
    _packaged(tmp_path, "modules.reports.backend.worker", "sha256:worker")

    def describe(args: Sequence[str]) -> str:
        if "imageTag=reports-worker-dev-abc" in args:
            raise CommandError(args, 254, "ImageNotFoundException")
        return "{}"  # the API image was pushed by an earlier attempt

    cli = FakeCli(
        {
            ("aws", "ecr", "get-login-password"): "secret-password",
            ("aws", "ecr", "describe-images"): describe,
            ("aws", "ecr", "batch-get-image"): json.dumps({"images": [{"imageManifest": "{}"}]}),
        }
    )

    pushed = ecr_images.publish_images(
        tmp_path, images, releases, registry="1.dkr.ecr.eu-west-1.amazonaws.com", repository="acme", region="eu-west-1",
        runner=cli, streamer=cli,
    )  # fmt: skip

    commands = [c[0] for c in cli.calls]
    assert ["docker", "login", "--username", "AWS", "--password-stdin", "1.dkr.ecr.eu-west-1.amazonaws.com"] in commands
    assert "secret-password" in cli.stdin
    assert ["./pants", "package", "modules/reports/backend/worker/Dockerfile"] in commands
    assert [
        "docker",
        "tag",
        "sha256:worker",
        "1.dkr.ecr.eu-west-1.amazonaws.com/acme:reports-worker-dev-abc",
    ] in commands
    assert ["docker", "push", "1.dkr.ecr.eu-west-1.amazonaws.com/acme:reports-worker-dev-abc"] in commands
    assert not any(c[:2] == ["docker", "push"] and c[2].endswith(":reports-dev-abc") for c in commands)
    assert pushed == ["reports-dev-abc", "reports-worker-dev-abc", "reports-worker-v1.0.0"]


def test_a_missing_docker_info_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="exactly one docker_image target"):
        ecr_images.docker_info_path(tmp_path, "modules/reports/backend/api/Dockerfile")
