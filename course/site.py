"""The built course as an offline site with search: Sphinx, myst-nb and sphinx-book-theme over the executed lessons.

Used by :mod:`course.build` (``make course``), after the lessons ran; nothing runs twice (myst-nb's
execution is off). :func:`write_sources` turns ``build/notebooks/`` into Sphinx sources in
``build/.site/`` (badges as text links, evidence cells collapsed, a front page, one page per
report), :func:`build_html` renders them into ``build/html/`` with a sidebar, previous/next links and
search, and copies MathJax 2 from the pinned ``jupyter-server-mathjax`` package beside them.
Search works from ``file://``: Sphinx loads its index as a script, not by a fetch.
:func:`check_site` fails the build if a page loads anything from the network or links to a file
that is not there.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import io
import re
import shutil
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

from course.sync import EVIDENCE_TAG, badges_as_links

FILES_DIR = "_files"
"""Under the sources: the executed notebooks and the reports as files to download, not pages."""
SOURCE_DIR = ".site"
"""Under the build folder: the Sphinx sources, rewritten by every build."""
HTML_DIR = "html"
MATHJAX_DIR = "_static/mathjax"
"""Under ``html/``: MathJax 2, typesetting every formula offline."""
MATHJAX_PATH = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
"""As Sphinx's ``mathjax_path``: relative to ``_static``."""
COURSE_CSS = """/* The theme lays out span.math as a flex box that hides overflow, for MathJax 3. MathJax 2 names its own
   inner span "math" too, and an inline-block that hides overflow sits on its bottom edge, above the line. */
span.math { display: inline; overflow: visible; }
"""
CORRECTION_RE = re.compile(r"\*\*The comparison table, corrected\.\*\*\s+(.+?)\s*$", re.S)
"""A lesson's one sentence that corrects its row of the comparison table (in its "Key ideas" cell)."""


@dataclass
class LessonEntry:
    """One lesson on the front page and in the sidebar."""

    number: str
    stem: str
    title: str
    level: str = "core"
    claim: str = ""
    status: str = "not built"
    seconds: float | None = None
    error: str = ""
    reports: list[str] = field(default_factory=list)
    correction: str = ""


# --------------------------------------------------------------------------- sources


_LESSON_LINK = re.compile(r"\]\((\d\d_[\w-]+)\.ipynb(#[^)\s]*)?\)")


def links_to_built(markdown: str, built: set[str]) -> str:
    """Markdown whose links to lessons not in this build lead to the front page instead."""
    return _LESSON_LINK.sub(lambda m: m.group(0) if m.group(1) in built else "](index.md)", markdown)


def lesson_source(nb, built: set[str]):
    """The executed notebook as the site shows it: badges as text links, evidence cells collapsed.

    A link to a lesson not in this build (``make course ONLY=...`` on a fresh folder) leads to the
    front page instead.
    """
    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "markdown":
            cell.source = links_to_built(badges_as_links(cell.source), built)
            if EVIDENCE_TAG in tags:
                cell.source = f":::{{admonition}} The evidence\n:class: dropdown evidence\n{cell.source}\n:::"
        elif EVIDENCE_TAG in tags and "hide-cell" not in tags:
            cell.metadata["tags"] = [*tags, "hide-cell"]
    return nb


def correction(nb) -> str:
    """The lesson's sentence that corrects its row of the comparison table ('' if it has none)."""
    for cell in nb.cells:
        match = CORRECTION_RE.search(cell.source) if cell.cell_type == "markdown" else None
        if match:
            return " ".join(match.group(1).split())
    return ""


def corrected_table(lessons: list[LessonEntry]) -> list[str]:
    """The front page's section that gathers every lesson's correction: the course's table, a page to keep."""
    rows = [f"| [{lesson.number} · {lesson.title}]({lesson.stem}.ipynb) | {lesson.correction} |"
            for lesson in lessons if lesson.correction]
    if not rows:
        return []
    return ["## The comparison table, corrected", "",
            "Lesson 00 states the usual four-row comparison of RNNs and CNNs. Each lesson ends by correcting its row:",
            "", "| lesson | what it measured |", "|---|---|", *rows, ""]


def _level_label(level: str) -> str:
    return {"core": "core", "advanced": "advanced", "core, advanced sections": "core + advanced"}.get(level, level)


