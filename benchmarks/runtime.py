"""The Lambda runtime as this machine can reproduce it: Python 3.13 and the pinned layer, byte-compiled or not.

The layer `sam build` makes (.aws-sam/build) holds arm64 wheels that cannot load on an x86_64 machine, so the bench
installs the same pins of layers/jobtracker/requirements.txt for this machine's architecture (cached under
.tools/bench/deps-<arch>-<hash>) and lays out, for each variant, what Lambda puts on sys.path:

    <variant>/opt     the layer: the pinned packages plus a fresh copy of src/jobtracker (/opt/python in Lambda)
    <variant>/task    the function code: functions/tracker/app.py and benchmarks/baseline_handler.py (/var/task)

The "compiled" variant is byte-compiled with the runtime's Python (unchecked-hash, as layers/jobtracker/Makefile
does), task included; the "source" variant has no .pyc at all and runs with PYTHONDONTWRITEBYTECODE=1, as Lambda
cannot write __pycache__.
"""

from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / ".tools" / "bench"
REQUIREMENTS = REPO / "layers" / "jobtracker" / "requirements.txt"
_PLATFORMS = {"x86_64": "manylinux2014_x86_64", "aarch64": "manylinux2014_aarch64", "arm64": "manylinux2014_aarch64"}

# What the function's environment holds in Lambda (template.yaml), with dummy credentials: clients resolve them
# from the environment at creation, as Lambda's execution role credentials are.
FUNCTION_ENVIRONMENT = {
    "TABLE_NAME": "jobtracker-jobs",
    "TOPIC_ARN": "arn:aws:sns:us-east-1:123456789012:jobtracker-alerts",
    "ALERT_STATUSES": "Failed",
    "SENSITIVE_HYPERPARAMETER_PATTERN": "",
    "SNAPSHOT_RETENTION_DAYS": "0",
    "POWERTOOLS_SERVICE_NAME": "jobtracker",
    "POWERTOOLS_METRICS_NAMESPACE": "JobTracker",
    "POWERTOOLS_LOG_LEVEL": "INFO",
    "AWS_REGION": "us-east-1",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
    "AWS_LAMBDA_FUNCTION_NAME": "jobtracker-tracker",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "256",
    "LANG": "C.UTF-8",
}


def runtime_python() -> str | None:
    """The runtime's interpreter: python3.13 on PATH, else pyenv's 3.13.0; None when neither is really 3.13."""
    candidates = [shutil.which("python3.13") or ""]
    try:
        found = subprocess.run(
            ["pyenv", "which", "python"],
            env={**os.environ, "PYENV_VERSION": "3.13.0"},
            capture_output=True,
            text=True,
            check=False,
        )
        candidates.append(found.stdout.strip())
    except FileNotFoundError:
        pass
    for candidate in candidates:
        if not candidate:
            continue
        probe = subprocess.run(
            [candidate, "-c", "import sys; sys.exit(sys.version_info[:2] != (3, 13))"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return candidate
    return None


@dataclass(frozen=True)
class Variant:
    name: str  # "compiled" or "source"
    python: str
    opt: Path
    task: Path

    @property
    def compiled(self) -> bool:
        return self.name == "compiled"

    def environment(self, **extra: str) -> dict[str, str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ.get("HOME", "/tmp"),
            **FUNCTION_ENVIRONMENT,
            "PYTHONPATH": f"{self.task}{os.pathsep}{self.opt}",
            **extra,
        }
        if not self.compiled:
            env["PYTHONDONTWRITEBYTECODE"] = "1"
        return env


def _deps(python: str) -> Path:
    machine = platform.machine()
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    target = WORK / f"deps-{machine}-{digest}"
    if (target / ".complete").exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    command = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-input",
        "-r", str(REQUIREMENTS), "--target", str(target), "--python-version", "3.13", "--only-binary=:all:",
        "--platform", _PLATFORMS.get(machine, f"manylinux2014_{machine}"), "--implementation", "cp",
        "--no-compile", "--no-warn-conflicts",
    ]  # fmt: skip
    subprocess.run(command, check=True)
    shutil.rmtree(target / "bin", ignore_errors=True)
    (target / ".complete").write_text(python)
    return target


def prepare(python: str) -> list[Variant]:
    """Both variants, rebuilt from the current sources (the dependencies are cached)."""
    deps = _deps(python)
    variants = []
    for name in ("compiled", "source"):
        root = WORK / name
        shutil.rmtree(root, ignore_errors=True)
        opt, task = root / "opt", root / "task"
        shutil.copytree(deps, opt, ignore=shutil.ignore_patterns(".complete"))
        shutil.copytree(REPO / "src" / "jobtracker", opt / "jobtracker", ignore=shutil.ignore_patterns("__pycache__"))
        task.mkdir(parents=True)
        shutil.copy2(REPO / "functions" / "tracker" / "app.py", task / "app.py")
        shutil.copy2(REPO / "benchmarks" / "baseline_handler.py", task / "baseline_handler.py")
        if name == "compiled":
            for folder in (opt, task):
                subprocess.run(
                    [python, "-m", "compileall", "-q", "-j0", "--invalidation-mode", "unchecked-hash", str(folder)],
                    check=True,
                )
        variants.append(Variant(name, python, opt, task))
    return variants


def machine_description() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} CPUs ({model}), {platform.system()} {platform.release()}"
