"""Instant feedback for the exercises at the end of each lesson.

Introduced in lesson 00. An exercise cell ends with ``exercises.check("00.1", answer)``:
with ``answer = None`` (not tried yet) it just says so, otherwise it prints whether the
answer is right, with a hint when it is not, and returns whether it was (a :class:`Checked`, which
a notebook does not echo as ``Out: False`` under the verdict).

The text of each exercise lives in one place only: its lesson notebook, as a markdown
cell starting ``**Exercise NN.K.**`` followed by the cell that calls ``check``. This module
holds what the checker needs: how to get the right answer, a hint, and the tolerance.
Expected answers are computed from the course's own code where possible, not typed in,
so they stay right when the code changes. Exercises whose answer is a function (the
learner writes code) carry a ``verify`` function that runs it instead.

A function answer that raises is wrong, and the message shows the error and the learner's line
that raised it (:func:`raised`), then the hint.

How answers are compared: numbers within ``rel_tol``/``abs_tol`` (``True`` and ``False``
are not numbers here); strings ignoring case and surrounding spaces; tuples and lists
entry by entry; anything else (an array against a string answer, say) is simply wrong.
"""

from __future__ import annotations

import linecache
import math
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Exercise:
    """How to check one exercise: the expected answer (or a ``verify`` function) and a hint.

    Exactly one of ``expected`` (a function computing the right answer) and ``verify`` (a
    function that runs the learner's answer, itself a function, and returns True or
    False) is given.
    """

    hint: str
    expected: Callable[[], Any] | None = None
    verify: Callable[[Any], bool] | None = None
    rel_tol: float = 1e-6
    abs_tol: float = 0.0

    def __post_init__(self):
        if (self.expected is None) == (self.verify is None):
            raise ValueError("an Exercise needs exactly one of expected (computes the answer) or verify "
                             "(runs an answer that is a function)")


def _sine_windows(noise_std: float):
    """Lesson 00's forecasting data: 2,000 training and 500 validation windows of 48 steps."""
    from utils import data

    return (*data.noisy_sine(2000, 48, noise_std=noise_std, seed=0), *data.noisy_sine(500, 48, noise_std=noise_std, seed=1))


def _least_squares_ar_mse(noise_std: float) -> float:
    """Validation MSE of the linear AR(48) fitted by least squares on :func:`_sine_windows`."""
    x, y, x_val, y_val = _sine_windows(noise_std)
    weights, *_ = np.linalg.lstsq(np.c_[x[:, :, 0], np.ones(len(x))], y, rcond=None)
    return float(((np.c_[x_val[:, :, 0], np.ones(len(x_val))] @ weights - y_val) ** 2).mean())


def _ar_error_growth_with_tripled_noise() -> float:
    return _least_squares_ar_mse(0.3) / _least_squares_ar_mse(0.1)


def _column_reader_works(build) -> bool:
    """The learner's ``build()``: one SimpleRNN and one Dense softmax reading (8, 8) digits column by column (its
    outputs equal a row reader's with the same weights on transposed digits), then above 0.9 test accuracy
    after 10 epochs."""
    from utils import data
    from utils.runtime import import_keras, seed_everything
    from utils.training import steps_per_execution

    keras = import_keras()
    digits = data.load_digits(seed=0)
    seed_everything(0)
    model = build()
    if not isinstance(model, keras.Model) or tuple(model.output.shape) != (None, 10):
        return False
    recurrent = [layer for layer in model.layers if isinstance(layer, keras.layers.SimpleRNN)]
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    if len(recurrent) != 1 or len(dense) != 1:
        return False
    rows = keras.Input(shape=(8, 8))
    row_rnn, row_dense = keras.layers.SimpleRNN(recurrent[0].units), keras.layers.Dense(10, activation="softmax")
    row_reader = keras.Model(rows, row_dense(row_rnn(rows)))
    row_rnn.set_weights(recurrent[0].get_weights())
    row_dense.set_weights(dense[0].get_weights())
    probe = digits.x_test[:64]
    if not np.allclose(model.predict(probe, verbose=0), row_reader.predict(probe.transpose(0, 2, 1), verbose=0),
                       atol=1e-5):
        return False                                                   # it does not read the columns
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  steps_per_execution=steps_per_execution())
    model.fit(digits.x_train, digits.y_train, epochs=10, batch_size=32, verbose=0)
    accuracy = float((model.predict(digits.x_test, verbose=0).argmax(-1) == digits.y_test).mean())
    print(f"[01.5] test accuracy after 10 epochs: {accuracy:.3f}")
    return accuracy > 0.9


def _linear_forecaster_works(build) -> bool:
    """The learner's ``build(window)``: linear in its input with window + 1 parameters, and after 20 epochs of Adam
    on lesson 00's windows below 0.3 x persistence's validation MSE."""
    from utils.runtime import import_keras, seed_everything
    from utils.training import steps_per_execution

    keras = import_keras()
    x, y, x_val, y_val = _sine_windows(0.1)
    seed_everything(0)
    model = build(48)
    if not isinstance(model, keras.Model) or model.count_params() != 49:
        return False
    probe = x_val[:64]
    at = {scale: model.predict(scale * probe, verbose=0) for scale in (0.0, 1.0, 2.0)}
    if at[1.0].shape != (64, 1) or not np.allclose(at[2.0] - at[0.0], 2 * (at[1.0] - at[0.0]), atol=1e-4):
        return False                                                   # not linear (plus a constant)
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse", steps_per_execution=steps_per_execution())
    model.fit(x, y, epochs=20, batch_size=64, verbose=0)
    mse = float(((model.predict(x_val, verbose=0) - y_val) ** 2).mean())
    persistence = float(((x_val[:, -1, :] - y_val) ** 2).mean())
    print(f"[00.1] validation MSE {mse:.4f}: persistence {persistence:.4f}, least squares {_least_squares_ar_mse(0.1):.4f}")
    return mse < 0.3 * persistence


