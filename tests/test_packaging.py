"""The package's own files install what it needs, and say it once."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _project():
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_mirrors_pyproject():
    project = _project()
    wanted = {*project["dependencies"], *project["optional-dependencies"]["test"],
              *project["optional-dependencies"]["lab"]}
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    # the interpreter and pip are conda's, not the project's (python-calamine is the project's)
    listed = {d for d in env["dependencies"] if isinstance(d, str) and not re.match(r"(python|pip)([<>=~! ]|$)", d)}
    assert listed == wanted


def test_every_declared_dependency_is_imported_or_runs_the_notebooks():
    """Nothing declared that the package does not use (statsmodels and tqdm were, and never imported)."""
    imported = set()
    for path in [*(ROOT / "portfolio_analysis").rglob("*.py"), *(ROOT / "notebooks").glob("[0-9][0-9]_*.py")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            m = re.match(r"\s*(?:from|import)\s+([A-Za-z_][\w]*)", line)
            if m:
                imported.add(m.group(1).lower())
    module_of = {"pyyaml": "yaml", "scikit-learn": "sklearn", "jupyter-client": "jupyter_client", "python-pptx": "pptx",
                 "ipython": "ipython", "babel": "babel"}
    used_otherwise = {"openpyxl", "xlsxwriter", "ipykernel"}  # pandas' Excel engines; the notebooks' kernel
    for requirement in _project()["dependencies"]:
        name = _name(requirement)
        assert name in used_otherwise or module_of.get(name, name.replace("-", "_")) in imported, name
