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


DIGEST_A, DIGEST_B, DIGEST_C = ("sha256:" + c * 64 for c in "abc")

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
    ecr_images.add_tag("acme-services-test", DIGEST_A, "reports-v1.1.0-rc.1", runner=cli)
    assert f"imageDigest={DIGEST_A}" in cli.calls[0][0]
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
    expected = f"acme-services-test@{DIGEST_A} cannot be released as reports-v1.0.0: Requested image not found"
    with pytest.raises(LookupError, match=expected):
        ecr_images.add_tag("acme-services-test", DIGEST_A, "reports-v1.0.0", runner=cli)


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


def test_image_digest_of_a_tag_or_none() -> None:
    def missing(args: Sequence[str]) -> str:
        raise CommandError(args, 254, "An error occurred (ImageNotFoundException) when calling DescribeImages")

    found = json.dumps({"imageDetails": [{"imageDigest": DIGEST_A, "imageTags": ["t"]}]})
    assert ecr_images.image_digest("r", "t", runner=FakeCli({("aws",): found})) == DIGEST_A
    assert ecr_images.image_digest("r", "t", runner=FakeCli({("aws",): missing})) is None


def test_up_sets_only_the_given_config_then_runs_up(tmp_path: Path) -> None:
    cli = FakeCli({})
    pulumi_stacks.up(
        tmp_path,
        "acme/reports/test",
        "modules/reports/infrastructure",
        {"imageTag": "dev-0123456789ab", "imageDigests": {"worker": DIGEST_B, "api": DIGEST_A}},
        runner=cli,
        streamer=cli,
    )
    workdir = tmp_path / "modules/reports/infrastructure"
    stack = "acme/reports/test"
    assert cli.calls == [
        (["pulumi", "stack", "select", "--create", "--stack", stack], workdir),
        (["pulumi", "config", "set", "--path", "--stack", stack, "--", "imageDigests.api", DIGEST_A], workdir),
        (["pulumi", "config", "set", "--path", "--stack", stack, "--", "imageDigests.worker", DIGEST_B], workdir),
        (["pulumi", "config", "set", "--stack", stack, "--", "imageTag", "dev-0123456789ab"], workdir),
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


REGISTRY = "1.dkr.ecr.eu-west-1.amazonaws.com"
REPOSITORY = "acme-prod"
IMAGES = [
    {
        "service": "reports",
        "component": "api",
        "dockerfile": "modules/reports/backend/api/Dockerfile",
        "image": "reports",
        "tag": "reports-main-abc",
    },
    {
        "service": "reports",
        "component": "worker",
        "dockerfile": "modules/reports/backend/worker/Dockerfile",
        "image": "reports-worker",
        "tag": "reports-worker-main-abc",
    },
]


class FakeEcr(FakeCli):
    """ECR, SSM and docker as this run sees them: ``tags`` are in the repository already,
    ``records`` are the provenance parameters (name -> JSON), ``pushes`` the digests docker
    reports for this run's pushes."""

    def __init__(self, tags: dict[str, str], records: dict[str, str], pushes: dict[str, str]) -> None:
        self.tags, self.records, self.pushes = tags, records, pushes
        super().__init__(
            {
                ("aws", "ecr", "get-login-password"): "secret-password",
                ("aws", "ecr", "describe-images"): self.describe,
                ("aws", "ecr", "batch-get-image"): json.dumps({"images": [{"imageManifest": "{}"}]}),
                ("aws", "ssm", "get-parameter"): self.get_parameter,
                ("aws", "ssm", "put-parameter"): self.put_parameter,
                ("docker", "push"): self.push,
                ("docker", "image", "inspect"): self.inspect,
            }
        )

    def describe(self, args: Sequence[str]) -> str:
        tag = args[args.index("--image-ids") + 1].removeprefix("imageTag=")
        if tag not in self.tags:
            raise CommandError(args, 254, "An error occurred (ImageNotFoundException)")
        return json.dumps({"imageDetails": [{"imageDigest": self.tags[tag], "imageTags": [tag]}]})

    def get_parameter(self, args: Sequence[str]) -> str:
        name = args[args.index("--name") + 1]
        if name not in self.records:
            raise CommandError(args, 254, "An error occurred (ParameterNotFound) when calling GetParameter")
        return json.dumps({"Parameter": {"Name": name, "Value": self.records[name]}})

    def put_parameter(self, args: Sequence[str]) -> str:
        self.records[args[args.index("--name") + 1]] = args[args.index("--value") + 1]
        return "{}"

    def push(self, args: Sequence[str]) -> str:
        tag = args[2].rsplit(":", 1)[1]
        self.tags[tag] = self.pushes[tag]
        return ""

    def inspect(self, args: Sequence[str]) -> str:
        remote = args[-1]
        repository, tag = remote.rsplit(":", 1)
        return json.dumps([{"Id": "sha256:local", "RepoDigests": [f"{repository}@{self.tags[tag]}"]}])

    def commands(self) -> list[list[str]]:
        return [call[0] for call in self.calls]


def publish(tmp_path: Path, ecr: FakeEcr, releases=()) -> ecr_images.Published:
    _packaged(tmp_path, "modules.reports.backend.api", "sha256:local-api")
    _packaged(tmp_path, "modules.reports.backend.worker", "sha256:local-worker")
    return ecr_images.publish_images(
        tmp_path, IMAGES, list(releases), registry=REGISTRY, repository=REPOSITORY, region="eu-west-1",
        runner=ecr, streamer=ecr,
    )  # fmt: skip


def test_a_new_build_is_pushed_recorded_and_deployed_by_its_pushed_digest(tmp_path: Path) -> None:
    ecr = FakeEcr(tags={}, records={}, pushes={"reports-main-abc": DIGEST_A, "reports-worker-main-abc": DIGEST_B})
    releases = [{"service": "reports", "component": "worker", "release_tag": "reports-worker-v1.0.0"}]

    published = publish(tmp_path, ecr, releases)

    commands = ecr.commands()
    assert ["docker", "login", "--username", "AWS", "--password-stdin", REGISTRY] in commands
    assert "secret-password" in ecr.stdin
    assert ["./pants", "package", IMAGES[0]["dockerfile"], IMAGES[1]["dockerfile"]] in commands
    assert ["docker", "tag", "sha256:local-worker", f"{REGISTRY}/{REPOSITORY}:reports-worker-main-abc"] in commands
    assert published.digests == {"api": DIGEST_A, "worker": DIGEST_B}
    assert (published.built, published.reused) == (["reports-main-abc", "reports-worker-main-abc"], [])
    # Each push is recorded under the environment's own parameter prefix.
    assert json.loads(ecr.records[f"/{REPOSITORY}-image-digests/reports-worker"]) == {
        "reports-worker-main-abc": DIGEST_B
    }
    # The release tag goes onto the digest this run pushed.
    batch = next(c for c in commands if c[:3] == ["aws", "ecr", "batch-get-image"])
    assert f"imageDigest={DIGEST_B}" in batch and published.release_tags == ["reports-worker-v1.0.0"]


def test_a_rerun_reuses_only_images_this_environment_recorded_pushing(tmp_path: Path) -> None:
    first = FakeEcr(tags={}, records={}, pushes={"reports-main-abc": DIGEST_A, "reports-worker-main-abc": DIGEST_B})
    publish(tmp_path, first)
    again = FakeEcr(tags=dict(first.tags), records=dict(first.records), pushes={})

    published = publish(tmp_path, again)

    assert published.digests == {"api": DIGEST_A, "worker": DIGEST_B}
    assert (published.built, published.reused) == ([], ["reports-main-abc", "reports-worker-main-abc"])
    assert not any(c[:2] in (["docker", "push"], ["./pants", "package"]) for c in again.commands())


@pytest.mark.parametrize(
    "records",
    [
        {},  # pushed by someone else: no run of this deploy recorded it
        {f"/{REPOSITORY}-image-digests/reports": json.dumps({"reports-main-abc": DIGEST_B})},  # another digest
    ],
)
def test_a_planned_tag_this_environment_did_not_push_is_never_deployed(tmp_path: Path, records) -> None:
    planted = FakeEcr(
        tags={"reports-main-abc": DIGEST_C}, records=records, pushes={"reports-worker-main-abc": DIGEST_B}
    )

    with pytest.raises(ecr_images.UntrustedImageError) as error:
        publish(tmp_path, planted)

    message = str(error.value)
    assert f"{REPOSITORY}:reports-main-abc already exists ({DIGEST_C})" in message
    assert "will not be deployed" in message and "batch-delete-image" in message
    # Nothing was built, pushed, recorded or tagged on the way to the refusal.
    assert not any(c[:2] == ["docker", "push"] or c[:3] == ["aws", "ssm", "put-parameter"] for c in planted.commands())


def test_the_provenance_record_keeps_the_newest_builds_within_the_parameter_limit() -> None:
    ecr = FakeEcr(tags={}, records={}, pushes={})
    record = ecr_images.ProvenanceRecord(REPOSITORY, ecr)
    for number in range(ecr_images.RECORDS_KEPT + 5):
        record.record("reports", f"reports-main-{number:012d}", "sha256:" + f"{number:064d}")
    stored = json.loads(ecr.records[f"/{REPOSITORY}-image-digests/reports"])
    assert len(stored) == ecr_images.RECORDS_KEPT
    assert list(stored)[-1] == f"reports-main-{ecr_images.RECORDS_KEPT + 4:012d}"
    assert "reports-main-000000000000" not in stored
    assert len(json.dumps(stored)) <= ecr_images.PARAMETER_LIMIT


def test_a_missing_docker_info_file_is_explained(tmp_path: Path) -> None:
    with pytest.raises(LookupError, match="exactly one docker_image target"):
        ecr_images.docker_info_path(tmp_path, "modules/reports/backend/api/Dockerfile")


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_a_consumer_waits_until_the_stack_it_uses_exports_its_queue() -> None:
    answers: list[str | None] = [None, "{}", json.dumps({"queueArn": "arn:aws:sqs:q"})]  # None: no such stack yet

    def output(_args: Sequence[str]) -> str:
        answer = answers.pop(0)
        if answer is None:
            raise CommandError(["pulumi"], 255, "no stack named")
        return answer

    cli, clock = FakeCli({("pulumi", "stack", "output"): output}), Clock()
    pulumi_stacks.wait_for_providers({"reports": "acme/reports/test"}, runner=cli, sleep=clock.sleep, clock=clock)
    assert [args for args, _ in cli.calls] == [
        ["pulumi", "stack", "output", "--json", "--stack", "acme/reports/test"]
    ] * 3
    assert clock.now == 40


def test_a_consumer_whose_provider_never_appears_stops_naming_it() -> None:
    cli, clock = FakeCli({("pulumi", "stack", "output"): "{}"}), Clock()
    with pytest.raises(
        SystemExit, match="uses reports, whose stack acme/reports/prod has no queueArn .* deploy reports"
    ):
        pulumi_stacks.wait_for_providers(
            {"reports": "acme/reports/prod"}, runner=cli, timeout=60, sleep=clock.sleep, clock=clock
        )