def _japanese_vowels_lengths() -> tuple[int, int]:
    from utils import data

    ds = data.load_ucr("JapaneseVowels")
    lengths = np.concatenate([ds.lengths_train, ds.lengths_test])
    return int(lengths.min()), int(lengths.max())


def _upside_down_row_reader() -> float:
    """Lesson 01's SimpleRNN row reader on the test digits with their rows reversed: 0.382-0.422 measured on
    TensorFlow (COURSE_SEED 0-4 and 42) and JAX (0 and 42); training one here would take the checker 10 s."""
    return 0.40


def _conv_stack_shape() -> tuple[int, int, int]:
    from utils.runtime import import_keras

    keras = import_keras()
    inputs = keras.Input((28, 28, 1))
    h = keras.layers.Conv2D(8, 3, padding="valid")(inputs)
    h = keras.layers.MaxPooling2D(2)(h)
    h = keras.layers.Conv2D(16, 3, strides=2, padding="same")(h)
    return tuple(int(d) for d in h.shape[1:])


def _layer_params(build) -> Callable[[], int]:
    def count() -> int:
        from utils.runtime import import_keras

        keras = import_keras()
        layer, input_shape = build(keras)
        return keras.Sequential([keras.Input(input_shape), layer]).count_params()

    return count


def _rnn_sequence_shape() -> tuple[int, int]:
    from utils.runtime import import_keras

    keras = import_keras()
    out = keras.layers.SimpleRNN(16, return_sequences=True)(keras.Input((100, 3)))
    return tuple(int(d) for d in out.shape[1:])


def _pooled_stack_field() -> int:
    from utils.memory import receptive_field
    from utils.runtime import import_keras

    layers = import_keras().layers
    return receptive_field([layers.Conv1D(4, 3), layers.MaxPooling1D(2), layers.Conv1D(4, 3),
                            layers.MaxPooling1D(2), layers.Conv1D(4, 3)])


def _doubling_layers_for_field(kernel_size: int, field: int) -> Callable[[], int]:
    """Fewest causal layers with dilations 1, 2, 4, ... whose receptive field reaches ``field``."""
    def count() -> int:
        from utils.memory import conv_stack_field

        return next(n for n in range(1, 20) if conv_stack_field(kernel_size, [2**i for i in range(n)]) >= field)

    return count


def _tcn_field_kernel_2() -> int:
    from utils.memory import conv_stack_field

    return conv_stack_field(2, [1, 2, 4, 8, 16, 32, 64])


def _wrong_readout_accuracy() -> float:
    """Lesson 02's GRU trained at lag 8 reports the token 8 steps back; scored against the token 4 steps back, it
    is right when the two tokens happen to match: 1 in 8."""
    return 1 / 8


def _delayed_recall_accuracy(model, length: int, lag: int, epochs: int) -> tuple[float, int]:
    """Train a token model on lesson 02's delayed recall (4,000 sequences, Adam 1e-2 with clipnorm=1, batch 64, stopping
    at 0.99) and return its validation accuracy on 1,000 more and the epochs it took."""
    from utils import data
    from utils.training import compile_and_fit

    x, y, w = data.delayed_recall(4000, length, lag, seed=0)
    x_val, y_val, w_val = data.delayed_recall(1000, length, lag, seed=1)
    history = compile_and_fit(model, x, y, sample_weight=w, epochs=epochs, learning_rate=1e-2, clipnorm=1.0,
                              batch_size=64, stop_at=0.99, progress_every=0)
    accuracy = float(model.evaluate(x_val, y_val, sample_weight=w_val, batch_size=250, verbose=0)[1])
    return accuracy, len(history.epoch)


def _token_model(body, length: int, vocab: int):
    """Lessons 02 and 03's delayed-recall model around the learner's ``body(h)``: tokens, a 16-number embedding, the
    body, a softmax over the vocabulary at every step; built from seed 0."""
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    seed_everything(0)
    tokens = keras.Input(shape=(length,))
    h = body(keras.layers.Embedding(vocab, 16)(tokens))
    return keras.Model(tokens, keras.layers.Dense(vocab, activation="softmax")(h))


def _recalls_lag_32(body) -> bool:
    """The learner's ``body(h)``: a causal conv stack whose field covers lag 32 (33 to 63 steps: one layer more than
    lesson 02's dilated stack), then above 0.95 validation accuracy at lag 32 after at most 6 epochs."""
    from utils.memory import receptive_field

    length, vocab, lag = 48, 8, 32
    model = _token_model(body, length, vocab)
    field = receptive_field(model)
    if not 33 <= field <= 63:
        print(f"[02.5] the stack sees {field} steps; recalling lag 32 needs 33, one more layer gives 63")
        return False
    accuracy, epochs = _delayed_recall_accuracy(model, length, lag, epochs=6)
    print(f"[02.5] field {field}: lag-32 validation accuracy {accuracy:.3f} after {epochs} epochs")
    return accuracy > 0.95


def _outputs_moved_by_step_10_of_16() -> int:
    """Lesson 08's causal attention over 16 steps: changing step 10 moves outputs 10..15 and no earlier one."""
    return 16 - 10


def _window_reference(length: int, window: int) -> np.ndarray:
    steps_back = np.arange(length)[:, None] - np.arange(length)[None, :]       # t - s
    return (steps_back >= 0) & (steps_back < window)


