"""Project configuration: `drgdip.toml` at the repository root, overridable by environment.

Every key `[section] key` can be overridden by `DRGDIP_<SECTION>_<KEY>`; the whole file by
`DRGDIP_CONFIG`. Relative paths resolve against the folder of the config file, so the defaults
point at the embedded demo region under the git-ignored `data/`.
"""

from __future__ import annotations

import os
import tomllib
import warnings
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
SEEDS_DIR = REPO_ROOT / "seeds"
EXPECTATIONS_DIR = REPO_ROOT / "expectations"

# Documented as unsafe: anyone with the repository can reverse-link pseudonyms made with it.
DEMO_PSEUDONYM_KEY = "drgdip-demo-key-UNSAFE-do-not-use-in-production"


@dataclass(frozen=True)
class Settings:
    config_file: Path
    data_dir: Path
    landing_dir: Path
    warehouse: Path
    reports_dir: Path
    reference_version: str
    first_year: int
    last_year: int
    payment_year: int
    demo_seed: int
    demo_hospitals: int
    demo_cases_per_year: int
    pseudonym_key_env: str = "DRGDIP_PSEUDONYM_KEY"
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    @property
    def months(self) -> list[str]:
        return [f"{y}-{m:02d}" for y in self.years for m in range(1, 13)]

    @property
    def feedback_dir(self) -> Path:
        return self.reports_dir / "feedback"

    def pseudonym_key(self) -> bytes:
        key = os.environ.get(self.pseudonym_key_env)
        if not key:
            warnings.warn(
                f"{self.pseudonym_key_env} is not set: pseudonymising with the public demo key, "
                "which is unsafe outside the demo region.",
                stacklevel=2,
            )
            key = DEMO_PSEUDONYM_KEY
        return key.encode("utf-8")

    def with_paths(self, root: Path) -> Settings:
        """The same settings with every generated path under `root` (tests use a tmp dir)."""
        root = Path(root)
        return Settings(
            config_file=self.config_file,
            data_dir=root,
            landing_dir=root / "landing",
            warehouse=root / "warehouse.duckdb",
            reports_dir=root / "reports",
            reference_version=self.reference_version,
            first_year=self.first_year,
            last_year=self.last_year,
            payment_year=self.payment_year,
            demo_seed=self.demo_seed,
            demo_hospitals=self.demo_hospitals,
            demo_cases_per_year=self.demo_cases_per_year,
            pseudonym_key_env=self.pseudonym_key_env,
        )


def _override(section: str, key: str, value):
    env = os.environ.get(f"DRGDIP_{section.upper()}_{key.upper()}")
    if env is None:
        return value
    return type(value)(env) if isinstance(value, (int, float)) else env


def load_settings(config_file: str | Path | None = None) -> Settings:
    path = Path(config_file or os.environ.get("DRGDIP_CONFIG") or REPO_ROOT / "drgdip.toml").resolve()
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    base = path.parent

    def get(section: str, key: str, default):
        return _override(section, key, raw.get(section, {}).get(key, default))

    def as_path(section: str, key: str, default: str) -> Path:
        p = Path(get(section, key, default))
        return p if p.is_absolute() else base / p

    return Settings(
        config_file=path,
        data_dir=as_path("paths", "data_dir", "data"),
        landing_dir=as_path("paths", "landing_dir", "data/landing"),
        warehouse=as_path("paths", "warehouse", "data/warehouse.duckdb"),
        reports_dir=as_path("paths", "reports_dir", "reports"),
        reference_version=get("region", "reference_version", "demo-2024"),
        first_year=int(get("region", "first_year", 2023)),
        last_year=int(get("region", "last_year", 2024)),
        payment_year=int(get("region", "payment_year", 2024)),
        demo_seed=int(get("demo", "seed", 20240101)),
        demo_hospitals=int(get("demo", "hospitals", 40)),
        demo_cases_per_year=int(get("demo", "cases_per_year", 60000)),
        pseudonym_key_env=get("privacy", "pseudonym_key_env", "DRGDIP_PSEUDONYM_KEY"),
        extra=raw,
    )
