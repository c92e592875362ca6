"""Writing tables and figures into the deliverable folder, safely.

The report writes every table of the analysis with :func:`write_tables`; a notebook saves its
figures with :func:`save_figure`. With
``out_dir=None`` (an analyst running a notebook by hand, or nbval) nothing is
written. Text cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are prefixed with ``'``
in CSV files; real numbers are left alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse_formulas(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` where text cells starting like a formula are prefixed with ``'``.

    >>> defuse_formulas(pd.DataFrame({"name": ["=1+1", "Acme"], "profit": [-5.0, 3.0]}))["name"].tolist()
    ["'=1+1", 'Acme']
    """
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_numeric_dtype(s) or pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_bool_dtype(s):
            continue
        text = s.astype("string")
        risky = text.str.startswith(_FORMULA_START).fillna(False).astype(bool)
        if risky.any():
            out[col] = s.astype("object").where(~risky, "'" + text)
    return out


def save_table(df: pd.DataFrame, out_dir, name: str, *, index: bool = False) -> Path | None:
    """Write ``df`` as ``out_dir/tables/<name>.csv`` (UTF-8, comma, formulas defused)."""
    if out_dir is None:
        return None
    path = Path(out_dir) / "tables" / f"{name}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    defuse_formulas(df).to_csv(path, index=index, encoding="utf-8", lineterminator="\n")
    return path


def save_figure(fig, out_dir, name: str, *, dpi: int = 150) -> Path | None:
    """Write a matplotlib figure as ``out_dir/figures/<name>.png``."""
    if out_dir is None:
        return None
    path = Path(out_dir) / "figures" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    from portfolio_analysis.deliver.page import plain_texts

    with plain_texts(fig):
        fig.savefig(path, dpi=dpi, bbox_inches="tight")
    return path


def write_tables(analysis, folder) -> list[Path]:
    """Write every table of ``analysis`` as ``folder/<name>.csv`` (formulas defused); return the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, df in analysis.tables.items():
        if df.shape[1] == 0:  # a step with nothing to show for this portfolio (e.g. no whale curve)
            continue
        path = folder / f"{name}.csv"
        defuse_formulas(df).to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        paths.append(path)
    return paths