def _window_attention_works(window_mask) -> bool:
    """The learner's ``window_mask(length, window)``: (t, s) True where s is one of the ``window`` steps up to t, on
    hand-worked cases; then a 2-head attention model with the window-8 mask learns lesson 02's delayed recall at lag 4
    over 32 steps (above 0.95 validation accuracy)."""
    from utils.layers import PositionEmbedding
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    length, vocab, lag, window = 32, 8, 4, 8
    for case in [(5, 1), (6, 3), (10, 4), (length, window), (12, 20)]:
        mask = np.asarray(window_mask(*case))
        if mask.shape != (case[0], case[0]) or not np.array_equal(mask.astype(bool), _window_reference(*case)):
            print(f"[08.5] window_mask{case} is not the expected ({case[0]}, {case[0]}) mask")
            return False
    seed_everything(0)
    tokens = keras.Input(shape=(length,))
    h = PositionEmbedding()(keras.layers.Dense(32)(keras.layers.Embedding(vocab, 16)(tokens)))
    mask = np.asarray(window_mask(length, window)).astype(bool)[None]          # (1, query step, key step)
    h = h + keras.layers.MultiHeadAttention(2, 16)(h, h, attention_mask=mask)
    h = keras.layers.Dense(32, activation="relu")(h)
    model = keras.Model(tokens, keras.layers.Dense(vocab, activation="softmax")(h))
    accuracy, epochs = _delayed_recall_accuracy(model, length, lag, epochs=4)
    print(f"[08.5] attention with a window of {window}: lag-{lag} recall {accuracy:.3f} after {epochs} epochs")
    return accuracy > 0.95


def _long_adder_works(build) -> bool:
    """The learner's ``build(length)``: one recurrent layer of 32 units, no convolution or pooling, one output; trained
    as lesson 04's section 4 trains (Adam 1e-2, clipnorm=1, batch 64, 5,000 sequences, here at T = 50) for up to 4 epochs,
    stopping once validation MSE is below 0.05, which it must reach (predicting 1 scores 1/6)."""
    from utils import data
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    length = 50
    x, y = data.adding_problem(5000, length, seed=0)
    x_val, y_val = data.adding_problem(1000, length, seed=1)
    seed_everything(0)
    model = build(length)
    if not isinstance(model, keras.Model) or tuple(model.output.shape) != (None, 1):
        print("[04.6] long_adder(length) should return a Keras model with one output")
        return False
    kinds = [type(layer).__name__ for layer in model.layers]
    recurrent = [layer for layer in model.layers if isinstance(layer, keras.layers.RNN)]
    if len(recurrent) != 1 or recurrent[0].cell.units != 32 or any("Conv" in k or "Pool" in k for k in kinds):
        print(f"[04.6] expected one recurrent layer of 32 units and no convolution or pooling; got {', '.join(kinds)}")
        return False
    model.compile(optimizer=keras.optimizers.Adam(1e-2, clipnorm=1.0), loss="mse")
    mse, epochs = float("inf"), 0
    while mse >= 0.05 and epochs < 4:
        model.fit(x, y, batch_size=64, epochs=1, verbose=0)
        mse, epochs = float(model.evaluate(x_val, y_val, batch_size=500, verbose=0)), epochs + 1
    print(f"[04.6] {recurrent[0].cell.__class__.__name__}: validation MSE {mse:.4f} after {epochs} epochs at T = {length}")
    return mse < 0.05


def _saturated_slope_at_gain_08() -> float:
    """Lesson 04, section 2's measurement at gain 0.8 with inputs drawn from N(0, 2^2): tanh saturates, so the
    log-gradient falls faster per step than ln 0.8."""
    from utils import gradients
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    seed_everything(0)
    series = keras.Input(shape=(100, 1))
    layer = keras.layers.SimpleRNN(64)
    model = keras.Model(series, layer(series))
    kernel, _, bias = layer.get_weights()
    layer.set_weights([kernel, gradients.scaled_orthogonal(64, 0.8, seed=0), bias])
    x = np.random.default_rng(0).normal(0, 2.0, size=(64, 100, 1)).astype("float32")
    return gradients.decay_rate(gradients.input_gradient_norms(model, x), start=5, stop=60)


def _strided_gru_critical_path() -> int:
    from utils.bench import critical_path_length
    from utils.runtime import import_keras

    keras = import_keras()
    series = keras.Input((1024, 8))
    h = keras.layers.Conv1D(8, 3, strides=2, padding="same")(series)
    h = keras.layers.Conv1D(8, 3, strides=2, padding="same")(h)
    return critical_path_length(keras.Model(series, keras.layers.Dense(1)(keras.layers.GRU(8)(h))))


def _pooled_gru_stack_path() -> int:
    """GRU (all steps) -> MaxPooling1D(4) -> GRU -> Dense at T = 1024: the second GRU always waits for its inputs,
    never for itself, so it adds one step: 1024 + 1 + 1 + 1."""
    from utils.bench import critical_path_length
    from utils.runtime import import_keras

    keras = import_keras()
    series = keras.Input((1024, 8))
    h = keras.layers.MaxPooling1D(4)(keras.layers.GRU(8, return_sequences=True)(series))
    return critical_path_length(keras.Model(series, keras.layers.Dense(1)(keras.layers.GRU(8)(h))))


