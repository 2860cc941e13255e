"""`drgdip bench --pipeline` (`make bench`): the whole chain, stage by stage, on a generated region.

    drgdip bench --pipeline                       # ~100,000 cases a month: 1 month, then a 12-month backfill
    drgdip bench --pipeline --cases 20000 --months 3 --keep /tmp/bench-pipeline --json

A benchmark, never a test. For each scenario (K months of the payment year; by default K = 1 and
then K = 12, each in its own folder and warehouse, on one temp Dagster instance):
1. generate a region with about N cases a month (`generate_region`, cases_per_year = 12 N, the
   default defect rates) for the first K months of the payment year (timed, not counted);
2. load the reference tables: copied from the configured warehouse when it has them (as the
   grouper bench does), else the `reference_data` job, whose tables the next scenario copies
   (timed, not counted: a setup);
3. run the jobs as `drgdip demo` runs them, through `runner._Runner` (one Dagster run per job over
   the month range, in process) on a Dagster instance in a temp DAGSTER_HOME: `monthly_cycle`,
   `annual_reference`, `monthly_payment`, `monthly_supervision`, `annual_clearing`;
4. split each run's wall clock into stages from the run's own event log (STEP_START ..
   STEP_SUCCESS/FAILURE per step) and, for the `monthly_models` step of `monthly_cycle` (staging,
   quality, DRG and DIP models in ONE `dbt build`), from dbt's run_results.json (read right after
   the run: each dbt invocation overwrites it): dbt's elapsed time is shared out among the model
   folders in proportion to their nodes' execution_time (tests count with the model they test);
   what is left of a dbt step (dbt start-up, parse, Dagster's handling of its events: the dbt step's
   time less dbt's own "Finished running ... (Xs)" elapsed time) is the "dbt start-up" row, and what
   is left of a run's wall clock outside its steps (building the plan, starting the run, between
   steps) the "Dagster runs" row. The stages and the two overheads add up to the pipeline's time;
5. sample the resident memory of this process and its children (dbt) from /proc every 0.5 s, and
   read `getrusage` (process-lifetime maxima) at the end;
6. time a bare DuckDB scan of the same raw rows (count and distinct settlement ids of every raw
   table, and every diagnosis joined to its header into a table of the warehouse), and give the
   ratio pipeline / bare scan.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self

import duckdb

from orchestration.config import Settings, load_settings

# The rows of the report, in pipeline order; the two overheads close the sum.
STAGES = ("ingest", "staging", "quality", "drg", "dip", "row_accounting", "annual_reference", "payment",
          "supervision", "clearing", "dbt_overhead", "dagster_overhead")
OVERHEADS = ("dbt_overhead", "dagster_overhead")
STAGE_LABELS = {
    "ingest": "ingest (landing files → raw)",
    "staging": "staging (dbt)",
    "quality": "quality (dbt + GX + feedback)",
    "drg": "DRG grouping (dbt)",
    "dip": "DIP grouping (dbt)",
    "row_accounting": "row-accounting checks",
    "annual_reference": "weights + DIP library (yearly)",
    "payment": "payment (points, pre-settlement)",
    "supervision": "supervision (indicators, flags)",
    "clearing": "annual clearing",
    "dbt_overhead": "dbt start-up, parse, events",
    "dagster_overhead": "Dagster runs (plan, start, steps)",
}
# The jobs after the reference data, in the order `drgdip demo` runs them for the payment year.
PIPELINE_JOBS = ("monthly_cycle", "annual_reference", "monthly_payment", "monthly_supervision", "annual_clearing")
# A dbt node's stage by the folder of its file (the first match wins).
FOLDER_STAGES = (
    ("models/staging/", "staging"),
    ("models/intermediate/quality/", "quality"), ("models/marts/quality/", "quality"),
    ("models/intermediate/drg/", "drg"), ("models/marts/drg/", "drg"),
    ("models/intermediate/dip/", "dip"), ("models/marts/dip/", "dip"),
    ("models/intermediate/payment/", "payment"), ("models/marts/payment/", "payment"),
    ("models/intermediate/supervision/", "supervision"), ("models/marts/supervision/", "supervision"),
)
# The stage of a whole step by (job, step); monthly_cycle's monthly_models is split by folder.
STEP_STAGES = {
    ("monthly_cycle", "raw_settlement_lists"): "ingest",
    ("monthly_cycle", "per_run_models"): "staging",  # the routing tables, rebuilt once per run
    ("monthly_cycle", "gx_suites"): "quality",
    ("monthly_cycle", "quality_feedback"): "quality",
    ("annual_reference", "yearly_models"): "annual_reference",
    ("monthly_payment", "payment_models"): "payment",
    ("monthly_payment", "per_run_models"): "payment",  # the payment views
    ("monthly_supervision", "supervision_models"): "supervision",
    ("annual_clearing", "yearly_models"): "clearing",
}
DBT_STEPS = {"per_run_models", "monthly_models", "payment_models", "supervision_models", "yearly_models",
             "reference_seeds"}
RAW_PARTS = ("settlements", "setlinfo", "diseinfo", "oprninfo", "iteminfo")
BARE_JOIN = """
create or replace table main.bench_bare as
select d.setl_id, d.diag_code, d.maindiag_flag, s.fixmedins_code, s.gend, s.age, s.dscg_time
from raw.diseinfo as d
inner join raw.setlinfo as s on s.setl_id = d.setl_id
"""
GIB = 1024 ** 3


# --- memory ---------------------------------------------------------------------------------------


def _rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError, ValueError):
        pass
    return 0


def _descendants(root: int) -> list[int]:
    """Every process below `root` (from /proc/<pid>/stat's parent ids)."""
    children: dict[int, list[int]] = defaultdict(list)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                stat = fh.read()
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        # the command may hold spaces or parentheses: the fields after the last ')' are fixed
        ppid = int(stat[stat.rfind(")") + 2:].split()[1])
        children[ppid].append(int(entry))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class MemorySampler:
    """A background thread: every `interval` seconds, the resident memory of this process and of
    its descendants (dbt); keeps the peaks, and every `heartbeat` seconds tells `echo` what runs."""

    def __init__(self, echo, interval: float = 0.5, heartbeat: float = 30.0):
        self.echo, self.interval, self.heartbeat = echo, interval, heartbeat
        self.peak_self = self.peak_children = self.peak_total = 0
        self.label, self.label_since = "", time.monotonic()
        self._last_beat = self.label_since
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-memory", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def doing(self, label: str) -> None:
        self.label, self.label_since = label, time.monotonic()
        self._last_beat = self.label_since

    def sample(self) -> int:
        me = os.getpid()
        own = _rss_bytes(me)
        children = sum(_rss_bytes(pid) for pid in _descendants(me))
        self.peak_self = max(self.peak_self, own)
        self.peak_children = max(self.peak_children, children)
        self.peak_total = max(self.peak_total, own + children)
        return own + children

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            total = self.sample()
            now = time.monotonic()
            if self.label and now - self._last_beat >= self.heartbeat:
                self._last_beat = now
                self.echo(f"    ... {self.label}: {now - self.label_since:,.0f}s so far, "
                          f"{total / GIB:.2f} GiB resident (this process + dbt)")

    def peaks(self) -> dict[str, float]:
        return {"peak_rss_total_gib": round(self.peak_total / GIB, 2),
                "peak_rss_self_gib": round(self.peak_self / GIB, 2),
                "peak_rss_children_gib": round(self.peak_children / GIB, 2)}


def rusage_peaks() -> dict[str, float]:
    """Process-lifetime maxima (ru_maxrss is KiB on Linux); the children's is the largest single
    child waited for, not a sum, and a child forked from this process counts the pages it shares
    with it until it execs (so it is at least about this process' size at the fork)."""
    return {"maxrss_self_gib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / GIB, 2),
            "maxrss_children_gib": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / GIB, 2)}


