"""`drgdip ingest`: landing month(s) into the raw tables, outside Dagster (orchestration.assets.ingestion)."""

from __future__ import annotations

import argparse

from orchestration.config import load_settings


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "ingest",
        help="load landing month(s) into the raw tables (outside Dagster)",
        description="Load landing/<YYYY-MM>/ into the warehouse's raw schema, replacing that month's rows. "
                    "Prints files, rows per part and quarantined files/rows.",
    )
    p.add_argument("--month", action="append", required=True, metavar="YYYY-MM",
                   help="landing (delivery) month; repeat for several")
    p.add_argument("--warehouse", help="DuckDB file (default: the configured warehouse)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # imported late: the ingestion module pulls in Dagster, which `drgdip --help` need not load
    from orchestration.assets.ingestion import ingest_month

    settings = load_settings(args.config)
    for month in args.month:
        report = ingest_month(settings, month, args.warehouse)
        print(report.summary())
    return 0
