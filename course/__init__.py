"""The machinery that builds and maintains the course; the lessons never import it.

- ``course.sync``       the syllabus (``LESSONS``), the cells every notebook shares, ``make sync``
- ``course.build``      the course build (``make course``): executes every lesson into ``build/``
- ``course.site``       the offline HTML pages, index and link checks of that build
- ``course.gpu_check``  ``make gpu-check``: benchmark CPU and GPU and run lessons 03 and 05

The lessons' own library is :mod:`utils`.
"""

COURSE_REPOSITORY = "https://github.com/rnn-vs-cnn-course/rnn-vs-cnn"
"""Where the course lives. A fork edits this one line and runs ``make sync``, which
rewrites the Colab bootstrap cell and the Colab badges of every notebook and the README."""

__all__ = ["COURSE_REPOSITORY"]