# --- stage times from a run --------------------------------------------------------------------------


def step_durations(instance, run_id: str) -> dict[str, dict]:
    """Each step of a run: its seconds (start to success or failure, from the run's event log)
    and whether it succeeded."""
    from dagster import DagsterEventType

    starts: dict[str, float] = {}
    steps: dict[str, dict] = {}
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or not event.step_key:
            continue
        if event.event_type == DagsterEventType.STEP_START:
            starts[event.step_key] = record.timestamp
        elif event.event_type in (DagsterEventType.STEP_SUCCESS, DagsterEventType.STEP_FAILURE):
            begun = starts.get(event.step_key, record.timestamp)
            steps[event.step_key] = {"seconds": record.timestamp - begun,
                                     "success": event.event_type == DagsterEventType.STEP_SUCCESS}
    return steps


def node_stage(manifest: dict, unique_id: str) -> str | None:
    """The stage of a dbt node by its folder; a test counts with the model it tests."""
    nodes = manifest.get("nodes", {})
    node = nodes.get(unique_id)
    if node is None:
        return None
    if node.get("resource_type") == "test":
        tested = node.get("attached_node") or next(
            (n for n in node.get("depends_on", {}).get("nodes", []) if n.startswith("model.")), None)
        return node_stage(manifest, tested) if tested else None
    path = node.get("original_file_path", "")
    return next((stage for prefix, stage in FOLDER_STAGES if path.startswith(prefix)), None)


