"""The `drgdip` command line: one module per subcommand in this package, each with its
`register(subparsers)` and the functions that parse the arguments, call the engine (the module
that owns the concern: runner, payment, supervision, selfcheck, ...) and print the output."""

from __future__ import annotations

import argparse
import importlib
import warnings

COMMAND_MODULES: list[str] = [
    "orchestration.cli.catalogues",  # drgdip catalogues
    "orchestration.cli.generate",  # drgdip generate
    "orchestration.cli.demo",  # drgdip demo / materialize
    "orchestration.cli.ingest",  # drgdip ingest
    "orchestration.cli.quality",  # drgdip quality
    "orchestration.cli.clear",  # drgdip clear / explain
    "orchestration.cli.flags",  # drgdip flags
    "orchestration.cli.group",  # drgdip group
    "orchestration.cli.bench",  # drgdip bench
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="drgdip",
        description="DRG/DIP inpatient payment pipeline: demo region, ingestion, quality, grouping, payment.",
    )
    parser.add_argument("--config", help="path to drgdip.toml (default: the repository's, or $DRGDIP_CONFIG)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Each command module registers its own subcommands: `register(sub)` adds a parser and sets
    # `func` to a callable taking the parsed args and returning an exit code.
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
