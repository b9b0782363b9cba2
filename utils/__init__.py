"""Shared code of the RNN vs CNN course.

Modules (each notebook imports what it needs):

- ``utils.runtime``   setup(seed) for every lesson: seeds, quiet TensorFlow, device report
- ``utils.data``      shipped real data sets and synthetic sequence tasks
- ``utils.plots``     training curves, image grids, heat maps, comparison charts
- ``utils.exercises`` instant feedback for the exercises
- ``utils.build``     the course build (``make course``): executes notebooks into ``build/``

Importing ``utils`` itself is cheap: it does not import Keras or TensorFlow.
"""

COURSE_REPOSITORY = "https://github.com/rnn-vs-cnn-course/rnn-vs-cnn"
"""Where the course lives. A fork edits this one line and runs ``make sync``, which
rewrites the Colab bootstrap cell and the Colab badges of every notebook and the README."""

__all__ = ["COURSE_REPOSITORY"]
