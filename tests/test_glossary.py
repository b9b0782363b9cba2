"""course.glossary: the glossary's terms, and each lesson's first bold use of one linked to it."""

from pathlib import Path

from course import glossary

ROOT = Path(__file__).resolve().parents[1]


def test_terms_drop_asides_and_keep_spelled_out_names(tmp_path):
    page = tmp_path / "glossary.md"
    page.write_text("# Glossary\n\n- **Cell state (c)**: the LSTM's second state. [05](05.ipynb)\n"
                    "- **TCN (temporal convolutional network)**: a causal dilated stack. [02](02.ipynb)\n")
    known = glossary.terms(page)
    assert known == {"cell state": "Cell state (c)", "tcn": "TCN (temporal convolutional network)",
                     "temporal convolutional network": "TCN (temporal convolutional network)"}


def test_only_the_first_bold_use_is_linked_and_linking_twice_changes_nothing():
    known = {"gate": "Gate", "receptive field": "Receptive field"}
    first = glossary.link_first_uses(["A **gate** opens. **Exercise 1.** **Gates** again.",
                                      "The **receptive field**, and a **gate**."], known)
    assert first == ["A [**gate**](glossary.md) opens. **Exercise 1.** **Gates** again.",
                     "The [**receptive field**](glossary.md), and a **gate**."]
    assert glossary.link_first_uses(first, known) == first


def test_every_glossary_term_is_matched_in_the_course():
    known = glossary.terms(ROOT / "notebooks" / "glossary.md")
    assert len(set(known.values())) >= 60 and "receptive field" in known
