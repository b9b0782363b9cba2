"""scripts/where_time_goes.py: a lesson's compiled Keras functions timed, first call apart."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from utils.runtime import import_keras

keras = import_keras()
spec = importlib.util.spec_from_file_location("where_time_goes",
                                              Path(__file__).resolve().parents[1] / "scripts" / "where_time_goes.py")
where_time_goes = importlib.util.module_from_spec(spec)
spec.loader.exec_module(where_time_goes)


def test_summary_separates_the_first_calls_excess_from_the_later_calls():
    result = {"seconds": 12.0, "calls": {"train joint 1": [3.0, 1.0, 1.0, 2.0], "predict joint 2": [0.5],
                                         "train other 3": [0.4, 0.1]}}
    text = where_time_goes.summary("02_memory", result, top=2)
    assert text.splitlines()[0] == "02_memory: 12.0 s in all"
    assert "train     2 functions,     6 calls,    7.5 s inside, first calls' excess   2.3 s" in text
    assert "predict   1 functions,     1 calls,    0.5 s inside, first calls' excess   0.5 s" in text
    listed = [line.split()[1] for line in text.splitlines()[3:]]
    assert listed == ["joint", "predict"] or listed == ["joint", "joint"]


def test_a_lesson_runs_in_its_folder_and_its_compiled_calls_are_timed(tmp_path, monkeypatch):
    if keras.backend.backend() != "tensorflow":
        pytest.skip("it times TensorFlow's compiled functions")
    cells = ["import pathlib, keras, numpy as np\nassert pathlib.Path.cwd().name == 'lessons'",
             "model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])\nmodel.compile('sgd', 'mse', steps_per_execution=8)\n"
             "model.fit(np.ones((64, 3)), np.ones(64), batch_size=8, epochs=2, verbose=0)"]
    monkeypatch.chdir(tmp_path)                             # run_lesson moves into the lesson's folder
    lesson = tmp_path / "lessons" / "toy.ipynb"
    lesson.parent.mkdir()
    lesson.write_text(json.dumps({"cells": [{"cell_type": "code", "source": c} for c in cells]}))
    result = where_time_goes.run_lesson(lesson)
    (train_calls,) = [calls for key, calls in result["calls"].items() if key.startswith("train ")]
    assert len(train_calls) == 2 and result["seconds"] >= sum(train_calls) > 0
    assert np.isfinite(result["seconds"])
    from keras.src.backend.tensorflow import trainer
    assert trainer.TensorFlowTrainer.make_train_function.__name__ == "make_train_function"   # put back


def test_anything_but_a_notebook_is_refused(tmp_path, capsys):
    with pytest.raises(SystemExit):
        where_time_goes.main([str(tmp_path / "missing.ipynb")])
    assert "expected a notebook file" in capsys.readouterr().err