def front_page(lessons: list[LessonEntry], built_at: str, pages: tuple[str, ...] = ()) -> str:
    """The site's front page (MyST markdown): every lesson's level, claim, status, run time and files."""
    rows = ["| lesson | level | what it demonstrates | status | run time | files |", "|---|---|---|---|---|---|"]
    for lesson in lessons:
        built = lesson.status != "not built"
        name = f"[{lesson.number} · {lesson.title}]({lesson.stem}.ipynb)" if built else f"{lesson.number} · {lesson.title}"
        seconds = f"{lesson.seconds:.0f} s" if lesson.seconds is not None else "–"
        files = [f"{{download}}`notebook <{FILES_DIR}/notebooks/{lesson.stem}.ipynb>`"] if built else []
        files += [f"[{Path(report).name}]({report_page(report)})" if _has_page(report)
                  else f"{{download}}`{Path(report).name} <{FILES_DIR}/{report}>`" for report in lesson.reports]
        status = lesson.status + (f": {lesson.error}" if lesson.error else "")
        rows.append(f"| {name} | {_level_label(lesson.level)} | {lesson.claim} | {status} | {seconds} | "
                    f"{' · '.join(files)} |")
    entries = [f"{lesson.number} · {lesson.title}{'' if lesson.level == 'core' else f' ({_level_label(lesson.level)})'}"
               f" <{lesson.stem}>" for lesson in lessons if lesson.status != "not built"]
    reference = " The [glossary](glossary.md) defines every term the lessons use." if "glossary" in pages else ""
    report_pages = sorted({report_page(r).removesuffix(".md") for lesson in lessons for r in lesson.reports
                           if _has_page(r)})
    return "\n".join([
        "# RNN vs CNN: a hands-on Keras course", "",
        "Every lesson below ran top to bottom in this build, with every figure and check. "
        "Search (the box in the sidebar) finds a lesson by any word of its text. "
        "The level says who it is for: **core** is the main path; **advanced** parts are for a second reading."
        + reference, "",
        f"Last build: {built_at}. Run times are this build's, on this machine.", "",
        *rows, "", *corrected_table(lessons),
        "```{toctree}", ":hidden:", ":caption: Lessons", "", *entries, "```", "",
        *(["```{toctree}", ":hidden:", ":caption: Reference", "", *pages, "```", ""] if pages else []),
        *(["```{toctree}", ":hidden:", ":caption: Reports", "", *report_pages, "```", ""] if report_pages else []),
    ])


def _has_page(report: str) -> bool:
    return Path(report).suffix.lower() in (".md", ".csv")


def report_page(report: str) -> str:
    """The page that shows a report: ``reports/bench.csv`` -> ``reports/bench_csv.md``.

    (``bench.csv.md`` would not do: Sphinx reads a toctree entry ``reports/table.md`` as the document
    ``reports/table``.)
    """
    path = Path(report)
    return (path.parent / f"{path.stem}_{path.suffix.lstrip('.')}.md").as_posix()


def report_markdown(path: Path) -> str | None:
    """A page for a report: a markdown report as it is, a CSV as a table; ``None`` for other files."""
    suffix = path.suffix.lower()
    download = f"{{download}}`{path.name} <../{FILES_DIR}/reports/{path.name}>` (the file itself)"
    if suffix == ".md":
        body = path.read_text()
        if not body.lstrip().startswith("# "):
            body = f"# {path.name}\n\n{body}"
        return f"{body}\n\n{download}\n"
    if suffix == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text())))
        if not rows:
            return None
        escape = lambda text: text.replace("|", "\\|")  # noqa: E731
        table = ["| " + " | ".join(escape(c) for c in rows[0]) + " |", "|" + "---|" * len(rows[0])]
        table += ["| " + " | ".join(escape(c) for c in row) + " |" for row in rows[1:]]
        return f"# {path.name}\n\n{download}\n\n" + "\n".join(table) + "\n"
    return None