def dbt_node_seconds(run_results: dict, manifest: dict) -> dict[str, float]:
    """Sum of dbt's execution_time per stage (nodes without a stage under "other")."""
    seconds: dict[str, float] = defaultdict(float)
    for result in run_results.get("results", []):
        seconds[node_stage(manifest, result["unique_id"]) or "other"] += float(result.get("execution_time") or 0)
    return dict(seconds)


def dbt_elapsed_from_log(log_file: Path) -> float | None:
    """Sum of dbt's own elapsed times ("Finished running ... (12.34s).") over the invocations a run
    logged: the dbt step's time less dbt's start-up and parse."""
    if not log_file.exists():
        return None
    found = re.findall(r"Finished running .*\(([0-9.]+)s\)", log_file.read_text(encoding="utf-8", errors="replace"))
    return sum(float(x) for x in found) if found else None


def split_run(job: str, run_wall: float, steps: dict[str, dict], dbt_elapsed: float | None,
              node_seconds: dict[str, float]) -> dict[str, float]:
    """A run's wall clock as stages (see the module docstring); the values add up to `run_wall`."""
    stages: dict[str, float] = defaultdict(float)
    for step, info in steps.items():
        seconds = info["seconds"]
        if step.endswith("_row_accounting"):
            stages["row_accounting"] += seconds
            continue
        if step in DBT_STEPS and dbt_elapsed is not None:
            models = min(dbt_elapsed, seconds)
            stages["dbt_overhead"] += seconds - models
        else:
            models = seconds
        if job == "monthly_cycle" and step == "monthly_models":
            total = sum(node_seconds.values())
            for stage, node_time in node_seconds.items():
                stages["staging" if stage == "other" else stage] += models * node_time / total if total else 0
            if not total:
                stages["staging"] += models
        else:
            stages[STEP_STAGES.get((job, step), "dagster_overhead")] += models
    stages["dagster_overhead"] += max(run_wall - sum(info["seconds"] for info in steps.values()), 0.0)
    return dict(stages)


# --- the bare scan ---------------------------------------------------------------------------------


def bare_scan(warehouse: Path, repeats: int = 2) -> dict:
    """Best of `repeats`: count every raw table's rows and distinct settlements, then join every
    diagnosis to its case header into a table of the warehouse (dropped again). Same connection
    bounds as the pipeline's (memory, 2 threads)."""
    from orchestration.resources import duckdb_connection_config

    config = duckdb_connection_config(warehouse)
    config["memory_limit"] = str(config["memory_limit"])
    with duckdb.connect(str(warehouse), config=config) as con:
        rows: dict[str, int] = {}
        best_scan = best_join = float("inf")
        for _ in range(repeats):
            t0 = time.perf_counter()
            for part in RAW_PARTS:
                rows[part] = con.execute(f"select count(*), count(distinct setl_id) from raw.{part}").fetchone()[0]
            t1 = time.perf_counter()
            con.execute(BARE_JOIN)
            con.execute("checkpoint")
            t2 = time.perf_counter()
            best_scan, best_join = min(best_scan, t1 - t0), min(best_join, t2 - t1)
        joined = con.execute("select count(*) from main.bench_bare").fetchone()[0]
        con.execute("drop table main.bench_bare")
        con.execute("checkpoint")
    return {"raw_rows": rows, "joined_rows": joined, "scan_seconds": best_scan, "join_seconds": best_join,
            "seconds": best_scan + best_join}


