"""The GPU check: its summary table, and the whole command on whatever machine runs the tests."""

from course import gpu_check
from utils import bench


def _result(kind, length, device, train_s, forward_s=0.01):
    return bench.BenchResult(kind, length, device, forward_s, train_s, batch=2, width=4, ran_on=device)


def test_layer_summary_ratios_and_shares():
    results = [_result("Conv1D", 1024, "GPU", 0.002), _result("LSTM", 1024, "GPU", 0.010),
               _result("Conv1D", 1024, "CPU", 0.010), _result("LSTM", 1024, "CPU", 0.030)]
    table = gpu_check.layer_summary(results, {"CPU": 100.0, "GPU": 1000.0})
    rows = {(row[0], row[1]): row for row in table.rows}
    assert rows["GPU", "1024"][2] == "5.00" and rows["CPU", "1024"][2] == "3.00"
    share = bench.layer_flops("LSTM", 2, 1024, 4) / 0.01 / 1e9 / 1000.0
    assert f"LSTM {share:.0%}" in rows["GPU", "1024"][3]


def test_gpu_check_command_runs_and_writes_a_report(tmp_path, capsys):
    status = gpu_check.main(["--lengths", "8", "16", "--repeats", "1", "--skip-lessons", "--out", str(tmp_path)])
    assert status == 0
    report = (tmp_path / "report.md").read_text()
    assert report.startswith("# GPU check") and "Matmul ceilings (float32): CPU" in report
    assert "CPU -> CPU" in report and "LSTM / Conv1D train step" in report
    assert "interleaved loop" in report and "- CPU: ceiling" in report
    assert (tmp_path / "bench.csv").is_file() and (tmp_path / "bench.png").stat().st_size > 1000
