"""The sidebar's choices, as one value every page and query reads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Filters:
    year: int
    month: str | None = None  # YYYY-MM, or None for the whole year
    hospital: str | None = None  # fixmedins_code, or None for every hospital
    pool: str | None = None  # DRG | DIP, or None for both
    pool_hospitals: tuple[str, ...] = ()  # the hospitals paid from `pool` (when a pool is chosen)
    names: dict[str, str] = field(default_factory=dict, compare=False)  # fixmedins_code → name

    def hospital_label(self, code: str | None = None) -> str:
        code = code or self.hospital
        if code is None:
            return "all hospitals"
        name = self.names.get(code)
        return f"{name} ({code})" if name and name != code else code

    @property
    def period_label(self) -> str:
        return self.month or str(self.year)