# --- one scenario ----------------------------------------------------------------------------------


@dataclass
class Scenario:
    months: list[str]
    cases: int = 0
    staged_cases: int = 0
    generate_seconds: float = 0.0
    reference: str = ""
    reference_seconds: float = 0.0
    runs: list[dict] = field(default_factory=list)
    stages: dict[str, float] = field(default_factory=dict)
    wall_seconds: float = 0.0
    bare: dict = field(default_factory=dict)
    memory: dict = field(default_factory=dict)
    success: bool = True

    def as_dict(self) -> dict:
        # per case the pipeline staged (what it grouped, paid and supervised)
        per_second = {s: (round(self.staged_cases / v) if v > 0 else None)
                      for s, v in self.stages.items() if s not in OVERHEADS}
        bare = self.bare.get("seconds") or 0
        return {
            "months": self.months, "cases": self.cases, "staged_cases": self.staged_cases,
            "generate_seconds": round(self.generate_seconds, 2), "reference": self.reference,
            "reference_seconds": round(self.reference_seconds, 2),
            "stages": {s: round(self.stages.get(s, 0.0), 2) for s in STAGES},
            "cases_per_second": per_second,
            "pipeline_seconds": round(self.wall_seconds, 2),
            "pipeline_cases_per_second": round(self.staged_cases / self.wall_seconds) if self.wall_seconds else None,
            "runs": self.runs,
            "bare_scan": {k: (round(v, 3) if isinstance(v, float) else v) for k, v in self.bare.items()},
            "ratio_pipeline_to_bare": round(self.wall_seconds / bare, 1) if bare else None,
            "memory": self.memory, "success": self.success,
        }


def _reference(settings: Settings, runner, source: Path | None, echo) -> tuple[str, float]:
    """Reference tables into the scenario's warehouse: copied from `source` (default: the
    configured warehouse; the second scenario: the first one's) when it has them, else the
    `reference_data` job."""
    from orchestration.selfcheck import copy_reference

    t0 = time.monotonic()
    source = source or load_settings().warehouse
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    if source.exists() and copy_reference(source, settings.warehouse):
        return f"copied from {source}", time.monotonic() - t0
    echo("  reference data: no warehouse to copy it from, running the reference_data job ...")
    ok, seconds, status = runner.run("reference_data")
    if not ok:
        raise RuntimeError(f"reference_data {status}")
    return "reference_data job", seconds