def _write(path: Path, text: str) -> None:
    """Write a source (Sphinx reads them all again on every build: ``-E``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def _copy(original: Path, copy_path: Path) -> None:
    """Copy a file byte for byte (a figure too)."""
    copy_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(original, copy_path)


def write_sources(out_dir: Path, lessons: list[LessonEntry], built_at: str, pages: tuple[Path, ...] = ()) -> Path:
    """Write the Sphinx sources for the built lessons into ``out_dir/.site``; return that folder.

    ``pages`` are markdown pages beside the lessons (the glossary), listed under "Reference".
    """
    source = out_dir / SOURCE_DIR
    source.mkdir(parents=True, exist_ok=True)
    wanted = {"conf.py", "index.md", "_static/course.css", *(page.name for page in pages)}
    _write(source / "conf.py", conf_py())
    _write(source / "_static" / "course.css", COURSE_CSS)
    built = {lesson.stem for lesson in lessons if lesson.status != "not built"}
    for page in pages:
        _write(source / page.name, links_to_built(page.read_text(), built))
    for lesson in lessons:
        executed = out_dir / "notebooks" / f"{lesson.stem}.ipynb"
        if lesson.stem not in built or not executed.is_file():
            continue
        executed_nb = nbformat.read(executed, as_version=4)
        lesson.correction = correction(executed_nb)
        page = lesson_source(executed_nb, built)
        _write(source / f"{lesson.stem}.ipynb", nbformat.writes(page))
        _copy(executed, source / FILES_DIR / "notebooks" / executed.name)
        wanted |= {f"{lesson.stem}.ipynb", f"{FILES_DIR}/notebooks/{executed.name}"}
        for report in lesson.reports:
            text = report_markdown(out_dir / report)
            _copy(out_dir / report, source / FILES_DIR / report)
            wanted.add(f"{FILES_DIR}/{report}")
            if text is not None:
                _write(source / report_page(report), text)
                wanted.add(report_page(report))
    _write(source / "index.md", front_page(lessons, built_at, tuple(page.stem for page in pages)))
    for path in sorted(source.rglob("*"), reverse=True):  # lessons and reports no longer built
        relative = path.relative_to(source).as_posix()
        if path.is_file() and relative not in wanted:
            path.unlink()
    return source


def conf_py() -> str:
    """Sphinx's settings for the course site (offline MathJax 2, executed notebooks, GFM report tables)."""
    from course import COURSE_REPOSITORY

    return f'''# Written by course/site.py for every build; edit that file, not this one.
project = "RNN vs CNN"
author = "the RNN vs CNN course"
html_title = "RNN vs CNN: a hands-on Keras course"
extensions = ["myst_nb", "sphinx_togglebutton"]   # togglebutton folds "The evidence" until it is opened
nb_execution_mode = "off"                 # course.build executed every lesson already
nb_render_markdown_format = "gfm"         # report.Table outputs are GitHub-flavoured tables
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_update_mathjax = False
mathjax_path = {MATHJAX_PATH!r}             # MathJax 2, copied into _static by course/site.py
mathjax2_config = {{                           # its STIX web fonts ship in that copy; no system fonts
    "tex2jax": {{"processEscapes": True, "processEnvironments": True}},
    "HTML-CSS": {{"availableFonts": [], "preferredFont": None, "imageFont": None, "webFont": "STIX-Web",
                 "linebreaks": {{"automatic": True}}}},
    "messageStyle": "none",
}}
exclude_patterns = ["{FILES_DIR}/**"]    # files to download (notebooks, reports), not pages
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure", "toc.not_included"]
html_theme = "sphinx_book_theme"
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_show_sourcelink = False
html_theme_options = {{
    "repository_url": {COURSE_REPOSITORY!r},
    "repository_branch": "main",
    "path_to_docs": "notebooks",
    "use_download_button": True,
    "launch_buttons": {{"colab_url": "https://colab.research.google.com"}},
    "show_navbar_depth": 1,
}}
'''


# --------------------------------------------------------------------------- html


