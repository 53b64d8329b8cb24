"""3. Artifact size and start: each service's PEX against one PEX with every service's requirements."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from benchmarks.common import CODE_PYTHON, Section, log, median, pants, seconds
from benchmarks.repos import build_repo, union_requirements

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


def time_to_health(pex: Path, pex_root: Path, timeout: float = 120) -> float:
    """Seconds from spawning the PEX to its first 200 from /health; the process is stopped by pid."""
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "PEX_ROOT": str(pex_root)}
    started = time.perf_counter()
    process = subprocess.Popen([str(pex)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"{pex} exited with {process.returncode} before answering /health")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return time.perf_counter() - started
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"{pex} did not answer /health within {timeout} s")
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(workdir: Path, services: int, repeats: int) -> Section:
    section = Section("artifacts", f"3. Artifacts ({services}-service repo)", ["artifact", "size", "start to /health"])
    project = build_repo(workdir, services)
    shutil.rmtree(project / "dist", ignore_errors=True)
    pants(project, "--filter-target-type=-docker_image", "package", "modules::")
    pexes = sorted((project / "dist").glob("modules.*/*.pex"))
    log(f"{len(pexes)} PEX files; building the union PEX")
    union = union_pex(workdir, project)

    api_sizes, worker_sizes = [], []
    for pex in pexes:
        size = pex.stat().st_size
        (api_sizes if pex.name == "api-server.pex" else worker_sizes).append(size)
    starts: dict[str, tuple[float, float]] = {}
    for name in ("reports", "svc01"):
        pex = project / f"dist/modules.{name}.backend.api/api-server.pex"
        if not pex.exists():
            continue
        pex_root = Path(tempfile.mkdtemp(prefix="bench-pexroot-", dir=workdir))
        try:
            cold = time_to_health(pex, pex_root)  # first run: PEX unpacks into an empty PEX_ROOT
            warm = median([time_to_health(pex, pex_root) for _ in range(repeats)])
        finally:
            shutil.rmtree(pex_root, ignore_errors=True)
        starts[name] = (cold, warm)
    for pex in pexes:
        service = pex.parent.name.split(".")[1]
        start = ""
        if pex.name == "api-server.pex" and service in starts:
            cold, warm = starts[service]
            start = f"{seconds(cold)} first run, {seconds(warm)} warm (median of {repeats})"
        if service in ("reports", "svc01") or pex == pexes[-1]:
            section.rows.append([f"{service}: {pex.name}", mib(pex.stat().st_size), start])
    section.rows.append([f"all {len(api_sizes)} api-server PEXes together", mib(sum(api_sizes)), ""])
    section.rows.append([f"all {len(pexes)} service PEXes together", mib(sum(api_sizes) + sum(worker_sizes)), ""])
    section.rows.append(["one PEX with every service's requirements (pex -r union)", mib(union.stat().st_size), ""])
    section.notes += [
        "Service PEXes from `./pants package modules::` (docker images filtered out); the union PEX is "
        f"built with pex {PEX_VERSION} from the union of the service requirement files (requirements only).",
        "Every generated service starts from the same requirements as the cookiecutter-service template, so "
        "here the union adds nothing a single service lacks: a per-service PEX is as big as the union until "
        "services' requirements diverge. reports is bigger: moto, flask and PyYAML for its local runtime.",
        "Start = spawn of the PEX to the first HTTP 200 from /health on loopback. The first run unpacks the "
        "PEX into an empty PEX_ROOT; warm runs reuse it. Limits: importing FastAPI/pydantic/boto3 on a "
        "shared 2-core machine; the PEX's size only matters for the first run.",
    ]
    return section
