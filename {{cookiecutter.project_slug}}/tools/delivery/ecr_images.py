"""Image tags in the foundation's ECR repository, through the aws CLI (role from OIDC)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from tools.delivery.commands import CommandError, Runner, run, stream


def image_exists(repository: str, tag: str, runner: Runner = run) -> bool:
    try:
        runner(
            ["aws", "ecr", "describe-images", "--repository-name", repository, "--image-ids", f"imageTag={tag}"],
            None,
        )
    except CommandError as error:
        if "ImageNotFoundException" in error.stderr:
            return False
        raise
    return True


def add_tag(repository: str, source_tag: str, new_tag: str, runner: Runner = run) -> None:
    """Give the image tagged source_tag a second tag, without pulling or rebuilding it.

    The release image is then byte for byte the image that was built, tested and deployed.
    """
    out = runner(
        [
            "aws", "ecr", "batch-get-image", "--repository-name", repository,
            "--image-ids", f"imageTag={source_tag}", "--output", "json",
        ],
        None,
    )  # fmt: skip
    response = json.loads(out)
    images = response.get("images") or []
    if not images:
        failures = response.get("failures") or []
        reason = failures[0].get("failureReason", "not found") if failures else "not found"
        raise LookupError(f"{repository}:{source_tag} cannot be released: {reason}")
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


def registry_of(account_id: str, region: str) -> str:
    return f"{account_id}.dkr.ecr.{region}.amazonaws.com"


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
) -> list[str]:
    """Build the images with Pants and push each under its planned tag, plus release tags.

    An image whose tag is already in ECR (a re-run of the same commit) is not rebuilt: the
    repository may use immutable tags, and the same commit gives the same image.
    Returns every tag now pointing at a pushed image.
    """
    password = runner(["aws", "ecr", "get-login-password", "--region", region], None)
    runner(["docker", "login", "--username", "AWS", "--password-stdin", registry], None, stdin=password)
    missing = [image for image in images if not image_exists(repository, image["tag"], runner)]
    if missing:
        streamer(["./pants", "package", *(image["dockerfile"] for image in missing)], repo)
    pushed = []
    for image in images:
        if image in missing:
            info = json.loads(docker_info_path(repo, image["dockerfile"]).read_text(encoding="utf-8"))
            remote = f"{registry}/{repository}:{image['tag']}"
            runner(["docker", "tag", info["image_id"], remote], None)
            streamer(["docker", "push", remote], None)
        pushed.append(image["tag"])
        for release in release_images:
            if (release["service"], release["component"]) == (image["service"], image["component"]):
                add_tag(repository, image["tag"], release["release_tag"], runner)
                pushed.append(release["release_tag"])
    return pushed