def copy_mathjax(html_dir: Path) -> Path:
    """Copy MathJax 2 from the ``jupyter-server-mathjax`` package into ``html/_static/mathjax`` (once)."""
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = html_dir / MATHJAX_DIR
    if not (target / "MathJax.js").is_file():
        shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def build_html(out_dir: Path, lessons: list[LessonEntry], built_at: str, pages: tuple[Path, ...] = (),
               log=print) -> Path:
    """Render the built lessons (and ``pages``, see :func:`write_sources`) into ``out_dir/html``; return the front page.

    Raises ``RuntimeError`` with Sphinx's own messages if it fails.
    """
    from sphinx.cmd.build import build_main

    source = write_sources(out_dir, lessons, built_at, pages)
    html_dir = out_dir / HTML_DIR
    for made in ("_downloads", "_images", "_sources"):  # Sphinx's own folders, which it fills but never empties
        shutil.rmtree(html_dir / made, ignore_errors=True)
    errors = io.StringIO()
    with contextlib.redirect_stderr(errors), contextlib.redirect_stdout(io.StringIO()):
        status = build_main(["-b", "html", "-q", "-E", "-d", str(out_dir / ".doctrees"), str(source), str(html_dir)])
    if status != 0:
        raise RuntimeError(f"the site did not build (Sphinx exit status {status}):\n{errors.getvalue()}")
    copy_mathjax(html_dir)
    redirect = out_dir / "index.html"
    redirect.write_text('<!doctype html><meta charset="utf-8"><title>RNN vs CNN</title>'
                        '<meta http-equiv="refresh" content="0; url=html/index.html">'
                        '<p>The course is at <a href="html/index.html">html/index.html</a>.</p>\n')
    if log and errors.getvalue().strip():
        log("site warnings:\n  " + "\n  ".join(errors.getvalue().strip().splitlines()[:20]), flush=True)
    return html_dir / "index.html"


# --------------------------------------------------------------------------- checks


_RESOURCE_ATTRIBUTES = {("script", "src"), ("link", "href"), ("img", "src"), ("iframe", "src"), ("source", "src"),
                        ("video", "src"), ("audio", "src"), ("embed", "src"), ("object", "data"), ("input", "src")}
_CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)|@import\s+['\"]([^'\"]+)['\"]")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_SCRIPT_IMPORT = re.compile(r"""\bimport\b[^;'"]*?\(?\s*['"]((?:https?:)?//[^'"]+)['"]""")


class _References(HTMLParser):
    """Collects (kind, url) for every resource a page loads and every link it makes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if value is None:
                continue
            if (tag, name) in _RESOURCE_ATTRIBUTES and not (tag == "link" and _is_plain_link(attributes)):
                self.found.append(("resource", value))
            elif (tag, name) in {("a", "href"), ("link", "href")}:
                self.found.append(("link", value))
            elif name == "style":
                self._css(value)
        self._in = tag if tag in ("style", "script") else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in == "style":
            self._css(data)
        elif self._in == "script":
            self.found += [("resource", url) for url in _SCRIPT_IMPORT.findall(data)]

    def _css(self, text):
        for url, imported in _CSS_URL.findall(_CSS_COMMENT.sub("", text)):
            self.found.append(("resource", url or imported))


def _is_plain_link(attributes: dict) -> bool:
    """A <link> that loads nothing (e.g. rel=canonical) rather than a stylesheet, icon or font."""
    rel = (attributes.get("rel") or "").lower().split()
    return not rel or not set(rel) & {"stylesheet", "icon", "preload", "prefetch", "modulepreload", "manifest"}


def _is_remote(url: str) -> bool:
    return url.startswith("//") or urlsplit(url).scheme in ("http", "https", "ftp")


def check_site(out_dir: Path) -> list[str]:
    """Problems with the built site: network resources, and relative links to missing files.

    Walks every HTML page and stylesheet under ``out_dir`` (MathJax's own files and Sphinx's
    sources excepted). A page may link to the web (an ``<a href="https://...">``), but must load
    nothing from it.
    """
    problems = []
    out_dir = Path(out_dir)
    skipped = (SOURCE_DIR, ".doctrees")
    for page in sorted([*out_dir.rglob("*.html"), *out_dir.rglob("*.css")]):
        relative = page.relative_to(out_dir)
        if relative.parts[0] in skipped or relative.as_posix().startswith(f"{HTML_DIR}/{MATHJAX_DIR}"):
            continue
        if page.suffix == ".html" and relative.as_posix().startswith(f"{HTML_DIR}/_static/"):
            continue  # the theme's template fragments, not pages
        parser = _References()
        if page.suffix == ".css":
            parser._css(page.read_text(errors="replace"))
        else:
            parser.feed(page.read_text(errors="replace"))
        for kind, url in parser.found:
            if url.startswith(("data:", "#", "mailto:", "javascript:", "about:")) or not url.strip():
                continue
            if _is_remote(url):
                if kind == "resource":
                    problems.append(f"{relative}: loads {url} from the network")
                continue
            target = (page.parent / unquote(urlsplit(url).path)).resolve()
            if not target.exists():
                problems.append(f"{relative}: broken {kind} {url}")
    return problems
