"""`drgdip bench` (`make bench`): the grouper bench (orchestration.bench) and, with --pipeline, the
whole chain (orchestration.bench_pipeline). Parses the arguments and prints the figures.

    drgdip bench                      # 1,000,000 cases
    drgdip bench --cases 100000 --keep /tmp/bench
    drgdip bench --pipeline           # ~100,000 cases a month: 1 month, then a 12-month backfill
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

from orchestration.bench import run_bench
from orchestration.bench_pipeline import STAGE_LABELS, STAGES, run_pipeline_bench
from orchestration.selfcheck import SelfCheckError


def _empty_keep_dir(keep: Path) -> bool:
    """Create the --keep folder; False (and say so) when it already holds something."""
    keep.mkdir(parents=True, exist_ok=True)
    if any(keep.iterdir()):
        print(f"drgdip bench: {keep} is not empty", file=sys.stderr)
        return False
    return True


# --- the grouper (default) ------------------------------------------------------------------------


def _num(value, fmt: str) -> str:
    """A figure for the report, "n/a" when it could not be measured."""
    if value is None:
        return "n/a".rjust(int(re.match(r"\d*", fmt).group() or 0))
    return format(value, fmt)


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "bench",
        help="benchmark: DRG grouping of N generated cases vs a bare DuckDB scan and join; "
             "--pipeline: the whole chain, stage by stage",
        description=(
            "Generates N clean cases (demo generator) straight into the staged tables of a scratch "
            "DuckDB, runs the CHS-DRG grouping dbt models on them and a bare scan-and-join of the same "
            "diagnosis rows, and prints the times and ratios: the dbt wall clock and its start-up, the "
            "models' elapsed time, the bare join in memory and into a table, and a copy of the grouped "
            "output alone (aim: grouping within 5x of the bare join). With --pipeline: the whole chain "
            "instead (see the options below)."
        ),
    )
    parser.add_argument("--cases", type=int, default=None,
                        help="cases to generate (default 1,000,000; at least ~50,000 so no hospital-month is empty); "
                             "with --pipeline: cases a month (default 100,000)")
    parser.add_argument("--seed", type=int, default=20240101, help="generator seed")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temp dir)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    pipeline = parser.add_argument_group(
        "whole chain (--pipeline)",
        "generate a region of ~N cases a month and run every job of the payment year through the runner, "
        "timing each stage (ingest, staging, quality, DRG, DIP, payment, supervision, clearing) from the "
        "Dagster event log and dbt's run_results.json, with peak memory and a bare DuckDB scan of the raw rows")
    pipeline.add_argument("--pipeline", action="store_true", help="benchmark the whole chain instead of the grouper")
    pipeline.add_argument("--months", type=int, help="months of the payment year (1..12; default: 1, then a 12-month "
                                                     "backfill, as two scenarios)")
    pipeline.add_argument("--hospitals", type=int, help="first H hospitals of seeds/hospitals.csv (default 40)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.pipeline:
        return run_pipeline(args)
    if args.months is not None or args.hospitals is not None:
        print("drgdip bench: --months and --hospitals go with --pipeline", file=sys.stderr)
        return 2
    if args.cases is None:
        args.cases = 1_000_000
    echo = (lambda m: print(m, file=sys.stderr, flush=True)) if args.json else (lambda m: print(m, flush=True))
    try:
        if args.keep:
            if not _empty_keep_dir(args.keep):
                return 2
            result = run_bench(args.cases, args.keep, args.seed, echo)
        else:
            with tempfile.TemporaryDirectory(prefix="drgdip-bench-") as tmp:
                result = run_bench(args.cases, Path(tmp), args.seed, echo)
    except SelfCheckError as exc:
        print(f"drgdip bench: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"\n{result['cases']:,} cases ({result['rows']['diseinfo']:,} diagnosis rows); reference: {result['reference']}")
    for model, seconds in result["models"].items():
        print(f"  {model:<22} {seconds:8.2f} s")
    print(f"DRG grouping (dbt run, wall) {result['grouping_wall_seconds']:7.2f} s  (models' own times sum to "
          f"{result['models_sum_seconds']:.2f} s)")
    print(f"  of which dbt start-up      {_num(result['dbt_startup_seconds'], '7.2f')} s  (does not grow with the cases)")
    print(f"  models, dbt elapsed        {_num(result['grouping_models_elapsed_seconds'], '7.2f')} s  "
          f"({_num(result['cases_per_second'], ',')} cases/s)")
    print(f"bare scan + join, in memory  {result['bare_seconds']:7.3f} s")
    print(f"bare scan + join, to a table {result['bare_persisted_seconds']:7.3f} s  (the grouper writes tables)")
    print(f"ratio, dbt wall / bare       {_num(result['ratio'], '7.1f')} x  (target ≤ 5x)")
    print(f"ratio, models / bare         {_num(result['ratio_models'], '7.1f')} x")
    print(f"the output alone             {result['output_copy_seconds']:7.2f} s  (a copy of the grouped cases "
          f"with their traces into a new table; {_num(result['output_copy_to_bare'], '.1f')} x the bare scan)")
    print(f"ratio, models / output copy  {_num(result['ratio_models_to_copy'], '7.1f')} x")
    return 0


# --- the whole chain (--pipeline) -----------------------------------------------------------------


def _cell(value, fmt: str, width: int) -> str:
    return (format(value, fmt) if value is not None else "n/a").rjust(width)


def format_report(result: dict) -> str:
    scenarios = result["scenarios"]
    names = [f"{len(s['months'])} month" + ("s" if len(s["months"]) > 1 else "") for s in scenarios]
    lines = [f"\nwhole-chain benchmark: ~{result['cases_per_month']:,} cases a month, {result['hospitals']} hospitals"]
    for name, s in zip(names, scenarios):
        span = s["months"][0] if len(s["months"]) == 1 else f"{s['months'][0]}..{s['months'][-1]}"
        lines.append(f"  {name} ({span}): {s['cases']:,} cases generated in {s['generate_seconds']:.1f}s, "
                     f"{s['staged_cases']:,} staged; reference: {s['reference']} ({s['reference_seconds']:.1f}s)"
                     f"{'' if s['success'] else '  — A RUN FAILED, see runs[] in --json'}")
    head = f"  {'stage':<34}" + "".join(f"{'s (' + n + ')':>16}{'cases/s':>10}" for n in names)
    lines += ["", head, "  " + "-" * (len(head) - 2)]
    for stage in STAGES:
        row = f"  {STAGE_LABELS[stage]:<34}"
        for s in scenarios:
            row += _cell(s["stages"][stage], ".2f", 16) + _cell(s["cases_per_second"].get(stage), ",", 10)
        lines.append(row)
    lines.append("  " + "-" * (len(head) - 2))
    row = f"  {'pipeline (sum of the runs)':<34}"
    for s in scenarios:
        row += _cell(s["pipeline_seconds"], ".2f", 16) + _cell(s["pipeline_cases_per_second"], ",", 10)
    lines.append(row)
    lines.append("")
    for name, s in zip(names, scenarios):
        b, m = s["bare_scan"], s["memory"]
        lines.append(f"  {name}: bare DuckDB scan {b['scan_seconds']:.3f}s + join to a table {b['join_seconds']:.3f}s "
                     f"= {b['seconds']:.3f}s ({b['raw_rows'].get('setlinfo', 0):,} headers, "
                     f"{b['joined_rows']:,} diagnosis rows joined); "
                     f"pipeline / bare = {_cell(s['ratio_pipeline_to_bare'], '.1f', 0)}x")
        lines.append(f"  {name}: peak resident memory {m['peak_rss_total_gib']:.2f} GiB (this process "
                     f"{m['peak_rss_self_gib']:.2f} + children/dbt {m['peak_rss_children_gib']:.2f}, sampled)")
    mem = result["memory"]
    lines.append(f"  getrusage max RSS (whole bench): this process {mem['maxrss_self_gib']:.2f} GiB, largest child "
                 f"{mem['maxrss_children_gib']:.2f} GiB (a forked child counts its parent's pages until it execs: "
                 "the sampled figure above is dbt's own)")
    lines.append(f"  total wall (generation, reference, pipeline, bare scans): {result['total_wall_seconds']:.1f}s")
    return "\n".join(lines)


def run_pipeline(args) -> int:
    """`drgdip bench --pipeline` (`register` above parses the arguments)."""
    stream = sys.stderr if args.json else sys.stdout  # bound now: runs redirect sys.stdout/stderr to their logs

    def echo(message: str) -> None:
        print(message, file=stream, flush=True)

    cases = args.cases or 100_000
    try:
        if args.keep:
            if not _empty_keep_dir(args.keep):
                return 2
            result = run_pipeline_bench(cases, args.keep, months=args.months, hospitals=args.hospitals or 40,
                                        seed=args.seed, echo=echo)
        else:
            with tempfile.TemporaryDirectory(prefix="drgdip-bench-pipeline-") as tmp:
                result = run_pipeline_bench(cases, Path(tmp), months=args.months, hospitals=args.hospitals or 40,
                                            seed=args.seed, echo=echo)
    except (ValueError, RuntimeError) as exc:
        print(f"drgdip bench --pipeline: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(format_report(result))
    return 0 if result["success"] else 1

