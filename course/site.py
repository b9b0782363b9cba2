"""The built course as a small offline site: pages, navigation, index, reports and a link check.

Used by :mod:`course.build` (``make course``). Everything a page needs ships inside ``build/``:
MathJax 2 is copied from the pinned ``jupyter-server-mathjax`` package, images are embedded,
and :func:`check_site` fails the build if any page loads a script, stylesheet, image or font
from the network, or links to a file that is not there.
"""

from __future__ import annotations

import copy
import csv
import html
import io
import re
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"
MATHJAX_DIR = "mathjax"
MATHJAX_URL = f"../{MATHJAX_DIR}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
NAV_START, NAV_END = "<!-- course-nav -->", "<!-- /course-nav -->"
PAGE_STYLE = """body{font-family:sans-serif;max-width:62em;margin:2em auto;padding:0 1em;line-height:1.5}
td,th{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left;vertical-align:top}
.passed{color:#1a7f37}.failed{color:#cf222e;font-weight:bold}.not-built{color:#888}
.claim{color:#444}"""


# --------------------------------------------------------------------------- pages


def copy_mathjax(out_dir: Path) -> Path:
    """Copy MathJax 2 from the ``jupyter-server-mathjax`` package into ``out_dir/mathjax`` (once)."""
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    target = out_dir / MATHJAX_DIR
    if not (target / "MathJax.js").is_file():
        shutil.copytree(source, target, dirs_exist_ok=True)
    return target


def lesson_html(nb, remove_input_tags=("remove-input",)) -> str:
    """HTML for an executed notebook: the course template, local MathJax, tagged inputs hidden.

    Colab and Kaggle badges become plain text links (the badge image lives on the web), and links
    between lessons point at their HTML pages.
    """
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    from course.sync import badges_as_links

    nb = copy.deepcopy(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = badges_as_links(cell.source)
    exporter = HTMLExporter(template_name="course", extra_template_basedirs=[str(TEMPLATES_DIR)],
                            embed_images=True, mathjax_url=MATHJAX_URL)
    exporter.register_preprocessor(TagRemovePreprocessor(remove_input_tags=set(remove_input_tags)), enabled=True)
    body, _ = exporter.from_notebook_node(nb)
    return re.sub(r'href="(\d\d_[\w-]+)\.ipynb(#[^"]*)?"', r'href="\1.html\2" data-lesson="\1"', body)


_LESSON_LINK = re.compile(r'href="[^"]*" data-lesson="(\d\d_[\w-]+)"')


def resolve_lesson_links(page: str, built: set[str]) -> str:
    """Point each link to another lesson at its page if that is built, else at its row in the index.

    The ``data-lesson`` attribute keeps the target, so a later build (``--only``) restores the link.
    """
    return _LESSON_LINK.sub(lambda m: (f'href="{m.group(1)}.html"' if m.group(1) in built
                                       else f'href="../index.html#{m.group(1)}"') + f' data-lesson="{m.group(1)}"',
                            page)


@dataclass
class PageLink:
    """A lesson as the navigation sees it: its title and whether its page exists."""

    stem: str
    title: str
    built: bool


def navigation(previous: PageLink | None, following: PageLink | None, where: str) -> str:
    """The previous / index / next bar of a lesson page (``where`` is "top" or "bottom")."""

    def side(link: PageLink | None, arrow_left: bool) -> str:
        if link is None:
            return "<span></span>"
        text = f"← {link.title}" if arrow_left else f"{link.title} →"
        if not link.built:
            return f'<span class="missing">{html.escape(text)} (not built)</span>'
        return f'<a href="{link.stem}.html">{html.escape(text)}</a>'

    return (f'{NAV_START}<nav class="course-nav {where}">{side(previous, True)}'
            f'<a href="../index.html">Course index</a>{side(following, False)}</nav>{NAV_END}')


def set_navigation(page: str, top: str, bottom: str) -> str:
    """``page`` with its navigation bars replaced (or added after ``<body>`` and before ``</body>``)."""
    page = re.sub(re.escape(NAV_START) + ".*?" + re.escape(NAV_END), "", page, flags=re.S)
    page = re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + "\n" + top, page, count=1)
    index = page.rfind("</body>")
    return page[:index] + bottom + "\n" + page[index:] if index >= 0 else page + bottom


