"""Shared code of the RNN vs CNN course.

Modules (each notebook imports what it needs):

- ``utils.runtime``   setup(seed) for every lesson: seeds, quiet TensorFlow, device report
- ``utils.validate``  argument checks shared by every module (one rule, clear ValueErrors)
- ``utils.data``      shipped real data sets (series, digits, review snippets, a corpus), synthetic
                      sequence tasks, and text's vocabulary, padding and next-token windows
- ``utils.plots``     training curves, image grids, heat maps, comparison charts
- ``utils.exercises`` instant feedback for the exercises
- ``utils.report``    tables, and reports written into the build (lessons 01, 07)
- ``utils.training``  one training harness with progress lines (lesson 01 on); several seeds as
                      branches of one model (``fit_seeds``) and paired verdicts with an equivalence margin (lessons 01, 06, 07, 09)
- ``utils.scratch``   convolution, pooling and SimpleRNN in NumPy (lesson 01)
- ``utils.diagrams``  unrolled RNN and dependency-graph figures (lessons 01, 03)
- ``utils.memory``    receptive fields, influence maps, probes (lesson 02)
- ``utils.bench``     throughput benchmark, interleaved timing, ``python -m utils.bench`` (lesson 03)
- ``utils.gradients`` gradients through time, backend-neutral (lesson 04)
- ``utils.layers``    a truncated-BPTT recurrent cell (lesson 04), minGRU and causal attention (lesson 08)
- ``utils.models``    FCN, recurrent and hybrid classifiers (lesson 07)
- ``utils.scan``      the linear recurrence as a loop and as a parallel prefix scan (lesson 08)
- ``utils.text``      a counting n-gram language model, the tokenizer's tested copy, spelling (lesson 09)

Importing ``utils`` itself is cheap: it does not import Keras or TensorFlow. What builds and
maintains the course (``make course``, ``make sync``, ``make gpu-check``) is the separate package
:mod:`course`; no lesson imports it.
"""