def _parallel_recall_works(body) -> bool:
    """The learner's ``body(h)`` for lesson 03's delayed recall at lag 8 over 64 steps: the whole model (embedding,
    body, softmax readout) needs at most 4 sequential steps, and it reaches above 0.95 validation accuracy after at
    most 4 epochs."""
    from utils.bench import critical_path_length

    length, vocab, lag = 64, 8, 8
    model = _token_model(body, length, vocab)
    path = critical_path_length(model)
    if path > 4:
        print(f"[03.5] the model needs {path} sequential steps; the budget is 4 (embedding and readout take 2)")
        return False
    accuracy, epochs = _delayed_recall_accuracy(model, length, lag, epochs=4)
    print(f"[03.5] critical path {path}: lag-{lag} validation accuracy {accuracy:.3f} after {epochs} epochs")
    return accuracy > 0.95


def _vowel_reader_works(build) -> bool:
    """The learner's ``build()``: a model for (None, 12) zero-padded JapaneseVowels utterances with a Bidirectional
    layer that skips the padding (one utterance alone and padded to 29 frames give the same output) and, after 15
    epochs on the 270 training utterances (Adam 1e-2, batch 32), is above 0.9 test accuracy."""
    from utils import data, models
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    vowels = data.load_ucr("JapaneseVowels")
    x_train, x_test = models.standardize(vowels.x_train, vowels.x_test, vowels.lengths_train, vowels.lengths_test)
    seed_everything(0)
    model = build()
    if not isinstance(model, keras.Model) or tuple(model.output.shape) != (None, 9):
        print("[05.2] build() should return a Keras model with a 9-way output")
        return False
    if not any(isinstance(layer, keras.layers.Bidirectional) for layer in model.layers):
        print("[05.2] the model should read in both directions (keras.layers.Bidirectional)")
        return False
    short = int(np.argmin(vowels.lengths_test))
    alone = model.predict(x_test[short:short + 1, :vowels.lengths_test[short]], verbose=0)
    padded = model.predict(x_test[short:short + 1], verbose=0)
    if np.abs(alone - padded).max() > 1e-4:
        print(f"[05.2] padding changes the output by {np.abs(alone - padded).max():.1e}: it is not skipped")
        return False
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(x_train, vowels.y_train, epochs=15, batch_size=32, verbose=0)
    accuracy = float((model.predict(x_test, batch_size=370, verbose=0).argmax(-1) == vowels.y_test).mean())
    print(f"[05.2] padding skipped; test accuracy {accuracy:.3f} after 15 epochs")
    return accuracy > 0.9


def _combine_works(function) -> bool:
    """Run the learner's combine inside ``scan.linear_recurrence_parallel``; compare with the loop h = a h + b."""
    from utils import scan  # imports Keras, which only this checker needs

    rng = np.random.default_rng(3)
    for steps in (1, 5, 16, 23):
        a = rng.uniform(0, 1, (1, steps, 3)).astype("float32")
        b = rng.normal(size=(1, steps, 3)).astype("float32")
        expected = scan.keras.ops.convert_to_numpy(scan.linear_recurrence_sequential(a, b))
        states = scan.keras.ops.convert_to_numpy(scan.linear_recurrence_parallel(a, b, combine=function))
        if states.shape != expected.shape or not np.allclose(states, expected, atol=1e-5):
            return False
    return True


def _bag_of_embeddings_works(build) -> bool:
    """The learner's ``build(vocab_size, length)``: order-free (a word shuffle leaves its output unchanged),
    then above 0.70 test accuracy on the movie snippets after 2 epochs."""
    from utils import data, text
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    snippets = data.load_movie_snippets()
    vocabulary = data.Vocabulary((w for t in snippets.texts_train for w in text.words(t)), max_size=8000)

    def encode(texts):
        return data.pad_sequences([vocabulary.encode(text.words(t)) for t in texts], 40)

    x_train, x_test = encode(snippets.texts_train), encode(snippets.texts_test)
    seed_everything(0)
    model = build(len(vocabulary), 40)
    if not isinstance(model, keras.Model):
        return False
    probe = x_test[:256]
    shuffled = probe.copy()
    rng = np.random.default_rng(0)
    for row in shuffled:
        n = int((row > 0).sum())
        row[:n] = rng.permutation(row[:n])
    if not np.allclose(model.predict(probe, verbose=0), model.predict(shuffled, verbose=0), atol=1e-5):
        return False
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(x_train, snippets.y_train, epochs=2, batch_size=64, verbose=0)
    accuracy = float((model.predict(x_test, verbose=0).argmax(-1) == snippets.y_test).mean())
    print(f"[09.1] test accuracy after 2 epochs: {accuracy:.3f}")
    return accuracy > 0.70


def _shift_tolerant_cnn_works(build) -> bool:
    """The learner's ``build()``: a (28, 28) -> 10-class model that, after one epoch on 6,000 Fashion-MNIST images,
    is above 0.6 test accuracy and keeps at least 0.6 of it on test images moved 4 pixels (lesson 06 section 2's
    bar; measured: global pooling keeps 0.76 on TensorFlow and 0.69 on JAX, the flattening CNN 0.51 and 0.48)."""
    from utils import data
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    fashion = data.load_fashion_mnist(600, seed=0)
    probe, labels = fashion.x_test[:1000], fashion.y_test[:1000]
    seed_everything(0)
    model = build()
    if not isinstance(model, keras.Model) or tuple(model.output.shape) != (None, 10):
        return False
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    model.fit(fashion.x_train, fashion.y_train, epochs=1, batch_size=64, verbose=0)
    centred, moved = (float((model.predict(x, batch_size=500, verbose=0).argmax(-1) == labels).mean())
                      for x in (probe, data.shift_images(probe, 4, seed=0)))
    print(f"[06.1] test accuracy {centred:.3f} centred, {moved:.3f} moved 4 pixels (keeps {moved / centred:.2f})")
    return centred > 0.6 and moved >= 0.6 * centred