def run_scenario(settings: Settings, months: list[str], cases_per_month: int, hospitals: int, seed: int,
                 sampler: MemorySampler, echo, reference_source: Path | None = None) -> Scenario:
    from orchestration.demo.generator import generate_region
    from orchestration.project import dbt_project
    from orchestration.runner import _Runner

    sc = Scenario(months)
    label = months[0] if len(months) == 1 else f"{months[0]}..{months[-1]}"
    echo(f"[{label}] generating ~{cases_per_month:,} cases a month, {hospitals} hospitals → {settings.data_dir}")
    sampler.doing(f"generating {label}")
    t0 = time.monotonic()
    summary = generate_region(settings, seed=seed, hospitals=hospitals, months=months,
                              cases_per_year=12 * cases_per_month,
                              progress=lambda m: echo(f"  {m}"))
    sc.generate_seconds, sc.cases = time.monotonic() - t0, int(summary.cases)
    echo(f"[{label}] generated {sc.cases:,} cases in {sc.generate_seconds:.1f}s (not counted)")

    runner = _Runner(settings)
    manifest = json.loads(Path(dbt_project.manifest_path).read_text(encoding="utf-8"))
    run_results = settings.warehouse.resolve().parent / "dbt_target" / "run_results.json"
    try:
        sampler.doing(f"reference tables {label}")
        sc.reference, sc.reference_seconds = _reference(settings, runner, reference_source, echo)
        echo(f"[{label}] reference tables: {sc.reference} ({sc.reference_seconds:.1f}s, not counted)")
        year = months[0][:4]
        stages: dict[str, float] = defaultdict(float)
        for job in PIPELINE_JOBS:
            keys = [year] if job in ("annual_reference", "annual_clearing") else months
            run_label = keys[0] if len(keys) == 1 else f"{keys[0]}..{keys[-1]}"
            echo(f"[{label}] {job} {run_label} ...")
            sampler.doing(f"{job} {run_label}")
            with contextlib.suppress(FileNotFoundError):
                run_results.unlink()  # so a run without dbt cannot be credited with the last one's nodes
            ok, seconds, status = runner.run(job, keys)
            sampler.doing("")
            run = runner.instance.get_runs(limit=1)[0]
            steps = step_durations(runner.instance, run.run_id)
            results = json.loads(run_results.read_text(encoding="utf-8")) if run_results.exists() else {}
            log_file = runner.log_dir / f"{job}-{run_label}.log"
            elapsed = dbt_elapsed_from_log(log_file)
            if elapsed is None and results:
                elapsed = float(results.get("elapsed_time") or 0) or None
            split = split_run(job, seconds, steps, elapsed, dbt_node_seconds(results, manifest))
            for stage, value in split.items():
                stages[stage] += value
            sc.wall_seconds += seconds
            sc.success &= ok
            sc.runs.append({"job": job, "partitions": run_label, "run_id": run.run_id, "seconds": round(seconds, 2),
                            "success": ok, "dbt_elapsed_seconds": round(elapsed, 2) if elapsed else None,
                            "steps": {k: round(v["seconds"], 2) for k, v in steps.items()},
                            "stages": {k: round(v, 2) for k, v in split.items()}})
            echo(f"[{label}] {job} {run_label}: {seconds:.1f}s {status}")
        sc.stages = dict(stages)
    finally:
        runner.instance.dispose()
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        sc.staged_cases = con.execute("select count(*) from staging.stg_setlinfo").fetchone()[0]
    sc.stages = {stage: sc.stages.get(stage, 0.0) for stage in STAGES}
    echo(f"[{label}] bare DuckDB scan of the raw tables and join of the diagnoses to their headers ...")
    sampler.doing(f"bare scan {label}")
    sc.bare = bare_scan(settings.warehouse)
    sampler.doing("")
    return sc


def default_scenarios(months: int | None, payment_year: int) -> list[list[str]]:
    year_months = [f"{payment_year}-{m:02d}" for m in range(1, 13)]
    counts = [months] if months else [1, 12]
    for k in counts:
        if not 1 <= k <= 12:
            raise ValueError(f"--months must be 1..12 (months of the payment year), not {k}")
    return [year_months[:k] for k in counts]


def run_pipeline_bench(cases_per_month: int, work: Path, *, months: int | None = None, hospitals: int = 40,
                       seed: int = 20240101, echo=print, reference_source: Path | None = None) -> dict:
    """The whole-chain benchmark (module docstring) under `work`; returns the figures."""
    base = load_settings()
    saved_home = os.environ.get("DAGSTER_HOME")
    os.environ["DAGSTER_HOME"] = str(work / "dagster_home")
    scenarios = []
    t0 = time.monotonic()
    try:
        with MemorySampler(echo) as sampler:
            for scenario_months in default_scenarios(months, base.payment_year):
                root = work / f"months_{len(scenario_months):02d}"
                sampler.peak_self = sampler.peak_children = sampler.peak_total = 0
                settings = base.with_paths(root)
                sc = run_scenario(settings, scenario_months, cases_per_month, hospitals, seed,
                                  sampler, echo, reference_source)
                if reference_source is None and sc.reference == "reference_data job":
                    reference_source = settings.warehouse  # the next scenario copies these tables
                sampler.sample()
                sc.memory = sampler.peaks()
                scenarios.append(sc)
    finally:
        if saved_home is None:
            os.environ.pop("DAGSTER_HOME", None)
        else:
            os.environ["DAGSTER_HOME"] = saved_home
    return {"cases_per_month": cases_per_month, "hospitals": hospitals, "seed": seed,
            "total_wall_seconds": round(time.monotonic() - t0, 1),
            "scenarios": [sc.as_dict() for sc in scenarios], "memory": rusage_peaks(),
            "success": all(sc.success for sc in scenarios)}
