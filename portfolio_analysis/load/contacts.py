"""The people in each relationship: a contacts table, and the names written in the register.

:func:`load_contacts` reads a separate table of people (client_id, side, name,
role), headed in English or French, and reports every problem at once;
:func:`contacts_from_register` derives the same table from the register's
``our_contacts`` and ``client_contacts`` columns.

>>> import pandas as pd
>>> raw = pd.DataFrame({"Code client": ["C1"], "Côté": ["nous"], "Nom": ["Ana (KAM)"]})
>>> load_contacts(raw)[["client_id", "side", "name", "role"]].values.tolist()
[['C1', 'ours', 'Ana', 'KAM']]
"""

from __future__ import annotations

import pandas as pd

from portfolio_analysis.i18n.language import N_
from portfolio_analysis.load.cells import squash
from portfolio_analysis.load.tabular import NO_COLUMN, _find_column, _open, _stop_on_missing_columns, _text
from portfolio_analysis.load.validation import ValidationReport

__all__ = ["load_contacts", "contacts_from_register", "CONTACT_COLUMNS"]

CONTACT_COLUMNS = ["client_id", "side", "name", "role"]

# lists of people: one per line or separated by semicolons (commas belong to "Dupont, Marie")
_NAMES_SPLIT = r"(?:\s*[;\n\r]\s*)+"
_ROLE = r"^(?P<name>.*?)\s*\((?P<role>[^()]*)\)\s*$"


_CONTACT_HEADERS = {
    "client_id": [
        "client_id",
        "client id",
        "id client",
        "identifiant client",
        "code client",
        "client",
        "customer id",
        "customer",
        "client code",
        "numero client",
        "n client",
        "account id",
    ],
    "side": ["side", "cote", "party", "partie", "camp"],
    "name": [
        "name",
        "nom",
        "contact",
        "contact name",
        "nom du contact",
        "person",
        "personne",
        "interlocuteur",
        "full name",
        "nom complet",
    ],
    "role": ["role", "fonction", "title", "job title", "position", "poste", "titre"],
}
_SIDES = {
    "ours": [
        "ours",
        "our",
        "us",
        "we",
        "company",
        "internal",
        "our side",
        "our company",
        "supplier",
        "nous",
        "notre",
        "nos",
        "chez nous",
        "interne",
        "fournisseur",
        "notre entreprise",
    ],
    "client": [
        "client",
        "customer",
        "theirs",
        "their",
        "them",
        "external",
        "client side",
        "customer side",
        "externe",
        "le client",
        "cote client",
        "chez le client",
    ],
}


def _split_role(names: pd.Series) -> tuple[pd.Series, pd.Series]:
    """'Marie Dupont (buyer)' -> ('Marie Dupont', 'buyer'); without parentheses the role is NA."""
    parts = names.str.extract(_ROLE)
    has = parts["name"].notna() & parts["name"].str.strip().ne("")
    name = parts["name"].where(has, names).str.strip()
    role = parts["role"].where(has).str.strip()
    return name, role.mask(role.eq(""))


