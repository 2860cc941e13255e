"""`drgdip generate`: the demo region (orchestration.demo.generator.generate_region)."""

from __future__ import annotations

import argparse
from pathlib import Path

from orchestration.config import load_settings
from orchestration.demo.generator import generate_region


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.config)
    target = Path(args.out) if args.out else settings
    years = tuple(int(y) for y in args.years.split(",")) if args.years else tuple(settings.years)
    months = [m.strip() for m in args.months.split(",")] if args.months else None

    def report(message: str) -> None:
        print(f"  {message}", flush=True)

    print(f"Generating the demo region (seed {args.seed if args.seed is not None else settings.demo_seed}) ...")
    try:
        summary = generate_region(
            target, seed=args.seed if args.seed is not None else settings.demo_seed,
            hospitals=args.hospitals if args.hospitals is not None else settings.demo_hospitals,
            years=years, months=months,
            cases_per_year=args.cases_per_year if args.cases_per_year is not None else settings.demo_cases_per_year,
            progress=report, force=args.force)
    except (FileExistsError, ValueError) as exc:
        print(f"drgdip generate: {exc}")
        return 1
    print(f"Done in {summary.seconds:.1f} s: {summary.hospitals} hospitals, {len(summary.months)} months, "
          f"{summary.cases} cases, {summary.files} files under {summary.out_dir}")
    print("  rows per part: " + ", ".join(f"{p} {n}" for p, n in summary.rows.items()))
    print("  defects: " + ", ".join(f"{k} {n}" for k, n in summary.defects.items()))
    print(f"  upcoding hospitals: {', '.join(summary.upcoding_hospitals) or 'none'}; ground truth in "
          f"{Path(summary.out_dir) / 'manifest'}")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "generate", help="generate the demo region (landing files + ground-truth manifest)",
        description="Generate the deterministic demo region: landing/<YYYY-MM>/<hospital>/ files in "
                    "CSV, GBK CSV, JSON and Parquet with injected defects, and manifest/ (ground truth).")
    p.add_argument("--out", help="output folder (default: the configured data_dir)")
    p.add_argument("--seed", type=int, help="random seed (default: [demo] seed)")
    p.add_argument("--hospitals", type=int, help="first N hospitals of seeds/hospitals.csv (default: [demo] hospitals)")
    p.add_argument("--cases-per-year", type=int, help="region-wide cases per year (default: [demo] cases_per_year)")
    p.add_argument("--years", help="comma-separated years (default: the configured years)")
    p.add_argument("--months", help="comma-separated YYYY-MM subset of those years")
    p.add_argument("--force", action="store_true", help="replace an existing landing/ and manifest/")
    p.set_defaults(func=run)
