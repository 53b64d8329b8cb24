"""Images in an environment's ECR repository, through the aws and docker CLIs (role from OIDC).

A deploy runs every image by digest, and only a digest this environment's CI role pushed:

- a planned tag that is not in the repository is built, pushed, and its digest (as docker
  reports it for this push) recorded at once in the environment's provenance parameter;
- a planned tag that is already there (a re-run of the same commit) is reused only if the
  record names the very digest the tag points at; otherwise the deploy fails, because
  whoever pushed that image, it was not a run of this environment's deploy. Tags are
  immutable, so the image cannot be rebuilt under the same tag: the error says what to do.

The record is an SSM String parameter ``/<repository>-image-digests/<image>`` (a JSON map of
tag to digest, newest last). Its name falls under the environment's own parameter prefix,
which only that environment's CI role may write (the foundation's deploy policy).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from tools.delivery.commands import CommandError, Runner, run, stream

# Re-runs and rollbacks reach back this far; SSM standard parameters hold at most 4 KB.
RECORDS_KEPT = 20
PARAMETER_LIMIT = 4096


class UntrustedImageError(RuntimeError):
    """A planned tag exists, but no run of this environment's deploy recorded pushing it."""


def registry_of(account_id: str, region: str) -> str:
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com"


def image_digest(repository: str, tag: str, runner: Runner = run) -> str | None:
    """The digest ``repository:tag`` points at, or None when there is no such tag."""
    try:
        out = runner(
            [
                "aws", "ecr", "describe-images", "--repository-name", repository,
                "--image-ids", f"imageTag={tag}", "--output", "json",
            ],
            None,
        )  # fmt: skip
    except CommandError as error:
        if "ImageNotFoundException" in error.stderr:
            return None
        raise
    details = json.loads(out or "{}").get("imageDetails") or []
    return str(details[0]["imageDigest"]) if details else None


@dataclass
class ProvenanceRecord:
    """Tag -> digest of the images this environment's deploys pushed, per image name."""

    repository: str
    runner: Runner = run
    _loaded: dict[str, dict[str, str]] = field(default_factory=dict)

    def parameter(self, image: str) -> str:
        return f"/{self.repository}-image-digests/{image}"

    def digests(self, image: str) -> dict[str, str]:
        if image not in self._loaded:
            try:
                out = self.runner(
                    ["aws", "ssm", "get-parameter", "--name", self.parameter(image), "--output", "json"], None
                )
            except CommandError as error:
                if "ParameterNotFound" not in error.stderr:
                    raise
                out = ""
            value = json.loads(out)["Parameter"]["Value"] if out else "{}"
            self._loaded[image] = dict(json.loads(value))
        return self._loaded[image]

    def record(self, image: str, tag: str, digest: str) -> None:
        digests = {t: d for t, d in self.digests(image).items() if t != tag}
        digests[tag] = digest
        entries = list(digests.items())[-RECORDS_KEPT:]
        while len(json.dumps(dict(entries))) > PARAMETER_LIMIT:
            entries = entries[1:]
        self._loaded[image] = dict(entries)
        self.runner(
            [
                "aws", "ssm", "put-parameter", "--name", self.parameter(image), "--type", "String",
                "--overwrite", "--value", json.dumps(self._loaded[image]),
            ],
            None,
        )  # fmt: skip


def verified_digest(
    repository: str, image: str, tag: str, record: ProvenanceRecord, runner: Runner = run
) -> str | None:
    """The digest of an existing planned tag that this environment pushed; None if absent.

    Raises UntrustedImageError for a tag that exists without a matching record.
    """
    found = image_digest(repository, tag, runner)
    if found is None:
        return None
    recorded = record.digests(image).get(tag)
    if recorded == found:
        return found
    seen = f"the record names {recorded}" if recorded else "no run of this deploy recorded pushing it"
    raise UntrustedImageError(
        f"{repository}:{tag} already exists ({found}) but {seen} (SSM parameter {record.parameter(image)}), "
        "so it was not pushed by this environment's deploy and will not be deployed. Tags are immutable: find "
        "who pushed it (CloudTrail, event PutImage), delete it with `aws ecr batch-delete-image --repository-name "
        f"{repository} --image-ids imageTag={tag}`, and re-run the deploy to build it again."
    )


