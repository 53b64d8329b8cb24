"""Pins the weekly Upkeep workflow (lockfiles.yml) keeps current, so jobs that hold prod
credentials never run a tool or base image chosen at run time:

- ``pulumi-version`` of every pulumi/actions step = the ``pulumi`` SDK in lockfiles/infra.lock;
- every Dockerfile ``FROM <image>:<tag>@sha256:<digest>``: the digest the tag points at now,
  read from the registry (Docker Registry HTTP API v2, anonymous pull token).

Both rewrite files in place and return what changed; the workflow opens a pull request.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tools.delivery.locked_requirements import pins

PULUMI_VERSION = re.compile(r'^(?P<indent>\s*)pulumi-version:\s*"?(?P<version>[^"\s#]+)"?', re.M)
# FROM [--platform=...] image[:tag][@sha256:...] [AS name]
FROM = re.compile(
    r"^(?P<head>FROM\s+(?:--platform=\S+\s+)?)(?P<image>[^\s@:]+(?::\d+/[^\s@:]+)?)(?::(?P<tag>[^\s@]+))?"
    r"(?:@(?P<digest>sha256:[0-9a-f]{64}))?(?P<tail>.*)$",
    re.M | re.I,
)
MANIFEST_TYPES = ", ".join(
    [
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ]
)

# (image, tag) -> the digest the tag points at now.
DigestLookup = Callable[[str, str], str]


def locked_pulumi_version(repo: Path) -> str:
    version = pins(repo / "lockfiles" / "infra.lock").get("pulumi")
    if not version:
        raise LookupError("lockfiles/infra.lock locks no pulumi SDK; the Pulumi CLI version follows it")
    return version


def pin_pulumi_cli(repo: Path) -> list[str]:
    """Set every workflow's ``pulumi-version`` to the locked SDK's version."""
    version = locked_pulumi_version(repo)
    changed = []
    for workflow in sorted((repo / ".github" / "workflows").glob("*.yml")):
        text = workflow.read_text(encoding="utf-8")
        updated = PULUMI_VERSION.sub(lambda m: f'{m.group("indent")}pulumi-version: "{version}"', text)
        if updated != text:
            workflow.write_text(updated, encoding="utf-8")
            changed.append(str(workflow.relative_to(repo)))
    return changed


def dockerfiles(repo: Path) -> list[Path]:
    return sorted(p for p in repo.rglob("Dockerfile") if not any(part in {"dist", ".git"} for part in p.parts))


def unpinned_base_images(repo: Path) -> list[str]:
    """``path:line: FROM ...`` for every base image that is not pinned by digest."""
    found = []
    for dockerfile in dockerfiles(repo):
        text = dockerfile.read_text(encoding="utf-8")
        stages = _stages(text)
        for match in FROM.finditer(text):
            if match.group("image").lower() not in {"scratch", *stages} and not match.group("digest"):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{dockerfile.relative_to(repo)}:{line}: {match.group(0).strip()}")
    return found


def _stages(text: str) -> set[str]:
    # `FROM base AS builder` then `FROM builder`: a stage, not an image to pin.
    return {m.group(1).lower() for m in re.finditer(r"^FROM\s.*\sAS\s+(\S+)\s*$", text, re.M | re.I)}


def update_base_images(repo: Path, lookup: DigestLookup) -> list[str]:
    """Pin (or re-pin) every ``FROM image:tag`` to the digest the tag points at now."""
    changed = []
    for dockerfile in dockerfiles(repo):
        text = dockerfile.read_text(encoding="utf-8")
        stages = _stages(text)

        def pinned(match: re.Match[str], stages: set[str] = stages) -> str:
            image, tag = match.group("image"), match.group("tag") or "latest"
            if image.lower() == "scratch" or image.lower() in stages:
                return match.group(0)
            return f"{match.group('head')}{image}:{tag}@{lookup(image, tag)}{match.group('tail')}"

        updated = FROM.sub(pinned, text)
        if updated != text:
            dockerfile.write_text(updated, encoding="utf-8")
            changed.append(str(dockerfile.relative_to(repo)))
    return changed


class RegistryClient:
    """Digests from a registry's v2 API: an anonymous pull token, then a HEAD of the manifest
    (the ``Docker-Content-Digest`` of the multi-platform index, what ``docker pull`` pins).

    ``python:3.11-slim`` is Docker Hub's ``library/python``; ``ghcr.io/org/x`` is asked of ghcr.io.
    """

    def __init__(self, docker_hub: str = "https://registry-1.docker.io", timeout: float = 30) -> None:
        self.docker_hub = docker_hub.rstrip("/")
        self.timeout = timeout

    def locate(self, image: str) -> tuple[str, str]:
        """(registry URL, repository path) of an image reference."""
        first, _, rest = image.partition("/")
        if rest and ("." in first or ":" in first or first == "localhost"):
            return f"https://{first}", rest
        return self.docker_hub, image if "/" in image else f"library/{image}"

    def _token(self, challenge: str, repository: str) -> str | None:
        fields = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
        if not challenge.lower().startswith("bearer") or "realm" not in fields:
            return None
        query = {"scope": f"repository:{repository}:pull"}
        if "service" in fields:
            query["service"] = fields["service"]
        url = f"{fields['realm']}?{urllib.parse.urlencode(query)}"
        with urllib.request.urlopen(url, timeout=self.timeout) as response:  # noqa: S310 - the registry's realm
            body = json.loads(response.read())
        return body.get("token") or body.get("access_token")

    def digest(self, image: str, tag: str) -> str:
        registry, repository = self.locate(image)
        url = f"{registry}/v2/{repository}/manifests/{tag}"
        headers = {"Accept": MANIFEST_TYPES}
        for _ in range(2):
            request = urllib.request.Request(url, method="HEAD", headers=headers)  # noqa: S310 - https registry
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                    digest = response.headers.get("Docker-Content-Digest", "")
            except urllib.error.HTTPError as error:
                challenge = error.headers.get("WWW-Authenticate", "")
                token = self._token(challenge, repository) if error.code == 401 else None
                if token is None or "Authorization" in headers:
                    raise LookupError(f"{image}:{tag}: the registry answered {error.code} for {url}") from error
                headers["Authorization"] = f"Bearer {token}"
                continue
            if not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
                raise LookupError(f"{image}:{tag}: the registry sent no Docker-Content-Digest for {url}")
            return digest
        raise LookupError(f"{image}:{tag}: not authorised by the registry at {url}")
