"""qi's layers: every import points down (or across), never up.

0. ``qi.charts``: the engine; imports nothing of qi outside itself.
1. ``qi.vocabulary`` and ``qi.text``: codes and their words; formatters and readings;
   ``qi.access``: roles, grants and ``authorize`` (pure rules the store enforces).
2. ``qi.store``: persistence.
3. ``qi.services``, ``qi.ingest``, ``qi.demo``, ``qi.conformance``: what the data means;
   ``qi.scale``: the engine on Spark and Dask.
4. ``qi.render``: figures, icons, the board pack.
5. the shells: ``qi.app``, ``qi.cli`` and ``app.py``.

Imports are read with ``ast`` from the source, those inside functions included, so a deferred
import counts as much as one at the top. Only the store speaks SQL: elsewhere the one name
taken from SQLAlchemy is ``Engine``, the handle passed to the store.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS: dict[str, int] = {
    "qi.charts": 0,
    "qi.effects": 0,
    "qi.vocabulary": 1,
    "qi.text": 1,
    "qi.access": 1,
    "qi.store": 2,
    "qi.services": 3,
    "qi.ingest": 3,
    "qi.demo": 3,
    "qi.conformance": 3,
    "qi.scale": 3,
    "qi.render": 4,
    "qi.app": 5,
    "qi.cli": 5,
    "app": 5,
}
ENGINE = "qi.charts"
STORE = "qi.store"
# What a module outside the store may take from SQLAlchemy.
SQLALCHEMY_OUTSIDE_STORE = {"sqlalchemy.Engine"}


def layer(module: str) -> int | None:
    """The layer of a module: that of the longest name in ``LAYERS`` it is, or is inside. The
    package ``qi`` itself (its ``__version__``) is at the bottom."""
    if module == "qi" or (module.startswith("qi.__") and module.endswith("__")):
        return 0
    owners = [name for name in LAYERS if module == name or module.startswith(f"{name}.")]
    return LAYERS[max(owners, key=len)] if owners else None


def imported(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """Every import in a module's source as (line, dotted name), wherever it is in the module.

    ``from a.b import c`` is ``a.b.c`` (c may be a module; if it is a name in a.b, the longest
    known prefix still finds a.b's layer); relative imports are resolved against ``module``.
    """
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")
                package = package if is_package else package[:-1]
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def upward_imports(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """What breaks the layering, one line each naming the module, its line and the import.

    ``modules``: dotted name -> (source, is a package's ``__init__``).
    """
    problems = []
    for module, (source, is_package) in sorted(modules.items()):
        own = layer(module)
        if own is None:
            problems.append(f"{module} has no layer: add it to LAYERS in tests/test_layers.py")
            continue
        for line, name in imported(source, module, is_package):
            if not (name == "qi" or name.startswith("qi.") or name == "app"):
                continue
            target = layer(name)
            where = f"{module} (layer {own}), line {line}: imports {name}"
            if module.startswith(f"{ENGINE}.") and not name.startswith(f"{ENGINE}."):
                problems.append(f"{where}, outside the engine; the engine imports only itself")
            elif target is None or target > own:
                problems.append(f"{where} (layer {target}), a layer above")
    return problems


def sql_outside_store(modules: dict[str, tuple[str, bool]]) -> list[str]:
    """Modules outside ``qi.store`` that import more of SQLAlchemy than ``Engine``."""
    problems = []
    for module, (source, is_package) in sorted(modules.items()):
        if module == STORE or module.startswith(f"{STORE}."):
            continue
        for line, name in imported(source, module, is_package):
            if name.split(".")[0] == "sqlalchemy" and name not in SQLALCHEMY_OUTSIDE_STORE:
                problems.append(f"{module}, line {line}: imports {name}; SQL belongs in qi.store")
    return problems


def qi_modules() -> dict[str, tuple[str, bool]]:
    """Every module under qi/, and app.py: dotted name -> (source, is a package)."""
    modules = {}
    for path in sorted((ROOT / "qi").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        name = ".".join(parts[:-1] if is_package else parts)
        modules[name] = (path.read_text(encoding="utf-8"), is_package)
    modules["app"] = ((ROOT / "app.py").read_text(encoding="utf-8"), False)
    return modules


def test_every_import_points_down_or_across_a_layer():
    modules = qi_modules()
    assert len(modules) > 50  # the walk found the package
    assert upward_imports(modules) == []


def test_only_the_store_speaks_sql():
    assert sql_outside_store(qi_modules()) == []


def test_the_checker_catches_an_upward_import_anywhere_in_a_module():
    modules = {
        "qi.store.fake": ("from qi.services.review import measure_view\n", False),
        "qi.text.fake": ("def f():\n    from qi import render\n    return render\n", False),
        "qi.vocabulary.fake": ("import qi.store.models\n", False),
        "qi.charts.fake": ("from qi.text import number\nimport qi\n", False),
        "qi.services.fake": ("from ..render.figures import spc_chart\n", False),
        "qi.newthing": ("", False),
    }
    problems = upward_imports(modules)
    assert problems == [
        "qi.charts.fake (layer 0), line 1: imports qi.text.number, outside the engine; "
        "the engine imports only itself",
        "qi.charts.fake (layer 0), line 2: imports qi, outside the engine; "
        "the engine imports only itself",
        "qi.newthing has no layer: add it to LAYERS in tests/test_layers.py",
        "qi.services.fake (layer 3), line 1: imports qi.render.figures.spc_chart (layer 4), "
        "a layer above",
        "qi.store.fake (layer 2), line 1: imports qi.services.review.measure_view (layer 3), "
        "a layer above",
        "qi.text.fake (layer 1), line 2: imports qi.render (layer 4), a layer above",
        "qi.vocabulary.fake (layer 1), line 1: imports qi.store.models (layer 2), a layer above",
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from qi.store import read_series\nfrom qi.vocabulary.points import ICON_LABELS\n",
        "from qi.services.since import since\n",  # the same layer
        "from . import review\n",
    ],
)
def test_the_checker_lets_imports_down_and_across_through(source):
    assert upward_imports({"qi.services.fake": (source, False)}) == []


def test_the_checker_catches_sql_outside_the_store():
    modules = {
        "qi.services.fake": ("from sqlalchemy import Engine, select\n", False),
        "qi.app.fake": ("def f():\n    import sqlalchemy.orm\n", False),
        "qi.store.fake": ("from sqlalchemy import select\n", False),
        "qi.ingest.fake": ("from sqlalchemy import Engine\n", False),
    }
    assert sql_outside_store(modules) == [
        "qi.app.fake, line 2: imports sqlalchemy.orm; SQL belongs in qi.store",
        "qi.services.fake, line 1: imports sqlalchemy.select; SQL belongs in qi.store",
    ]
