"""The layout: ``utils/`` is the lessons' library, ``course/`` the machinery that builds the course."""

import ast
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _imported_utils_modules(source: str) -> set[str]:
    """Names of the ``utils`` modules a piece of Python imports (``from utils import a, b``, ``utils.c``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module == "utils":
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("utils."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names if a.name.startswith("utils.")}
    return found


def _notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text())["cells"]
    lines = []
    for cell in cells:
        if cell["cell_type"] == "code":
            lines += [line for line in "".join(cell["source"]).splitlines() if not line.lstrip().startswith(("%", "!"))]
    return "\n".join(lines)


def test_utils_never_imports_the_course_machinery():
    for path in sorted((ROOT / "utils").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            assert not any(n == "course" or n.startswith("course.") for n in names), f"{path.name} imports {names}"


def test_every_utils_module_serves_a_lesson():
    """Each module in utils/ is imported by a notebook, or by a module that is."""
    modules = {p.stem for p in (ROOT / "utils").glob("*.py")} - {"__init__"}
    used = set()
    for path in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        used |= _imported_utils_modules(_notebook_code(path))
    grown = True
    while grown:
        more = set().union(*(_imported_utils_modules((ROOT / "utils" / f"{m}.py").read_text()) for m in used & modules))
        grown = not more <= used
        used |= more
    assert modules - used == set(), f"utils modules no lesson uses (course machinery belongs in course/): {modules - used}"