def _small_fcn_works(build) -> bool:
    """The learner's ``build(shape, num_classes)``: a series classifier under 5,000 parameters that, trained on
    GunPoint for 256 updates (batches of 16, Adam with a cosine decay from 1e-2), scores above 0.85 on its test set
    (lesson 07's 07.4; measured: a three-block FCN with 16, 32 and 16 filters, 4,578 parameters, 0.93-1.00 over
    seeds 0-3; at 1e-3 the same model reached 0.79-0.93)."""
    from utils import data, models
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    gunpoint = data.load_ucr("GunPoint")
    x_train, x_test = models.standardize(gunpoint.x_train, gunpoint.x_test)
    stream = np.resize(np.arange(len(x_train)), 256 * 16)
    seed_everything(0)
    model = build(x_train.shape[1:], 2)
    if not isinstance(model, keras.Model) or tuple(model.output.shape) != (None, 2):
        return False
    parameters = model.count_params()
    if parameters >= 5000:
        print(f"[07.4] {parameters:,} parameters: the exercise asks for fewer than 5,000")
        return False
    model.compile(optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-2, 256)),
                  loss="sparse_categorical_crossentropy")
    model.fit(x_train[stream], gunpoint.y_train[stream], epochs=1, batch_size=16, verbose=0)
    accuracy = float((model.predict(x_test, batch_size=150, verbose=0).argmax(-1) == gunpoint.y_test).mean())
    print(f"[07.4] {parameters:,} parameters, GunPoint test accuracy after 256 updates: {accuracy:.3f}")
    return accuracy > 0.85


def _electricity_windows(split: str):
    """Lesson 11's windows: one day read, the next day forecast, standardised with the training weeks."""
    from utils import data

    train = data.load_electricity("train")
    mean, scale = float(train.mean()), float(train.std())
    x, y = data.forecast_windows((data.load_electricity(split) - mean) / scale, data.ELECTRICITY_STEPS_PER_DAY,
                                 data.ELECTRICITY_STEPS_PER_DAY)
    return x, y, scale