# --------------------------------------------------------------------------- reports


def render_report(path: Path) -> Path | None:
    """An HTML rendering of a markdown or CSV report beside it (``name.md`` -> ``name.md.html``)."""
    suffix = path.suffix.lower()
    if suffix == ".md":
        import mistune

        content = mistune.create_markdown(plugins=["table"])(path.read_text())
    elif suffix == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text())))
        if not rows:
            return None
        head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
        body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows[1:])
        content = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    else:
        return None
    target = path.with_name(path.name + ".html")
    target.write_text(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(path.name)}</title>
<style>{PAGE_STYLE}</style></head>
<body><p><a href="../index.html">Course index</a> · <a href="{html.escape(path.name)}">{html.escape(path.name)}</a>
(the file itself)</p>
{content}
</body></html>
""")
    return target


# --------------------------------------------------------------------------- index


def index_page(rows: list[dict], built_at: str) -> str:
    """The course's front page. Each row: number, title, claim, stem, status, seconds, reports."""
    lines = []
    for row in rows:
        status = row.get("status", "not built")
        css = {"passed": "passed", "failed": "failed"}.get(status, "not-built")
        seconds = f"{row['seconds']:.0f} s" if row.get("seconds") is not None else "–"
        title = html.escape(f"{row['number']} · {row['title']}")
        if status == "not built":
            links = ""
            name = title
        else:
            name = f'<a href="html/{row["stem"]}.html">{title}</a>'
            links = f'<a href="html/{row["stem"]}.html">page</a> · <a href="notebooks/{row["stem"]}.ipynb">notebook</a>'
        for report in row.get("reports", []):
            rendered = f' (<a href="{report}.html">as HTML</a>)' if report.endswith((".md", ".csv")) else ""
            links += f' · <a href="{report}">{html.escape(Path(report).name)}</a>{rendered}'
        error = f'<br><span class="failed">{html.escape(row["error"])}</span>' if row.get("error") else ""
        lines.append(f'<tr id="{row["stem"]}"><td>{name}<br><span class="claim">{html.escape(row.get("claim", ""))}</span></td>'
                     f'<td class="{css}">{status}{error}</td><td>{seconds}</td><td>{links}</td></tr>')
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>RNN vs CNN: the course</title>
<style>{PAGE_STYLE}</style></head>
<body><h1>RNN vs CNN: a hands-on Keras course</h1>
<p>The lessons executed by <code>make course</code> (last build {html.escape(built_at)}). Each page is the
lesson run top to bottom, with every figure and check; the executed notebooks open in Jupyter. Run times are
this build's, on this machine.</p>
<table><tr><th>lesson and what it demonstrates</th><th>status</th><th>run time</th><th>files</th></tr>
{chr(10).join(lines)}
</table>
</body></html>
"""


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

    Walks every HTML page under ``out_dir`` (MathJax's own files excepted). A page may link
    to the web (an ``<a href="https://...">``), but must load nothing from it.
    """
    problems = []
    out_dir = Path(out_dir)
    for page in sorted(out_dir.rglob("*.html")):
        if MATHJAX_DIR in page.relative_to(out_dir).parts[:1]:
            continue
        parser = _References()
        parser.feed(page.read_text(errors="replace"))
        where = page.relative_to(out_dir)
        for kind, url in parser.found:
            if url.startswith(("data:", "#", "mailto:", "javascript:", "about:")) or not url.strip():
                continue
            if _is_remote(url):
                if kind == "resource":
                    problems.append(f"{where}: loads {url} from the network")
                continue
            target = (page.parent / unquote(urlsplit(url).path)).resolve()
            if not target.exists():
                problems.append(f"{where}: broken {kind} {url}")
    return problems
