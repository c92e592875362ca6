"""An analysis kept on disk: saved in the deliverable, found again by the notebooks.

:func:`run_analysis` loads a company's files, resolves the configuration, runs
:func:`~portfolio_analysis.pipeline.analyse` once and records how (the run record).
:func:`save_analysis` writes it as a folder — each table as Parquet, and
``analysis.json`` with the run record, the resolved configuration and the headline
figures — and :func:`load_analysis` reads it back. :func:`open_analysis` is what a
notebook calls: the saved analysis it is given, or else the same inputs and
configuration looked up in a cache (``~/.cache/portfolio-analysis``, or
``$PORTFOLIO_ANALYSIS_CACHE``) and computed only when they are not there yet, so that
notebooks opened one after another share one analysis.
"""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

from portfolio_analysis.pipeline import TABLES, Analysis, _plain, parameter_overrides

FORMAT = 1
INDEX = "analysis.json"
MARKER = ".portfolio-analysis-cache"
DEPENDENCIES = ("numpy", "pandas", "pyarrow", "scipy", "scikit-learn", "matplotlib", "pyyaml", "openpyxl",
                "xlsxwriter", "pydantic", "babel", "papermill", "nbconvert")
KEEP_CACHED = 16  # analyses kept in the cache


# -- the run record -------------------------------------------------------------------
def file_sha256(path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _input_record(kind: str, item) -> dict | None:
    if item is None:
        return None
    if isinstance(item, pd.DataFrame):
        digest = hashlib.sha256(pd.util.hash_pandas_object(item, index=False).to_numpy().tobytes())
        digest.update(repr(list(item.columns)).encode())
        return {"kind": kind, "file": "<DataFrame>", "rows": len(item), "sha256": digest.hexdigest()}
    p = Path(item)  # its name, not where it sits on this machine
    if p.is_dir() or any(ch in str(item) for ch in "*?["):  # a folder or a glob of invoice files: each file's bytes
        from portfolio_analysis.load.inputs import _expand

        files = _expand(item)[1]
        digest = hashlib.sha256("".join(f"{f.name}:{file_sha256(f)};" for f in files).encode())
        return {"kind": kind, "file": p.name, "files": len(files), "bytes": sum(f.stat().st_size for f in files),
                "sha256": digest.hexdigest()}
    return {"kind": kind, "file": p.name, "bytes": p.stat().st_size, "sha256": file_sha256(p)}


def versions() -> dict[str, str]:
    """The versions of Python, this package and the libraries its results depend on."""
    out = {"python": platform.python_version()}
    for name in ("portfolio-analysis", *DEPENDENCIES):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the package's own files: an edited step never reuses a cached result."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".yaml", ".po") and p.is_file()):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return h.hexdigest()[:16]


def _config_record(config, overrides, parameters) -> dict:
    files = [] if config is None or isinstance(config, Mapping) else [Path(config).name]
    return {"files": files, "inline": bool(isinstance(config, Mapping)), "overrides": list(overrides or ()),
            "parameters": parameter_overrides(parameters)}


def flatten(value, prefix: str = "") -> dict[str, Any]:
    """A configuration as ``{dotted.key: value}`` (a list of levels keyed by their ``key``).

    >>> flatten({"criteria": {"p": {"weight": 3, "levels": [{"key": "low", "score": 0}]}}})
    {'criteria.p.weight': 3, 'criteria.p.levels.low.score': 0}
    """
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and all(isinstance(v, Mapping) and "key" in v for v in value):
        return flatten({str(v["key"]): {k: x for k, x in v.items() if k != "key"} for v in value}, prefix)
    return {prefix: value}


def changed_settings(config: Mapping) -> dict[str, dict[str, Any]]:
    """Every setting, weight and level score of ``config`` that differs from the shipped catalogue:
    ``{key: {"shipped": value, "in_force": value}}``."""
    from portfolio_analysis.config.catalogue import load_catalogue

    shipped, mine = flatten(load_catalogue().raw), flatten(dict(config))
    keys = sorted(k for k in set(shipped) | set(mine) if shipped.get(k) != mine.get(k))
    return {k: {"shipped": shipped.get(k), "in_force": mine.get(k)} for k in keys}


def weights_in_force(config: Mapping) -> dict[str, dict[str, float]]:
    """The weight of each scored criterion and its share of the total (%)."""
    criteria = {k: c for k, c in (config.get("criteria") or {}).items() if c.get("axis", "descriptive") != "descriptive"}
    total = sum(float(c.get("weight", 0)) for c in criteria.values()) or 1.0
    return {k: {"weight": float(c.get("weight", 0)), "share_pct": 100.0 * float(c.get("weight", 0)) / total}
            for k, c in criteria.items()}


def run_record(analysis: Analysis) -> dict[str, Any]:
    """What a run used, for summary.json's ``run`` block, the workbook and the report's appendix."""
    run = analysis.run
    return _plain({"run_date": run.get("run_date"), "lang": run.get("lang"), "inputs": run.get("inputs", []),
                   "configuration": run.get("configuration", {}), "options": run.get("options", {}),
                   "weights": weights_in_force(analysis.config), "changed_settings": changed_settings(analysis.config),
                   "reference_period": run.get("reference_period"), "versions": run.get("versions", {}),
                   "notes": analysis.facts.get("notes", [])})


# -- running ------------------------------------------------------------------------------
def run_analysis(
    clients=None,
    *,
    invoices=None,
    contacts=None,
    config=None,
    overrides: Sequence[str] = (),
    parameters: Mapping[str, Any] | None = None,
    mapping: Mapping[str, str] | None = None,
    sheet=None,
    strict: bool = False,
    lang: str = "en",
    portfolio=None,
) -> Analysis:
    """Load the files, resolve the configuration, analyse once, and record how.

    ``portfolio`` (already loaded with the same inputs) spares loading again. Raises what
    loading raises (:class:`~portfolio_analysis.load.validation.InputError`,
    ``DataValidationError``) and :class:`~portfolio_analysis.config.catalogue.ConfigError`.
    """
    from portfolio_analysis.load.portfolio import load_portfolio
    from portfolio_analysis.pipeline import analyse, resolve_config

    started = _dt.datetime.now(_dt.UTC)
    cat = resolve_config(config, overrides=overrides, parameters=parameters)
    if portfolio is None:
        portfolio = load_portfolio(clients, invoices=invoices, contacts=contacts, catalogue=cat,
                                   mapping=dict(mapping or {}), sheet=sheet, strict=strict,
                                   reference_date=reference_date(cat))
    analysis = analyse(portfolio, cat, lang=lang)
    tables = portfolio.invoice_tables
    analysis.run.update(
        format=FORMAT,
        run_date=started.isoformat(timespec="seconds"),
        inputs=[r for r in (_input_record(k, v) for k, v in (("clients", clients), ("invoices", invoices),
                                                              ("contacts", contacts))) if r],
        options={"mapping": dict(mapping or {}), "sheet": sheet, "strict": strict},
        configuration=_config_record(config, overrides, parameters),
        reference_period=None if tables is None or tables.reference_date is None else
        {"start": _plain(tables.current_window[0]), "end": _plain(tables.current_window[1])},
        versions=versions(),
        duration_s=round((_dt.datetime.now(_dt.UTC) - started).total_seconds(), 3),
    )
    return analysis


def reference_date(cat) -> str:
    """The end of the 12 months analysed: ``settings.loading.reference_date``, else the end of the last complete month."""
    from portfolio_analysis.load.billing import LAST_COMPLETE_MONTH

    return (cat.settings.get("loading") or {}).get("reference_date") or LAST_COMPLETE_MONTH


# -- saving and loading --------------------------------------------------------------------
def _storable(df: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet can hold: a column of mixed Python objects becomes text (missing stays missing)."""
    import pyarrow as pa

    out = df
    for col in df.columns:
        if df[col].dtype == object:
            try:
                pa.array(df[col], from_pandas=True)
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                if out is df:
                    out = df.copy()
                out[col] = df[col].map(lambda v: v if v is None or (isinstance(v, float) and v != v) else str(v))
    return out


def save_analysis(analysis: Analysis, folder) -> Path:
    """Write ``analysis`` into ``folder`` (created): ``<table>.parquet`` for every table, and ``analysis.json``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in analysis.tables.items():
        _storable(df).to_parquet(folder / f"{name}.parquet", index=False)
    doc = {"format": FORMAT, "tables": list(analysis.tables), "run": _plain(analysis.run),
           "facts": _plain(analysis.facts), "config": analysis.config}
    (folder / INDEX).write_text(json.dumps(doc, indent=1, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return folder


_LOADED: dict[tuple[str, int], Analysis] = {}


def load_analysis(folder) -> Analysis:
    """Read an analysis saved by :func:`save_analysis` (once per process and folder)."""
    folder = Path(folder).resolve()
    index = folder / INDEX
    if not index.is_file():
        raise FileNotFoundError(f"{folder}: no saved analysis here (no {INDEX})")
    key = (str(folder), index.stat().st_mtime_ns)
    if key not in _LOADED:
        doc = json.loads(index.read_text(encoding="utf-8"))
        if doc.get("format") != FORMAT:
            raise ValueError(f"{folder}: an analysis saved in format {doc.get('format')}, this version reads {FORMAT}")
        tables = {name: pd.read_parquet(folder / f"{name}.parquet") for name in doc["tables"]}
        _LOADED[key] = Analysis(tables=tables, facts=doc["facts"], run=doc["run"], config=doc["config"])
    saved = _LOADED[key]
    # a copy per caller: a notebook adding a column does not change what the next one reads
    return Analysis(tables={k: v.copy(deep=False) for k, v in saved.tables.items()}, facts=saved.facts,
                    run=saved.run, config=saved.config)


# -- the cache the notebooks share --------------------------------------------------------
def cache_root() -> Path:
    """Where analyses computed for the notebooks are kept."""
    env = os.environ.get("PORTFOLIO_ANALYSIS_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "portfolio-analysis"


def cache_key(*, clients=None, invoices=None, contacts=None, config=None, overrides=(), parameters=None,
              mapping=None, sheet=None, strict=False, lang="en") -> str:
    """A key that changes with the inputs' bytes, the resolved configuration, the options and the code."""
    from portfolio_analysis.pipeline import resolve_config

    cat = resolve_config(config, overrides=overrides, parameters=parameters)
    inputs = [_input_record(k, v) for k, v in (("clients", clients), ("invoices", invoices), ("contacts", contacts))]
    doc = {"inputs": [r and r["sha256"] for r in inputs], "config": cat.raw, "mapping": dict(mapping or {}),
           "sheet": sheet, "strict": strict, "lang": lang, "code": code_fingerprint(), "versions": versions(),
           "format": FORMAT}
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()[:24]


def open_analysis(analysis_dir=None, *, cache: bool = True, **inputs) -> Analysis:
    """The analysis a notebook presents.

    With ``analysis_dir`` (the report passes the one it saved), that analysis; the
    notebook's own analysis parameters must then be unset (they were the report's to
    give). Without it, the analysis of ``inputs`` (the arguments of :func:`run_analysis`),
    taken from the cache when it is there, else computed and cached.
    """
    if analysis_dir is not None:
        given = {k: v for k, v in (inputs.get("parameters") or {}).items() if v not in (None, {}, [], ())}
        if given:
            raise ValueError(f"the parameters {sorted(given)} cannot change a saved analysis "
                             f"({analysis_dir}); give them to the report (--set) instead")
        return load_analysis(analysis_dir)
    if not cache:
        folder = Path(tempfile.mkdtemp(prefix="portfolio-analysis-"))
        return load_analysis(save_analysis(run_analysis(**inputs), folder))
    root = cache_root()
    folder = root / cache_key(**inputs)
    if not (folder / INDEX).is_file():
        root.mkdir(parents=True, exist_ok=True)
        (root / MARKER).touch()
        work = Path(tempfile.mkdtemp(prefix=".writing-", dir=root))
        try:
            save_analysis(run_analysis(**inputs), work)
            try:
                work.rename(folder)
            except OSError:  # another process cached the same analysis meanwhile
                pass
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
        _prune(root)
    return load_analysis(folder)


def _prune(root: Path, keep: int = KEEP_CACHED) -> None:
    """Remove the oldest cached analyses beyond ``keep`` (only folders this module wrote)."""
    if not (root / MARKER).exists():
        return
    entries = sorted((p for p in root.iterdir() if p.is_dir() and (p / INDEX).is_file()),
                     key=lambda p: (p / INDEX).stat().st_mtime, reverse=True)
    for old in entries[keep:]:
        shutil.rmtree(old, ignore_errors=True)


def table_names() -> list[str]:
    """The tables every analysis holds, in the order of the notebooks."""
    return list(TABLES)