def _yesterday_plus_correction_works(build) -> bool:
    """The learner's ``build()``: a (48, 1) -> 48 model that, with every weight at zero, forecasts exactly the values it
    reads (same time yesterday), and after 10 epochs (Adam, cosine from 0.1) errs at least 5% less than same time yesterday on lesson
    11's validation weeks."""
    from utils.runtime import import_keras, seed_everything
    from utils.training import steps_per_execution

    keras = import_keras()
    x, y, scale = _electricity_windows("train")
    x_val, y_val, _ = _electricity_windows("validation")
    seed_everything(0)
    model = build()
    if not isinstance(model, keras.Model) or tuple(model.output.shape) != (None, y.shape[1]):
        return False
    start = model.get_weights()
    model.set_weights([np.zeros_like(w) for w in start])
    if not np.allclose(model.predict(x_val[:64], verbose=0), x_val[:64, :, 0], atol=1e-5):
        return False                                        # at zero weights it is not same time yesterday
    model.set_weights(start)
    decay = keras.optimizers.schedules.CosineDecay(0.1, 10 * -(-len(x) // 64))     # lesson 11's schedule
    model.compile(optimizer=keras.optimizers.Adam(decay), loss="mse", steps_per_execution=steps_per_execution())
    model.fit(x, y, epochs=10, batch_size=64, verbose=0)
    mae = float(np.abs(model.predict(x_val, batch_size=512, verbose=0) - y_val).mean()) * scale
    yesterday = float(np.abs(x_val[:, :, 0] - y_val).mean()) * scale
    print(f"[11.1] validation MAE {mae:.0f} MW, same time yesterday {yesterday:.0f} MW ({mae / yesterday:.2f} of it)")
    return mae < 0.95 * yesterday


def _horizons_without_yesterday(dilations=(1, 2, 4, 8)) -> int:
    """How many of a day's 48 horizons a causal kernel-3 stack with ``dilations`` cannot see yesterday's value for."""
    from utils.data import ELECTRICITY_STEPS_PER_DAY as day

    field = 1 + 2 * sum(dilations)
    return sum(day - h > field - 1 for h in range(1, day + 1))


def _data_parallel_training_works(train) -> bool:
    """The learner's ``train(build, start, x, y, replicas, global_batch)`` on an LSTM, on 2 and on every device
    there is (up to 4): the model it returns must have been built on that many devices, and its weights must
    match one device's at the same global batch."""
    from utils import data, distribute
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    x, y = data.adding_problem(256, 10, seed=0)

    def lstm():
        inputs = keras.Input(shape=(10, 2))
        return keras.Model(inputs, keras.layers.Dense(1)(keras.layers.LSTM(8)(inputs)))

    seed_everything(0)
    start = lstm().get_weights()
    with distribute.data_parallel(1):                # the reference on the same kind of device
        reference = lstm()
        reference.set_weights(start)
        reference.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
        reference.fit(x, y, batch_size=32, epochs=1, shuffle=False, verbose=0)
    for replicas in sorted({min(2, len(distribute.devices())), min(4, len(distribute.devices()))}):
        model = train(lstm, start, x, y, replicas, 32)
        if not isinstance(model, keras.Model) or distribute.replica_count(model) != replicas:
            print(f"[10.1] the function should return the trained model, built on {replicas} devices")
            return False
        difference = max(float(np.abs(a - b).max()) for a, b in zip(model.get_weights(), reference.get_weights()))
        print(f"[10.1] {replicas} devices vs 1, global batch 32: largest weight difference {difference:.1e}")
        if not difference < 1e-5:
            return False
    return True


def _two_sided_halo_works(halo_for) -> bool:
    """The learner's ``halo_for(kernel_size, dilations)`` for ``padding="same"`` stacks: each chunk given that many
    steps on each side splits them exactly, one fewer does not."""
    from utils import distribute
    from utils.runtime import import_keras, seed_everything

    keras = import_keras()
    for kernel_size, dilations in ((3, (1, 2, 4)), (5, (1, 1)), (3, (1,)), (5, (1, 3))):
        seed_everything(0)
        inputs = keras.Input(shape=(None, 3))
        h = inputs
        for dilation in dilations:
            h = keras.layers.Conv1D(3, kernel_size, dilation_rate=dilation, padding="same", activation="tanh")(h)
        stack = keras.Model(inputs, h)
        x = np.random.default_rng(0).normal(size=(2, 128, 3)).astype("float32")
        whole = keras.ops.convert_to_numpy(stack(x))
        halo = int(halo_for(kernel_size, list(dilations)))
        for tried, should_match in ((halo, True), (halo - 1, False)):
            if not 0 <= tried <= 32:
                if should_match:
                    return False
                continue
            pieces = distribute.split_with_halo(x, 4, tried, after=tried)
            joined = distribute.join_without_halo([keras.ops.convert_to_numpy(stack(p)) for p in pieces], tried,
                                                  after=tried)
            if bool(np.abs(joined - whole).max() < 1e-5) != should_match:
                return False
    return True


def _cnn_predictions_moved_by_character_10() -> int:
    """Lesson 09's character CNN (kernel 3, dilations 1, 2, 4, 8) over 64 characters: prediction t reads
    characters t - 30 .. t, so changing character 10 moves predictions 10 .. 40."""
    from utils.memory import conv_stack_field

    field = conv_stack_field(3, [1, 2, 4, 8])
    return min(10 + field - 1, 63) - 10 + 1


def _pipeline_idle_4_by_4() -> float:
    from utils.distribute import pipeline_bubble

    return pipeline_bubble(4, 4)


def _runs_like(reference, cases):
    """A verify function: the learner's function must match ``reference`` on every argument tuple in ``cases``."""
    def verify(function) -> bool:
        return all(np.allclose(np.asarray(function(*args), dtype=float), np.asarray(reference(*args), dtype=float))
                   for args in cases)
    return verify


def _clip_cases():
    rng = np.random.default_rng(2)
    return [(rng.normal(size=6) * scale, limit) for scale, limit in ((0.01, 1.0), (100.0, 1.0), (3.0, 5.0), (50.0, 0.5))]


def _frequency_guess_reference(y_train, y_test) -> float:
    """Expected accuracy of guessing each class with its share of y_train: sum of train share x test share."""
    classes = int(max(np.max(y_train), np.max(y_test))) + 1
    return float(np.bincount(y_train, minlength=classes) @ np.bincount(y_test, minlength=classes)
                 / (len(y_train) * len(y_test)))


def _label_cases():
    rng = np.random.default_rng(3)
    return [(rng.integers(0, k, size=n), rng.integers(0, k, size=m)) for k, n, m in ((2, 20, 30), (5, 50, 17), (9, 7, 40))]


def _stacked_path_cases():
    return [(steps, layers) for steps in (1, 5, 64) for layers in (1, 2, 3)]


def _stacked_path_reference(steps, layers):
    from utils import bench
    from utils.runtime import import_keras

    keras = import_keras()
    keras_input = keras.Input(shape=(steps, 2))
    h = keras_input
    for layer in range(layers):
        if layer:                                           # a causal Conv1D(kernel 3) between each pair
            h = keras.layers.Conv1D(2, 3, padding="causal")(h)
        h = keras.layers.SimpleRNN(2, return_sequences=True)(h)
    return bench.critical_path_length(keras.Model(keras_input, h))


EXERCISES: dict[str, Exercise] = {
    "00.1": Exercise("A linear AR is a weighted sum of the window plus a constant. Which Keras layer computes exactly "
                     "that, and what shape must the window have before it?", verify=_linear_forecaster_works),
    "00.2": Exercise("Concatenate ds.lengths_train and ds.lengths_test, then take min and max; "
                     "answer (shortest, longest).", _japanese_vowels_lengths),
    "00.3": Exercise("With clean inputs the AR's error is about 0, so all of it is noise passed through its weights. "
                     "How does that grow when the noise's spread triples, and why a little less once the AR is refitted?",
                     _ar_error_growth_with_tripled_noise, rel_tol=0.3),
    "01.1": Exercise("One layer at a time: what does a 3x3 kernel without padding trim, what does pooling by 2 do to an "
                     "even size, and stride 2 with 'same' padding to an odd one? The last layer sets the channels.",
                     _conv_stack_shape),
    "01.2": Exercise("Count the weights that read the input, those that read the previous state, and the biases.",
                     _layer_params(lambda keras: (keras.layers.SimpleRNN(32), (None, 10)))),
    "01.3": Exercise("What does one filter look at, and what does it add at the end? Then count the filters.",
                     _layer_params(lambda keras: (keras.layers.Conv1D(64, 5), (None, 12)))),
    "01.4": Exercise("return_sequences=True keeps one state per time step.", _rnn_sequence_shape),
    "02.1": Exercise("Section 2's formula holds for any kernel size: put in k = 2 and every dilation.", _tcn_field_kernel_2),
    "02.2": Exercise("Walk up from the input: after a stride, neighbouring positions of the next layer lie further apart "
                     "in input steps. How far back does each layer's window stretch, in input steps?",
                     _pooled_stack_field),
    "02.3": Exercise("Seeing 100 steps back means a field of at least 101; work out the field of 5, 6 and 7 layers.",
                     _doubling_layers_for_field(3, 101)),
    "02.4": Exercise("The readout was trained to report one token only. Which one, and how often does it equal the "
                     "token 4 steps back?", _wrong_readout_accuracy, abs_tol=0.05),
    "03.1": Exercise("Each non-recurrent layer is one step; the GRU needs one step per position it receives.",
                     _strided_gru_critical_path),
    "03.2": Exercise("Draw the wavefront: the second GRU's step j needs pooled step j, which needs the first GRU's "
                     "step 4j + 3. Does the second GRU ever wait for its own previous step?", _pooled_gru_stack_path),
    "03.3": Exercise("Section 3 lists what the fused kernel requires. Which of the four arguments is not on that list?",
                     lambda: "dropout"),
    "04.1": Exercise("Solve 0.5**k < 1e-6 for the smallest whole k (take logarithms).",
                     lambda: math.ceil(math.log(1e-6) / math.log(0.5))),
    "04.2": Exercise("Section 2's slope equals ln(gain) only while tanh' is near 1. What is tanh' for inputs of size 2?",
                     _saturated_slope_at_gain_08, rel_tol=0.02, abs_tol=0.06),
    "04.3": Exercise("Write the error in terms of the first value only. What is the mean square of a variable minus its "
                     "mean?",
                     lambda: 1 / 12, rel_tol=0.02),
    "04.4": Exercise("clipnorm looks at each weight tensor's gradient on its own: what does it do to one longer than the "
                     "limit, and to its direction?",
                     lambda: 1.0),
    "01.6": Exercise("It still sees every pixel, in an order it never trained on. Which digits look alike upside "
                     "down? Is the result nearer chance (0.1) or the upright accuracy?", _upside_down_row_reader,
                     abs_tol=0.1),
    "01.5": Exercise("A recurrent layer steps along the first axis after the batch; a layer that swaps the two image "
                     "axes before it changes what a step is.", verify=_column_reader_works),
    "02.5": Exercise("Keep the pattern of the dilations going for one more layer; keep padding='causal'.",
                     verify=_recalls_lag_32),
    "03.5": Exercise("With two layers for the budget, each must reach further back than section 5's: a wider "
                     "kernel, or a dilation (lesson 02). Lag 8 needs a receptive field of 9; keep padding='causal'.",
                     verify=_parallel_recall_works),
    "03.4": Exercise("Draw the wavefront with the convs in it: when can the conv's step t run, and when, after that, "
                     "the next recurrent layer's step t?",
                     verify=_runs_like(_stacked_path_reference, _stacked_path_cases())),
    "04.6": Exercise("What lets the state, and with it the gradient, pass from step to step without shrinking?",
                     verify=_long_adder_works),
    "04.5": Exercise("Compute the norm with np.linalg.norm; rescale only when it is above max_norm.",
                     verify=_runs_like(lambda g, m: g * min(1.0, m / np.linalg.norm(g)), _clip_cases())),
    "07.3": Exercise("The guess and the test label are drawn independently. For one class, how likely are both to be "
                     "it? Then add up over the classes.", verify=_runs_like(_frequency_guess_reference, _label_cases())),
    "05.1": Exercise("Write f = sigma(log u) as a fraction in u; then 1 / (1 - f) is short. Where does the median of "
                     "u lie?", lambda: 51.0, abs_tol=10.0),
    "05.2": Exercise("Section 7 shows a layer that hides all-zero steps from the layers after it, and a wrapper that "
                     "runs a recurrent layer both ways. In which order must they come?", verify=_vowel_reader_works),
    "08.1": Exercise("Apply earlier, then later, to the same h, and write the result as (a number) x h + (a number).",
                     verify=_combine_works),
    "08.2": Exercise("Level k lets each position combine with the one 2**k steps back. After how many levels has the last "
                     "step heard from the first?", lambda: 12),
    "08.3": Exercise("Count the attention weights: one for every pair of query step and key step, in every head of every "
                     "sequence of the batch; float32 takes 4 bytes each.", lambda: 8 * 2 * 2048 * 2048 * 4 / 1e6,
                     rel_tol=1e-3),
    "08.4": Exercise("Which outputs may read step 10, and which may not? Nothing before step 10 can see it.",
                     _outputs_moved_by_step_10_of_16),
    "08.5": Exercise("Start from causal_mask: which of the steps it allows lie too far back? np.arange(length)[:, None] "
                     "against np.arange(length)[None, :] gives every (t, s) pair at once.", verify=_window_attention_works),
    "09.1": Exercise("Which Keras pooling layer averages over the time axis, and does it skip the steps the "
                     "embedding's mask marks as padding? Nothing in the model may depend on a token's position.", verify=_bag_of_embeddings_works),
    "09.2": Exercise("Prediction t may read only characters up to t (causal), and only as far back as the field "
                     "of section 4 reaches. Which predictions read character 10?",
                     _cnn_predictions_moved_by_character_10),
    "06.1": Exercise("Keep the convolutions; what decides is how the map becomes a vector. A dense layer on the "
                     "flattened map gives every position its own weight.", verify=_shift_tolerant_cnn_works),
    "10.1": Exercise("Section 2's train shows where the engine's scope goes and what must happen inside it. Is fit's "
                     "batch_size one device's share of the step, or the whole step's batch?",
                     verify=_data_parallel_training_works),
    "10.3": Exercise("Draw the schedule for 4 micro-batches: every stage idles while the pipeline fills and while "
                     "it drains. Count the idle slots against all of them.",
                     _pipeline_idle_4_by_4, abs_tol=0.02),
    "10.2": Exercise("With padding='same' a kernel is centred on its step: how many steps does one layer read on each "
                     "side? Layers stack as in a causal stack.", verify=_two_sided_halo_works),
    "11.1": Exercise("keras.layers.Add() adds two tensors of the same shape; Flatten turns the (48, 1) window into its "
                     "48 values. What does a Dense layer output when its kernel and bias are zero?",
                     verify=_yesterday_plus_correction_works),
    "11.2": Exercise("Forty-eight half hours ahead is the same half hour as the last value read, one day later. Which "
                     "value does each forecast give for it?", lambda: 1.0, abs_tol=0.02),
    "11.3": Exercise("The target h steps ahead was seen DAY - h steps before the window's end; the last step sees "
                     "field - 1 steps back. Count the h for which DAY - h is larger.", _horizons_without_yesterday),
    "06.2": Exercise("A blank image carries no information. How many different answers can a model give to 1,000 "
                     "copies of it, and how often is that answer the right label?", lambda: 0.1, abs_tol=0.03),
    "07.4": Exercise("Keep the FCN's recipe (Conv1D, BatchNorm, ReLU, global average pooling) with far fewer filters: "
                     "global pooling leaves one number per filter, however long the series.", verify=_small_fcn_works),
    "07.1": Exercise("A bounded but long per-step context that should parallelise over time: think receptive fields.",
                     lambda: "TCN"),
    "07.2": Exercise("A masked step leaves the GRU's state as it was. What is the state when the first real frame "
                     "arrives, with the padding at the end and with it in front?", lambda: 0.0, abs_tol=1e-3),
}


def _is_number(value) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, float, np.integer, np.floating)):
        return True
    return isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind in "iuf"


