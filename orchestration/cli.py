"""The `drgdip` command line. Subcommands are registered by the module that owns them."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings

COMMAND_MODULES: list[str] = [
    "orchestration.reference.catalogues",  # drgdip catalogues
    "orchestration.demo.generator",  # drgdip generate
    "orchestration.runner",  # drgdip demo / materialize
    "orchestration.assets.ingestion",  # drgdip ingest
    "orchestration.quality.cli",  # drgdip quality
    "orchestration.payment",  # drgdip clear / explain
    "orchestration.supervision",  # drgdip flags
    "orchestration.selfcheck",  # drgdip group
    "orchestration.bench",  # drgdip bench
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drgdip",
        description="DRG/DIP inpatient payment pipeline: demo region, ingestion, quality, grouping, payment.",
    )
    parser.add_argument("--config", help="path to drgdip.toml (default: the repository's, or $DRGDIP_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Each module that owns a concern registers its own subcommands: `register(sub)` adds a
    # parser and sets `func` to a callable taking the parsed args and returning an exit code.
    for module in COMMAND_MODULES:
        importlib.import_module(module).register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Dagster marks partitioned asset checks as a preview feature and asset backfill policies as beta;
    # users of the CLI can't act on either.
    warnings.filterwarnings("ignore", message=".*currently in preview.*")
    warnings.filterwarnings("ignore", message=".*is currently in beta.*")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
