"""Pseudonymisation at ingestion (假名化): personal fields become keyed hashes before any write.

`certno` (证件号码) and `psn_name` (人员姓名) are replaced by HMAC-SHA256 hex digests under a secret
key (`Settings.pseudonym_key()`, from the environment). The same person always gets the same hash
under the same key, so stays still link (readmissions, split admissions), but nobody without the
key can recover or even test-guess the clear values. Values are normalised first so trivial
spelling differences do not break the link: surrounding blanks removed, ID numbers upper-cased
(the check character `x`/`X` of a resident ID), names with inner blanks removed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from orchestration.interface import PARTS

HASH_SUFFIX = "_hmac"


def _normalise(field: str, value: str) -> str:
    value = value.strip()
    if field == "certno":
        return value.upper()
    if field == "psn_name":
        return "".join(value.split())
    return value


def pseudonym(key: bytes, field: str, value: str | None) -> str | None:
    """HMAC-SHA256 hex of the normalised value; NULL and blank stay NULL."""
    if value is None:
        return None
    normalised = _normalise(field, value)
    if not normalised:
        return None
    return hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise_column(key: bytes, field: str, values: Iterable[str | None]) -> list[str | None]:
    # A person appears on several rows (and a hospital-month repeats few names): cache per value.
    cache: dict[str | None, str | None] = {}
    out = []
    for v in values:
        if v not in cache:
            cache[v] = pseudonym(key, field, v)
        out.append(cache[v])
    return out


def stored_name(part: str, field: str) -> str:
    """The raw-table column name of an interface field (`certno` → `certno_hmac`)."""
    personal = {f.name for f in PARTS[part] if f.personal}
    return field + HASH_SUFFIX if field in personal else field


def stored_names(part: str) -> list[str]:
    """Interface fields of a part as stored in raw, in interface order."""
    return [stored_name(part, f.name) for f in PARTS[part]]