def add_tag(repository: str, digest: str, new_tag: str, runner: Runner = run) -> None:
    """Give the image ``digest`` a second tag, without pulling or rebuilding it.

    The release image is then byte for byte the image that was built, verified and deployed.
    """
    out = runner(
        [
            "aws", "ecr", "batch-get-image", "--repository-name", repository,
            "--image-ids", f"imageDigest={digest}", "--output", "json",
        ],
        None,
    )  # fmt: skip
    response = json.loads(out)
    images = response.get("images") or []
    if not images:
        failures = response.get("failures") or []
        reason = failures[0].get("failureReason", "not found") if failures else "not found"
        raise LookupError(f"{repository}@{digest} cannot be released as {new_tag}: {reason}")
    image = images[0]
    args = [
        "aws", "ecr", "put-image", "--repository-name", repository, "--image-tag", new_tag,
        "--image-manifest", image["imageManifest"],
    ]  # fmt: skip
    if image.get("imageManifestMediaType"):
        args += ["--image-manifest-media-type", image["imageManifestMediaType"]]
    try:
        runner(args, None)
    except CommandError as error:
        # Re-running a release: the tag already points at this very manifest.
        if "ImageAlreadyExistsException" not in error.stderr:
            raise


def docker_info_path(repo: Path, dockerfile: str) -> Path:
    """The docker-info.json `pants package` writes for the docker_image owning dockerfile.

    Pants writes dist/<directory with / as .>/<target name>.docker-info.json; the target
    name is whatever the BUILD file says, so look for the single file in that directory.
    """
    directory = repo / "dist" / Path(dockerfile).parent.as_posix().replace("/", ".")
    found = sorted(directory.glob("*.docker-info.json"))
    if len(found) != 1:
        raise LookupError(
            f"expected one docker-info.json in {directory} after packaging {dockerfile}, found {len(found)}; "
            "each backend/<component>/ directory must hold exactly one docker_image target"
        )
    return found[0]


def pushed_digest(remote: str, runner: Runner = run) -> str:
    """The digest the registry gave ``remote`` (repository:tag) when this run pushed it."""
    repository = remote.rsplit(":", 1)[0]
    out = runner(["docker", "image", "inspect", remote], None)
    [details] = json.loads(out or "[{}]")
    for entry in details.get("RepoDigests") or []:
        name, _, digest = str(entry).partition("@")
        if name == repository and digest.startswith("sha256:"):
            return digest
    raise LookupError(f"docker reports no digest in {repository} for {remote} after pushing it: {out.strip()}")


@dataclass
class Published:
    digests: dict[str, str]  # component -> digest
    built: list[str]  # tags built and pushed by this run
    reused: list[str]  # tags an earlier run of this deploy pushed
    release_tags: list[str]


def publish_images(
    repo: Path,
    images: Sequence[Mapping[str, str]],
    release_images: Sequence[Mapping[str, str]],
    *,
    registry: str,
    repository: str,
    region: str,
    runner: Runner = run,
    streamer: Runner = stream,
) -> Published:
    """Make every planned image available by digest: reuse what this environment pushed
    before, build and push (and record) the rest, then add the release tags."""
    record = ProvenanceRecord(repository, runner)
    password = runner(["aws", "ecr", "get-login-password", "--region", region], None)
    runner(["docker", "login", "--username", "AWS", "--password-stdin", registry], None, stdin=password)
    result = Published(digests={}, built=[], reused=[], release_tags=[])
    missing = []
    for image in images:
        digest = verified_digest(repository, image["image"], image["tag"], record, runner)
        if digest is None:
            missing.append(image)
        else:
            result.digests[image["component"]] = digest
            result.reused.append(image["tag"])
    if missing:
        streamer(["./pants", "package", *(image["dockerfile"] for image in missing)], repo)
    for image in missing:
        info = json.loads(docker_info_path(repo, image["dockerfile"]).read_text(encoding="utf-8"))
        remote = f"{registry}/{repository}:{image['tag']}"
        runner(["docker", "tag", info["image_id"], remote], None)
        streamer(["docker", "push", remote], None)
        digest = pushed_digest(remote, runner)
        record.record(image["image"], image["tag"], digest)
        result.digests[image["component"]] = digest
        result.built.append(image["tag"])
    for release in release_images:
        for image in images:
            if (release["service"], release["component"]) == (image["service"], image["component"]):
                add_tag(repository, result.digests[image["component"]], release["release_tag"], runner)
                result.release_tags.append(release["release_tag"])
    return result
