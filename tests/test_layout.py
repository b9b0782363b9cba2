"""The layout: ``utils/`` is the lessons' library, ``course/`` the machinery that builds the course."""

import ast
from pathlib import Path

from lesson_code import imported_utils_modules, notebook_code

ROOT = Path(__file__).resolve().parents[1]


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
        used |= imported_utils_modules(notebook_code(path))
    grown = True
    while grown:
        more = set().union(*(imported_utils_modules((ROOT / "utils" / f"{m}.py").read_text()) for m in used & modules))
        grown = not more <= used
        used |= more
    assert modules - used == set(), f"utils modules no lesson uses (course machinery belongs in course/): {modules - used}"