def _matches(answer: Any, expected: Any, rel_tol: float, abs_tol: float) -> bool:
    if isinstance(expected, str):
        return isinstance(answer, str) and answer.strip().casefold() == expected.strip().casefold()
    if isinstance(expected, (tuple, list)):
        if isinstance(answer, np.ndarray):
            answer = answer.tolist()
        return (
            isinstance(answer, (tuple, list))
            and len(answer) == len(expected)
            and all(_matches(a, e, rel_tol, abs_tol) for a, e in zip(answer, expected))
        )
    if _is_number(expected):
        return _is_number(answer) and math.isclose(float(answer), float(expected), rel_tol=rel_tol, abs_tol=abs_tol)
    raise TypeError(f"cannot compare against an expected answer of type {type(expected).__name__}")


def raised(error: BaseException) -> str:
    """Says what ``error`` was and, when the learner's own code raised it, on which of their lines.

    The learner's line is the last frame of the traceback outside ``utils/`` and the installed
    packages: a notebook cell, or the learner's own module.
    """
    library = (str(Path(__file__).resolve().parent), sys.prefix, sys.base_prefix, sys.exec_prefix)
    frames = [frame for frame in traceback.extract_tb(error.__traceback__)
              if not frame.filename.startswith(library) and not frame.filename.startswith("<frozen")]
    what = f"{type(error).__name__}: {error}".strip().rstrip(":")
    if not frames:
        return f"could not be checked: it gave something that raised {what}"
    line = (frames[-1].line or linecache.getline(frames[-1].filename, frames[-1].lineno)).strip()
    return f"raised {what}, at your line `{line}`" if line else f"raised {what}"


