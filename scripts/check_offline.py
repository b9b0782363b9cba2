"""Open every page of the built course in headless Chromium with the network cut, as a learner offline would.

Needs Linux, Debian's ``chromium`` package and ``unshare`` (util-linux; run as root, or where
unprivileged user namespaces are allowed). Not part of ``make test`` (CI has no browser); run it
after ``make course``:

    python scripts/check_offline.py                 # every page of build/html
    python scripts/check_offline.py --screenshot build/offline.png

For each page it prints how many formulas MathJax typeset, how many ``$`` signs are left
untypeset in the text, and whether MathJax reported an error; the exit status is 1 if any page
has untypeset math or no MathJax at all.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def chromium_command(*arguments: str) -> list[str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        raise SystemExit("chromium not found: apt-get install chromium")
    return ["unshare", "--net", "--map-root-user", browser, "--headless", "--no-sandbox", "--disable-gpu",
            "--virtual-time-budget=20000", *arguments]


def rendered_dom(page: Path) -> str:
    result = subprocess.run(chromium_command("--dump-dom", page.resolve().as_uri()), capture_output=True,
                            text=True, timeout=180)
    if result.returncode:
        raise SystemExit(f"chromium failed on {page}: {result.stderr[-500:]}")
    return result.stdout


def summarize(dom: str) -> dict:
    """Formulas typeset, '$' left in prose (code blocks excluded: MathJax rightly skips them), errors."""
    text = re.sub(r"<(script|style|pre|code)[^>]*>.*?</\1>", "", dom, flags=re.S)
    visible = re.sub(r"<[^>]+>", " ", text)
    return {
        "typeset": len(re.findall(r'class="MathJax(?:_Display)?"', dom)),
        "raw_dollars": visible.count("$"),
        "errors": len(re.findall(r'class="[^"]*(?:MathJax_Error|merror)', text)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=Path, default=ROOT / "build")
    parser.add_argument("--screenshot", type=Path, help="also save a screenshot of the first lesson with formulas")
    args = parser.parse_args(argv)
    pages = sorted((args.build / "html").glob("*.html"))
    if not pages:
        print(f"no pages in {args.build / 'html'}: run `make course` first", file=sys.stderr)
        return 2
    bad = 0
    for page in pages:
        found = summarize(rendered_dom(page))
        verdict = "ok" if found["raw_dollars"] == 0 and found["errors"] == 0 else "UNTYPESET MATH"
        bad += verdict != "ok"
        print(f"{page.name:40s} {found['typeset']:4d} formulas typeset, {found['raw_dollars']} '$' left, "
              f"{found['errors']} errors: {verdict}")
    if args.screenshot:
        with_math = next((p for p in pages if summarize(rendered_dom(p))["typeset"]), pages[0])
        subprocess.run(chromium_command("--window-size=1200,1600", f"--screenshot={args.screenshot.resolve()}",
                                        with_math.resolve().as_uri()), capture_output=True, timeout=180, check=True)
        print(f"screenshot of {with_math.name}: {args.screenshot}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
