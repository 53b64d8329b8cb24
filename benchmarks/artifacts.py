"""3. Artifacts and images: start, layers and payload of the images, before and after issue 19's layout."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import CODE_PYTHON, Section, log, median, pants, seconds
from benchmarks.repos import build_repo, union_requirements
from tests.image_replay import Image, replay

PEX_VERSION = "2.1.163"  # the pex ./pants hands Pants (2.1.137, its default, cannot target 3.12)


def mib(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


def union_pex(workdir: Path, project: Path) -> Path:
    tool = workdir / "pex-venv"
    if not (tool / "bin/pex").exists():
        subprocess.run([CODE_PYTHON, "-m", "venv", str(tool)], check=True)
        subprocess.run([str(tool / "bin/pip"), "install", "--quiet", "--disable-pip-version-check",
                        f"pex=={PEX_VERSION}"], check=True)
    requirements = workdir / "union-requirements.txt"
    requirements.write_text("\n".join(union_requirements(project)) + "\n")
    output = workdir / "union.pex"
    subprocess.run([str(tool / "bin/pex"), "-r", str(requirements), "--python", CODE_PYTHON, "-o", str(output)],
                   check=True, capture_output=True)
    return output


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def time_to_health(command: list[str], env: dict[str, str], timeout: float = 120) -> float:
    """Seconds from spawning ``command`` to its first 200 from /health; the process is stopped by pid."""
    port = free_port()
    env = {**os.environ, **env, "HOST": "127.0.0.1", "PORT": str(port)}
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{command} exited with {process.returncode} before answering /health")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{command} did not answer /health within {timeout} s")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The images before issue 19: one PEX (execution_mode="venv") copied in, unpacked at the first start.
SINGLE_PEX_DOCKERFILE = """\
FROM python:3.12-slim
RUN useradd --system --uid 10001 app
COPY modules.{module}.backend.{component}/{binary}.pex /app/{binary}.pex
USER 10001
ENTRYPOINT ["/app/{binary}.pex"]
"""
BINARIES = {"api": "api-server", "worker": "queue-worker"}
# The one-line change: a line appended to a file of the module's service layer.
CHANGED_FILE = "modules/{module}/backend/service/jobs.py"


@dataclass
class Built:
    """One component's image in both layouts: the layers' keys and bytes."""

    single: Image
    split: Image


def build_images(project: Path, workdir: Path, module: str, component: str) -> Built:
    workdir.mkdir(parents=True, exist_ok=True)
    single_file = workdir / f"{module}-{component}.single-pex.Dockerfile"
    single_file.write_text(SINGLE_PEX_DOCKERFILE.format(module=module, component=component,
                                                        binary=BINARIES[component]))
    dockerfile = project / f"modules/{module}/backend/{component}/Dockerfile"
    scratch = workdir / "images" / f"{module}-{component}"
    return Built(replay(single_file, project / "dist", scratch / "single", CODE_PYTHON),
                 replay(dockerfile, project / "dist", scratch / "split", CODE_PYTHON))


def start_times(image: Image, workdir: Path, repeats: int) -> tuple[float, float]:
    """(first start with an empty PEX_ROOT, median of the warm starts after it)."""
    pex_root = Path(tempfile.mkdtemp(prefix="bench-pexroot-", dir=workdir))
    env = {**image.env, "PEX_ROOT": str(pex_root)}
    try:
        first = time_to_health(image.entrypoint, env)
        warm = median([time_to_health(image.entrypoint, env) for _ in range(repeats)])
    finally:
        shutil.rmtree(pex_root, ignore_errors=True)
    return first, warm


def changed_bytes(before: Image, after: Image) -> int:
    """Bytes of the layers a rebuild makes anew: those whose build-cache key changed."""
    old = {layer.key for layer in before.layers}
    return sum(layer.size() for layer in after.layers if layer.key not in old)


def describe(image: Image) -> str:
    sizes = [mib(layer.size()) for layer in image.layers]
    zipped = sum(layer.compressed_size() for layer in image.layers)
    return f"{mib(image.payload())} in {len(sizes)} layer(s) ({' + '.join(sizes)}; {mib(zipped)} gzipped)"


def package_module(project: Path, module: str) -> None:
    pants(project, "--filter-target-type=-docker_image", "package", f"modules/{module}/backend::")


def run(workdir: Path, services: int, repeats: int) -> Section:
    section = Section("artifacts", f"3. Artifacts and images ({services}-service repo)",
                      ["what", "single-PEX image (before)", "pre-built venv in two layers (now)", "goal"])
    project = build_repo(workdir, services)
    shutil.rmtree(project / "dist", ignore_errors=True)
    pants(project, "--filter-target-type=-docker_image", "package", "modules::")
    log("building the union PEX")
    union = union_pex(workdir, project)

    modules = [name for name in ("reports", "svc01") if (project / f"modules/{name}").is_dir()]
    images = {(m, c): build_images(project, workdir, m, c) for m in modules for c in BINARIES}
    for module in modules:
        log(f"starting {module}'s API in both layouts")
        single_first, single_warm = start_times(images[module, "api"].single, workdir, repeats)
        split_first, split_warm = start_times(images[module, "api"].split, workdir, repeats)
        ratio = split_first / single_warm
        section.rows.append([
            f"{module} api: start to /health",
            f"{seconds(single_first)} first, {seconds(single_warm)} warm",
            f"{seconds(split_first)} first, {seconds(split_warm)} warm",
            f"first <= 1.2x before's warm: {ratio:.2f}x, {'met' if ratio <= 1.2 else 'MISSED'}",
        ])
        for component in BINARIES:
            built = images[module, component]
            section.rows.append([f"{module} {component} image: Python payload", describe(built.single),
                                 describe(built.split), ""])
        section.rows.append([
            f"{module}: payload of its images (api + worker)",
            mib(sum(images[module, c].single.payload() for c in BINARIES)),
            mib(sum(images[module, c].split.payload() for c in BINARIES)),
            "",
        ])

    module = modules[0]
    changed = project / CHANGED_FILE.format(module=module)
    log(f"a one-line change in {changed.relative_to(project)}")
    original = changed.read_text()
    try:
        changed.write_text(original + f"# a one-line change ({time.time_ns()})\n")
        package_module(project, module)
        after = {c: build_images(project, workdir / "after", module, c) for c in BINARIES}
    finally:
        changed.write_text(original)
    for component in BINARIES:
        before = images[module, component]
        single = changed_bytes(before.single, after[component].single)
        split = changed_bytes(before.split, after[component].split)
        share = split / after[component].split.payload()
        section.rows.append([
            f"{module} {component} image: new layer bytes after a one-line change in service/",
            f"{mib(single)} = {single / after[component].single.payload():.1%} of the payload",
            f"{mib(split)} = {share:.1%} of the payload",
            f"<= 1% of the payload: {'met' if share <= 0.01 else 'MISSED'}",
        ])
    package_module(project, module)  # dist/ as the checkout builds it again
    shutil.rmtree(workdir / "images", ignore_errors=True)
    shutil.rmtree(workdir / "after", ignore_errors=True)

    pexes = sorted((project / "dist").glob("modules.*/*.pex"))
    whole = [p for p in pexes if p.stem in BINARIES.values()]
    split_pexes = [p for p in pexes if p.stem.endswith(("-requirements", "-sources"))]
    section.rows.append([f"dist/: PEX files for {len(whole)} images", f"{mib(sum(p.stat().st_size for p in whole))} "
                         f"({len(whole)} PEXes)", f"{mib(sum(p.stat().st_size for p in split_pexes))} "
                         f"({len(split_pexes)} requirements and sources PEXes)", ""])
    section.rows.append(["one PEX with every service's requirements (pex -r union)", mib(union.stat().st_size),
                         "", ""])
    section.notes += [
        "Images are not built by Docker here (no engine): each Dockerfile is replayed in a scratch folder "
        "(tests/image_replay.py: COPY from dist/ or an earlier stage, RUN with CPython 3.12 as `python`, the "
        "ENTRYPOINT started as is). Before = the single-PEX Dockerfile of the template before issue 19 "
        "(COPY api-server.pex, ENTRYPOINT the PEX); now = the module's own Dockerfile.",
        "Start = spawn of the image's entry point to the first HTTP 200 from /health on loopback, with an "
        "empty PEX_ROOT (a container's first start); warm = the median of the next "
        f"{repeats} starts with that PEX_ROOT kept, which only the single PEX uses (it unpacks its venv there "
        "on the first start). Goal: the pre-built venv's first start within 1.2x of the single PEX's warm start.",
        "Payload = bytes of the files the image's Python layers add (the base image, the same for both, not "
        "counted); gzipped = each layer as a gzipped tar, what a registry stores and a host pulls.",
        f"One-line change: a comment line appended to {CHANGED_FILE.format(module=module)}, the module's "
        "PEXes packaged again and the Dockerfiles replayed; a layer is new when its build-cache key changes "
        "(the key before it, the instruction, the content it copies: Docker's rule), and only new layers are "
        "built and pushed. Goal: at most 1% of the payload.",
        "Every generated service starts from the same requirements as the cookiecutter-service template, so "
        "the union PEX adds nothing a single service lacks until services' requirements diverge; reports is "
        "bigger: moto, flask and PyYAML for its local runtime. Limits: a shared 2-core machine; Docker's "
        "own costs (layer extraction, container start) are not measured.",
    ]
    return section