class Checked(int):
    """The result of :func:`check`: true or false like a bool, but silent as a cell's last value.

    Jupyter would echo a plain ``False`` under the verdict the checker already printed; an object
    with ``_ipython_display_`` is shown by that method, which shows nothing.
    """

    def __new__(cls, right: bool):
        return super().__new__(cls, bool(right))

    def __repr__(self) -> str:
        return repr(bool(self))

    def _ipython_display_(self) -> None:
        return None


def check(exercise_id: str, answer: Any, then: str | None = None) -> Checked:
    """Check ``answer`` for exercise ``exercise_id`` and print a one-line verdict.

    ``then`` is what a "predict, then run" cell measured: it is printed only after the verdict on a
    guess, so the answer is not on the page before the learner has guessed. Returns a
    :class:`Checked`, true when the answer is right, which Jupyter does not echo under the verdict.
    """
    if not isinstance(exercise_id, str) or exercise_id not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise_id!r}; expected one of {', '.join(EXERCISES)}")
    if then is not None and not isinstance(then, str):
        raise ValueError(f"then must be the text of the measurement (a str), got {type(then).__name__}")
    if answer is None:
        print(f"[{exercise_id}] not answered yet: replace None with your answer and run the cell again."
              + (" The measurement is shown once you have guessed." if then else ""))
        return Checked(False)
    checked = _verdict(exercise_id, EXERCISES[exercise_id], answer)
    if then:
        print(f"measured: {then}")
    return checked


def _verdict(exercise_id: str, exercise: Exercise, answer: Any) -> Checked:
    """Print whether ``answer`` is right (with the hint if not, and the error if it raised)."""
    if exercise.verify is not None:
        shown = getattr(answer, "__name__", repr(answer))
        try:
            right = callable(answer) and exercise.verify(answer)
        except Exception as error:  # the learner's code raised: show what and where, then the hint
            print(f"[{exercise_id}] not quite: {shown} {raised(error)}. Hint: {exercise.hint}")
            return Checked(False)
    else:
        right = _matches(answer, exercise.expected(), exercise.rel_tol, exercise.abs_tol)
        shown = repr(answer)
    if right:
        print(f"[{exercise_id}] correct: {shown}")
        return Checked(True)
    print(f"[{exercise_id}] not quite: {shown}. Hint: {exercise.hint}")
    return Checked(False)
