"""What a lesson's code cells say, read without running them: shared by the layout and CI tests."""

import ast
from pathlib import Path

import nbformat


def notebook_code(path: Path) -> str:
    """The Python of a notebook's code cells, without IPython's ``%`` and ``!`` lines."""
    cells = nbformat.read(path, as_version=4).cells
    return "\n".join(line for cell in cells if cell.cell_type == "code" for line in cell.source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def imported_utils_modules(source: str) -> set[str]:
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
