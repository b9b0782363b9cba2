"""The glossary's terms, and a lesson's first use of each linked to it (written by ``make sync``).

``notebooks/glossary.md`` lists one term per line as ``- **Term (aside)**: one sentence. [NN](lesson)``.
A lesson defines a term by writing it in bold; sync turns the first bold use of each glossary term
in a lesson's idea layer into a link to the glossary. Later uses stay plain bold.
"""

from __future__ import annotations

import re
from pathlib import Path

GLOSSARY = "glossary.md"
TERM_LINE = re.compile(r"^- \*\*(.+?)\*\*:", re.M)
BOLD = re.compile(r"(?<!\[)\*\*([^*\n]+?)\*\*(?!\]\()")


def terms(glossary_path: Path) -> dict[str, str]:
    """Every glossary term, lower-cased, mapped to itself as the glossary spells it.

    An aside in brackets is dropped ("Cell state (c)" is matched as "cell state"), and a term
    whose aside spells it out is matched both ways ("CNN (convolutional network)").
    """
    found = {}
    for term in TERM_LINE.findall(glossary_path.read_text()):
        short = re.sub(r"\s*\(.*?\)", "", term).strip()
        found[short.lower()] = term
        aside = re.search(r"\((.+?)\)", term)
        if aside and len(aside.group(1).split()) > 1:
            found[aside.group(1).lower()] = term
    return found


def _key(bold: str) -> str:
    """How a bold span is looked up: lower case, a plural 's' dropped, no trailing punctuation."""
    text = bold.strip().lower().rstrip(".,:;")
    return text


def link_first_uses(sources: list[str], known: dict[str, str]) -> list[str]:
    """The markdown ``sources`` of one lesson's idea layer, in order, with the first bold use of each
    known term linked to the glossary. A term already linked anywhere counts as used."""
    used = {_key(m.group(1)) for text in sources for m in re.finditer(r"\[\*\*([^*\n]+?)\*\*\]\(" + GLOSSARY, text)}
    used = {_lookup(k, known) for k in used} - {None}
    out = []
    for text in sources:
        def link(match, used=used):
            term = _lookup(_key(match.group(1)), known)
            if term is None or term in used:
                return match.group(0)
            used.add(term)
            return f"[**{match.group(1)}**]({GLOSSARY})"
        out.append(BOLD.sub(link, text))
    return out


def _lookup(key: str, known: dict[str, str]) -> str | None:
    for candidate in (key, key[:-1] if key.endswith("s") else None, key[:-2] if key.endswith("es") else None):
        if candidate and candidate in known:
            return known[candidate]
    return None
