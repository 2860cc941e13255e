"""Values as the interface delivers them: exact cents, timestamps, dates and months as text, and the
time units the generator steps with."""

from __future__ import annotations

import numpy as np

DAY = np.timedelta64(1, "D")
SECOND = np.timedelta64(1, "s")


def cents_str(cents) -> np.ndarray:
    """Integer cents as exact two-decimal text (no float rounding)."""
    return np.array([f"{'-' if c < 0 else ''}{abs(c) // 100}.{abs(c) % 100:02d}"
                     for c in np.asarray(cents, dtype=np.int64).tolist()], dtype=object)


def ts_str(ts: np.ndarray) -> np.ndarray:
    return np.char.replace(np.datetime_as_string(ts.astype("datetime64[s]"), unit="s").astype(str), "T", " ")


def date_str(ts: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(ts.astype("datetime64[D]"), unit="D").astype(str)


def month_of(ts: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(ts.astype("datetime64[M]"), unit="M").astype(str)
