"""Cold init: importing the function's module and building its clients in a fresh runtime interpreter.

Each sample is a new Python 3.13 process that imports the handler module the way Lambda's runtime does (app.py, or
baseline_handler.py) and times that import alone, wall clock and CPU; jobtracker's handler builds its settings, models
and clients at import, as the baseline builds its clients. Runs alternate ours / baseline so that a slower moment of
the machine hits both, and each figure is the median of the runs.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from benchmarks.runtime import Variant

MODULES = {"ours": "app", "baseline": "baseline_handler"}

# VmHWM, not getrusage's ru_maxrss: that one keeps the peak of the process that forked us across exec.
_CHILD = """
import json, sys, time
wall, cpu = time.perf_counter(), time.process_time()
import {module}
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
with open("/proc/self/status") as status:
    rss = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({{"wall": wall, "cpu": cpu, "rss_kb": rss, "modules": len(sys.modules)}}))
"""


@dataclass(frozen=True)
class Sample:
    wall: float
    cpu: float
    rss_kb: int
    modules: int


@dataclass(frozen=True)
class ColdResult:
    variant: str
    runs: int
    samples: dict[str, list[Sample]]

    def median(self, who: str, what: str) -> float:
        return statistics.median(getattr(sample, what) for sample in self.samples[who])

    def ratio(self, what: str) -> float:
        return self.median("ours", what) / self.median("baseline", what)

    def paired(self, what: str) -> float:
        """The median of each run's ours / baseline: the two samples of a run are taken back to back."""
        pairs = zip(self.samples["ours"], self.samples["baseline"], strict=True)
        return statistics.median(getattr(ours, what) / getattr(base, what) for ours, base in pairs)


def sample(variant: Variant, who: str, *, importtime: bool = False) -> Sample | str:
    command = [variant.python, "-s"]
    if importtime:
        command += ["-X", "importtime"]
    command += ["-c", _CHILD.format(module=MODULES[who])]
    done = subprocess.run(command, env=variant.environment(), capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"cold import of {who} ({variant.name}) failed:\n{done.stderr}")
    if importtime:
        return done.stderr
    return Sample(**json.loads(done.stdout.strip().splitlines()[-1]))


def measure(variant: Variant, runs: int) -> ColdResult:
    samples: dict[str, list[Sample]] = {"ours": [], "baseline": []}
    sample(variant, "ours")  # warm the page cache, as a deployed layer already is on disk
    sample(variant, "baseline")
    for run in range(runs):
        order = ("ours", "baseline") if run % 2 == 0 else ("baseline", "ours")
        for who in order:
            result = sample(variant, who)
            assert isinstance(result, Sample)
            samples[who].append(result)
    return ColdResult(variant.name, runs, samples)


def top_imports(variant: Variant, who: str, count: int = 12) -> list[tuple[str, float, float]]:
    """The slowest top-level imports of one cold import (`python -X importtime`): (module, self ms, cumulative ms)."""
    text = sample(variant, who, importtime=True)
    assert isinstance(text, str)
    rows = []
    for line in text.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((name.strip(), int(self_us) / 1000, int(cumulative_us) / 1000, depth))
    return [(name, own, cumulative) for name, own, cumulative, _ in sorted(rows, key=lambda row: -row[1])[:count]]


def instructions(variant: Variant) -> dict[str, float] | None:
    """Instructions executed by each cold import, in millions (valgrind's cachegrind, one run each, startup taken
    off): a figure no other load on the machine can move, unlike the timings. None without valgrind."""
    if shutil.which("valgrind") is None:
        return None

    def count(module: str | None) -> float:
        code = (f"import {module}\n" if module else "") + "import os\nos._exit(0)"  # no interpreter teardown
        command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
        done = subprocess.run(
            [*command, variant.python, "-s", "-c", code],
            env=variant.environment(), capture_output=True, text=True, check=False,
        )  # fmt: skip
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if done.returncode != 0 or found is None:
            raise RuntimeError(f"valgrind run of {module} failed:\n{done.stderr[-2000:]}")
        return int(found.group(1).replace(",", "")) / 1e6

    with ThreadPoolExecutor(3) as pool:
        empty, ours, baseline = pool.map(count, [None, MODULES["ours"], MODULES["baseline"]])
    return {"ours": ours - empty, "baseline": baseline - empty}