def load_contacts(
    source,
    *,
    clients: pd.DataFrame | None = None,
    mapping: dict | None = None,
    sheet: str | int | None = None,
    report: ValidationReport | None = None,
) -> pd.DataFrame:
    """Load a table of the people in each relationship.

    Parameters
    ----------
    source : path or DataFrame
        Columns client id, side, name and optionally role, headed in English or
        French (``identifiant client``, ``côté``, ``nom``, ``rôle``/``fonction``).
    clients : DataFrame, optional
        The loaded register; contacts of a client not in it are rejected.
    mapping : dict, optional
        ``{field: column}`` for ``client_id``, ``side``, ``name``, ``role``; other fields are ignored.
    sheet : str or int, optional
        The Excel sheet.
    report : ValidationReport, optional
        Where problems and row counts go (kind ``contacts``).

    Returns
    -------
    DataFrame
        ``client_id``, ``side`` (``ours`` or ``client``), ``name``, ``role``,
        ``source_row``, then the file's extra columns. A name written
        ``Marie Dupont (buyer)`` with no role gives the role ``buyer``.

    Raises
    ------
    DataValidationError
        When the client id, side or name column is missing.
    """
    report = report if report is not None else ValidationReport()
    table, problems, stats, headers, cells, blank_row, skip = _open(source, sheet, report, "contacts")

    index = {squash(alias): key for key, aliases in _CONTACT_HEADERS.items() for alias in aliases}
    assigned: dict[str, int] = {}
    for field, col in (mapping or {}).items():
        if field in _CONTACT_HEADERS:
            pos = _find_column(headers, col, set(assigned.values()))
            if pos is None:
                problems.one(
                    "warning",
                    None,
                    field,
                    str(col),
                    N_("mapping {field}={col}: no column {name} in this file; looking for it among the headers "
                       "instead"),
                    params={"field": str(field), "col": str(col), "name": repr(col)},
                )
            else:
                assigned[field] = pos
    extras = []
    for pos, header in enumerate(headers):
        if pos in assigned.values() or pos in skip:
            continue
        key = index.get(squash(header))
        if key is None:
            extras.append(pos)
        elif key in assigned:
            problems.one(
                "warning",
                None,
                header,
                None,
                N_("column {header} is also {label}, already read from column {first}; kept as an extra column"),
                params={"header": repr(header), "label": key, "first": repr(headers[assigned[key]])},
            )
            extras.append(pos)
        else:
            assigned[key] = pos

    n_blank = int(blank_row.sum())
    stats.rows_read = len(cells)
    stats.rows_blank = n_blank
    missing = [k for k in ("client_id", "side", "name") if k not in assigned]
    if missing:
        if len(missing) > 1:
            message = N_("missing required columns {names} in the contacts table; the columns found are: {found}. "
                         "Expected client id, side (ours or client), name and optionally role, in English or French")
        else:
            message = N_("missing required column {names} in the contacts table; the columns found are: {found}. "
                         "Expected client id, side (ours or client), name and optionally role, in English or French")
        params = {"names": {"and": missing}, "found": ", ".join(repr(h) for h in headers) or NO_COLUMN}
        _stop_on_missing_columns(problems, report, stats, missing, message, n_rows=len(cells) - n_blank,
                                 params=params)

    live = ~blank_row
    cells = cells[live]
    rows = table.rows[live]

    ids = _text(cells[assigned["client_id"]])
    reject = ids.isna()
    problems.cells(
        "error",
        rows[reject],
        headers[assigned["client_id"]],
        ids[reject].fillna(""),
        N_("empty client id; the contact cannot be attached to a client and is not loaded"),
    )
    if clients is not None:
        known = set(clients["client_id"].dropna().astype(str))
        stranger = ids.notna() & ~ids.isin(known)
        problems.cells(
            "error",
            rows[stranger],
            headers[assigned["client_id"]],
            ids[stranger],
            N_("client id not in the client register; the contact is not loaded"),
        )
        reject |= stranger

    side_text = _text(cells[assigned["side"]])
    side_index = {squash(v): key for key, values in _SIDES.items() for v in values}
    side = side_text.map({u: side_index.get(squash(u)) for u in side_text.dropna().unique()})
    bad_side = side.isna()
    problems.cells(
        "error",
        rows[bad_side],
        headers[assigned["side"]],
        side_text[bad_side].fillna(""),
        N_("unknown side; expected ours (our people) or client (the client's people); the contact is not loaded"),
    )
    reject |= bad_side

    raw_name = _text(cells[assigned["name"]])
    no_name = raw_name.isna()
    problems.cells(
        "error",
        rows[no_name],
        headers[assigned["name"]],
        raw_name[no_name].fillna(""),
        N_("empty name; the contact is not loaded"),
    )
    reject |= no_name

    name, role_from_name = _split_role(raw_name.fillna(""))
    if "role" in assigned:
        role = _text(cells[assigned["role"]])
        name = name.where(role.isna(), raw_name.str.strip())
        role = role.fillna(role_from_name)
    else:
        role = role_from_name

    keep = ~reject
    stats.rows_rejected = int(reject.sum())
    stats.rows_loaded = int(keep.sum())
    problems.flush(report)

    n = int(keep.sum())
    columns = {
        "client_id": pd.Series(ids[keep].to_numpy(), dtype="str"),
        "side": pd.Series(side[keep].to_numpy(), dtype="str"),
        "name": pd.Series(name[keep].to_numpy(), dtype="str"),
        "role": pd.Series(role[keep].to_numpy(), dtype="str"),
        "source_row": pd.Series(rows[keep].to_numpy(), dtype="int64"),
    }
    for pos in extras:
        label = headers[pos]
        while label in columns:
            label = f"{label} (extra)"
        columns[label] = pd.Series(_text(cells[pos][keep], strip=False).to_numpy(), dtype="str")
    return pd.DataFrame(columns, index=pd.RangeIndex(n))


def contacts_from_register(clients: pd.DataFrame) -> pd.DataFrame:
    """The people named in the register's ``our_contacts`` and ``client_contacts`` columns.

    Parameters
    ----------
    clients : DataFrame
        A loaded register (names separated by ``;`` or new lines; a role may
        follow a name in parentheses).

    Returns
    -------
    DataFrame
        ``client_id``, ``side`` (``ours`` or ``client``), ``name``, ``role``
        (NA when none is given), in register order, our people first within a
        client, then as written.

    >>> reg = pd.DataFrame({"client_id": ["C1"], "our_contacts": ["Ana (KAM); Bo"],
    ...                     "client_contacts": ["Marie Dupont (buyer)"]})
    >>> contacts_from_register(reg).values.tolist()
    [['C1', 'ours', 'Ana', 'KAM'], ['C1', 'ours', 'Bo', nan], ['C1', 'client', 'Marie Dupont', 'buyer']]
    """
    parts = []
    base = clients.reset_index(drop=True)
    for order, (side, column) in enumerate((("ours", "our_contacts"), ("client", "client_contacts"))):
        if column not in base.columns:
            continue
        names = base[column].astype("string").str.split(_NAMES_SPLIT, regex=True).explode()
        names = names.astype("string").str.strip()
        names = names[names.notna() & names.ne("")]
        name, role = _split_role(names)
        parts.append(
            pd.DataFrame(
                {
                    "client_id": base["client_id"].to_numpy()[names.index.to_numpy(dtype="int64")],
                    "side": side,
                    "name": name.to_numpy(),
                    "role": role.to_numpy(),
                    "_client": names.index.to_numpy(dtype="int64"),
                    "_side": order,
                    "_k": names.groupby(level=0).cumcount().to_numpy(),
                }
            )
        )
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in CONTACT_COLUMNS})
    tidy = pd.concat(parts, ignore_index=True).sort_values(["_client", "_side", "_k"], kind="stable")
    out = tidy[CONTACT_COLUMNS].reset_index(drop=True)
    return out.astype({c: "str" for c in CONTACT_COLUMNS})
