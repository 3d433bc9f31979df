"""The house rules that keep the library layered and the test suite collectable."""

import ast
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIB = ROOT / "course_lib"
EDGE = {"viz", "widgets", "exercises", "aws", "diagnostics", "runtime", "copies", "__main__"}
EDGE_ONLY = {"matplotlib", "graphviz", "ipywidgets", "boto3", "botocore", "moto", "IPython"}
# Lower layers never import higher ones.
LAYER = {
    "session": 0,
    "strict_json": 0,
    "jsonata_eval": 0,
    "facts": 0,
    "botocore_models": 0,
    "sim": 1,
    "events": 2,
    "stepfunctions": 3,
    "eventbridge": 3,
    "fallacies": 4,
    "coupling": 4,
    "messaging": 4,
    "consistency": 4,
    "lessons": 4,
    "pizza": 5,
}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _module_of(path: Path) -> str:
    return path.relative_to(LIB).parts[0].removesuffix(".py")


def test_test_modules_have_unique_names():
    counts = Counter(p.name for p in (ROOT / "tests").rglob("test_*.py"))
    assert [name for name, n in counts.items() if n > 1] == []


def test_only_the_edge_imports_drawing_widget_and_aws_libraries():
    offenders = []
    for path in LIB.rglob("*.py"):
        if _module_of(path) in EDGE:
            continue
        heavy = {name.split(".")[0] for name in _imports(path)} & EDGE_ONLY
        if heavy:
            offenders.append(f"{path.relative_to(ROOT)} imports {sorted(heavy)}")
    assert offenders == []


def test_layers_point_one_way():
    offenders = []
    for path in LIB.rglob("*.py"):
        own = _module_of(path)
        if own not in LAYER:
            continue
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] != "course_lib" or len(parts) < 2 or parts[1] == own:
                continue
            other = parts[1]
            if other in EDGE or LAYER.get(other, -1) >= LAYER[own]:
                offenders.append(f"{path.relative_to(ROOT)} imports course_lib.{other}")
    assert offenders == []


def test_every_string_in_the_library_is_valid_unicode():
    """A lone surrogate in a string literal (an escape like ``\\ud800`` in a docstring)
    is fine on CPython, but the browser's Python cannot import such a module."""
    bad = []
    for path in sorted(LIB.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    node.value.encode("utf-8")
                except UnicodeEncodeError:
                    bad.append(f"{path.relative_to(LIB)}:{node.lineno}")
    assert bad == []
