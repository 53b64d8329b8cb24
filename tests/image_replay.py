"""Replays a service Dockerfile without a Docker engine, in a scratch folder.

The suite and the benchmarks have no Docker engine, yet they should run what an image runs,
built the way its Dockerfile builds it. This reads the Dockerfile's stages and does each
instruction on the host: a ``COPY`` copies from the build context (Pants' ``dist/``) or from
an earlier stage, a ``RUN`` runs its command with the code's interpreter as ``python``, and
``ENTRYPOINT`` becomes the command to start. Container paths (``/app/venv``) live under one
root folder that every stage uses in turn, so paths written into files (a venv's scripts)
are right for the final stage, as they are in the image.

Each file-adding instruction of the final stage is a layer, with the key Docker's build
cache gives it: the key before it, the instruction, and the content of what it copies (for
``COPY --from``, the key of that stage). A layer whose key did not change is reused.

Only what the service Dockerfiles use is supported; ``RUN useradd`` is skipped (it only
names the image's user, and must not change this machine's users).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import tarfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Layer:
    instruction: str
    key: str  # Docker's build-cache key: a new key means new bytes to build and push
    files: Path  # what the instruction adds (a file or a folder)

    def size(self) -> int:
        paths = [self.files] if self.files.is_file() else self.files.rglob("*")
        return sum(p.lstat().st_size for p in paths if p.is_file() and not p.is_symlink())

    def compressed_size(self) -> int:
        """Bytes of the layer as a registry stores it: a gzipped tar of the files."""
        counter = _Counter()
        with gzip.GzipFile(fileobj=counter, mode="wb", compresslevel=6, mtime=0) as zipped:
            with tarfile.open(fileobj=zipped, mode="w|") as tar:
                tar.add(self.files, arcname=self.files.name)
        return counter.bytes


@dataclass
class Image:
    root: Path  # the container's paths, under this folder
    layers: list[Layer] = field(default_factory=list)
    entrypoint: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def path(self, container_path: str) -> Path:
        return self.root / container_path.lstrip("/")

    def payload(self) -> int:
        return sum(layer.size() for layer in self.layers)


class _Counter:
    def __init__(self) -> None:
        self.bytes = 0

    def write(self, data: bytes) -> int:
        self.bytes += len(data)
        return len(data)

    def flush(self) -> None:
        pass


def instructions(dockerfile: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction; comments dropped, continuations joined."""
    found, pending = [], ""
    for line in dockerfile.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        word, _, rest = text.partition(" ")
        found.append((word.upper(), rest.strip()))
    return found


def replay(dockerfile: Path, context: Path, workdir: Path, python: str) -> Image:
    """Build ``dockerfile`` from ``context`` under ``workdir`` (emptied first); the final stage's image."""
    shutil.rmtree(workdir, ignore_errors=True)
    (workdir / "stages").mkdir(parents=True)
    tools = workdir / "bin"  # `python` in RUN commands and shebangs: the code's interpreter
    tools.mkdir()
    # The interpreter itself, not a launcher that picks one by the name it is called by (pyenv's shims).
    real = subprocess.run([python, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True,
                          check=True).stdout.strip()  # fmt: skip
    for name in ("python", "python3", "python3.12"):
        (tools / name).symlink_to(real)
    image = Image(workdir / "root")
    stage_keys: dict[str, str] = {}
    stage_name, key, stages = "", "", 0

    def finish_stage() -> None:
        if stage_name:
            stage_keys[stage_name] = key
            image.root.rename(workdir / "stages" / stage_name)

    for word, args in instructions(dockerfile):
        if word == "FROM":
            finish_stage()
            base, _, name = args.partition(" AS ")
            stages += 1
            base, stage_name = base.strip(), name.strip() or f"stage-{stages}"
            image.layers, image.env, image.entrypoint = [], {}, []
            if base in stage_keys:
                shutil.copytree(workdir / "stages" / base, image.root, symlinks=True)
                key = stage_keys[base]
            else:
                image.root.mkdir()
                key = _digest(f"FROM {base}")
            continue
        if word == "COPY":
            sources, destination, origin = _copy_arguments(args)
            if origin:
                inputs = stage_keys[origin]
                files = [workdir / "stages" / origin / s.lstrip("/") for s in sources]
            else:
                files = [context / s for s in sources]
                inputs = _digest(*(_content(f) for f in files))
            key = _digest(key, f"{word} {args}", inputs)
            for source in files:
                target = image.path(destination)
                if destination.endswith("/") or len(files) > 1:
                    target = target / source.name
                _merge(source, target)
                image.layers.append(Layer(f"{word} {args}", key, source))
        elif word == "RUN":
            key = _digest(key, f"{word} {args}")
            _run(args, image, workdir, tools)
        elif word == "ENV":
            image.env.update(token.split("=", 1) for token in shlex.split(args))
        elif word == "ENTRYPOINT":
            image.entrypoint = [_on_root(arg, image) for arg in json.loads(args)]
        elif word not in {"USER", "EXPOSE"}:
            raise ValueError(f"{dockerfile}: the replay does not support {word}")
    image.env["PATH"] = f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"
    return image


def _merge(source: Path, target: Path) -> None:
    """Copy a file or a tree over what is there, as a layer does: a file or link replaces one."""
    if source.is_dir() and not source.is_symlink():
        target.mkdir(parents=True, exist_ok=True)
        for child in source.iterdir():
            _merge(child, target / child.name)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_symlink() or target.is_file():
        target.unlink()
    shutil.copy2(source, target, follow_symlinks=False)


def _copy_arguments(args: str) -> tuple[list[str], str, str]:
    tokens = shlex.split(args)
    origin = ""
    while tokens[0].startswith("--"):
        flag = tokens.pop(0)
        if flag.startswith("--from="):
            origin = flag.split("=", 1)[1]
        else:
            raise ValueError(f"the replay does not support COPY {flag}")
    return tokens[:-1], tokens[-1], origin


def _run(args: str, image: Image, workdir: Path, tools: Path) -> None:
    tokens = shlex.split(args)
    if tokens[0] == "useradd":
        return
    env = {**os.environ, **image.env, "PATH": f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"}
    # The builder's own cache (root's ~/.pex): thrown away with the stage, as in a Docker build.
    env["PEX_ROOT"] = str(workdir / "build-pex-root")
    while tokens and "=" in tokens[0] and not tokens[0].startswith("/"):
        name, value = tokens.pop(0).split("=", 1)
        env[name] = value
    command = [_on_root(token, image) for token in tokens]
    done = subprocess.run(command, env=env, cwd=image.root, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"RUN {args} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-4000:]}")


def _on_root(argument: str, image: Image) -> str:
    return str(image.path(argument)) if argument.startswith("/") else argument


def _content(path: Path) -> str:
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).hexdigest()
    return _digest(*(f"{p.relative_to(path)}:{_content(p)}" for p in sorted(path.rglob("*")) if p.is_file()))


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()
