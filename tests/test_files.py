"""eeforecast.files: bounded reads of regular files, a folder checked before the work, and a set
of files swapped in whole."""

from __future__ import annotations

import os
import socket

import pytest

from eeforecast import files
from eeforecast.errors import EEForecastError, OutputError, ParameterError
from eeforecast.files import check_folder, read_file, replace_files


def test_read_file_reads_a_regular_file(tmp_path):
    path = tmp_path / "feed.json"
    path.write_bytes(b"{}")
    assert read_file(path) == b"{}"


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda p: os.mkfifo(p), "is a FIFO"),
        (lambda p: p.mkdir(), "is a folder"),
        (lambda p: None, "no such schedule file"),
    ],
    ids=["fifo", "folder", "missing"],
)
def test_read_file_refuses_what_is_not_a_regular_file(tmp_path, make, match):
    path = tmp_path / "x"
    make(path)
    with pytest.raises(ParameterError, match=match):  # a FIFO would block a plain read
        read_file(path, noun="schedule", error=ParameterError)


def test_read_file_refuses_devices_sockets_and_large_files(tmp_path):
    with pytest.raises(EEForecastError, match="/dev/zero: is a character device"):
        read_file("/dev/zero")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "sock"))
        with pytest.raises(EEForecastError, match="socket"):
            read_file(tmp_path / "sock")
    finally:
        sock.close()
    big = tmp_path / "big"
    big.write_bytes(b"x" * 101)
    with pytest.raises(EEForecastError, match="101 bytes, more than the 100 bytes"):
        read_file(big, limit=100)


def test_check_folder(tmp_path):
    assert check_folder(tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert not (tmp_path / "new").exists()  # nothing made
    (tmp_path / "afile").write_text("x")
    with pytest.raises(OutputError, match="afile: is a file"):
        check_folder(tmp_path / "afile")
    with pytest.raises(OutputError, match="lies inside the file"):
        check_folder(tmp_path / "afile" / "out")
    with pytest.raises(OutputError, match="cannot write"):
        check_folder("/proc/eeforecast-test")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def test_replace_files_swaps_the_set_and_leaves_other_files(tmp_path):
    (tmp_path / "figures").mkdir()
    (tmp_path / "figures" / "mine.png").write_bytes(b"user's")
    (tmp_path / "page.html").write_text("old")
    written = replace_files(tmp_path, {"page.html": b"new", "figures/a.png": b"A"})
    assert written == [tmp_path / "page.html", tmp_path / "figures" / "a.png"]
    assert (tmp_path / "page.html").read_text() == "new"
    assert (tmp_path / "figures" / "mine.png").read_bytes() == b"user's"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures", "page.html"]


def test_replace_files_puts_the_old_set_back_on_failure(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("old a")
    (tmp_path / "b.txt").write_text("old b")
    real = os.replace
    calls = []

    def fail_on_the_second_new_file(src, dst):
        calls.append(dst)
        if ".eeforecast-new-" in str(src) and str(dst).endswith("b.txt"):
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(files.os, "replace", fail_on_the_second_new_file)
    with pytest.raises(OutputError, match=r"cannot write .*b\.txt: No space left.*as it was"):
        replace_files(tmp_path, {"a.txt": b"new a", "b.txt": b"new b"})
    assert (tmp_path / "a.txt").read_text() == "old a"
    assert (tmp_path / "b.txt").read_text() == "old b"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.txt"]  # no temporary


def test_replace_files_never_moves_a_folder_aside(tmp_path):
    (tmp_path / "a.txt").mkdir()
    (tmp_path / "a.txt" / "inside").write_text("keep")
    with pytest.raises(OutputError, match="a folder is in the way"):
        replace_files(tmp_path, {"a.txt": b"x"})
    assert (tmp_path / "a.txt" / "inside").read_text() == "keep"
