import os
from pathlib import Path

import pytest

from instructprobe.core.errors import OutputError
from instructprobe.core.files import (
    check_writable,
    folder_problem,
    replace_together,
    save_output,
    staged,
    writable_problem,
    write_atomic,
)
from instructprobe.core.interrupts import INJECT_VARIABLE, Interrupted, stop_on_signals


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize("action", ["SIGINT", "SIGTERM"])
def test_a_signal_during_a_write_keeps_the_previous_file_and_no_temporary(
    tmp_path, monkeypatch, action
):
    target = tmp_path / "results.json"
    target.write_text("previous")
    monkeypatch.setenv(INJECT_VARIABLE, f"write:{action}")
    with pytest.raises(Interrupted), stop_on_signals():
        write_atomic(target, "new " * 100_000)
    assert target.read_text() == "previous"
    assert leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_content_elsewhere_and_says_where(tmp_path, monkeypatch):
    target = tmp_path / "results.json"
    target.write_text("previous")
    monkeypatch.setenv(INJECT_VARIABLE, "write:ENOSPC")
    with pytest.raises(OutputError) as failed:
        save_output(target, "computed", "results")
    message = str(failed.value)
    assert message.startswith(f"cannot write the results to {target} (No space left on device")
    kept = message.rsplit("saved to ", 1)[1].removesuffix(" instead")
    try:
        assert Path(kept).read_text() == "computed"
    finally:
        os.unlink(kept)
    assert target.read_text() == "previous"
    assert leftovers(tmp_path) == []


def test_unwritable_outputs_are_found_before_any_work(tmp_path, read_only):
    assert writable_problem(tmp_path / "out.json") is None
    assert leftovers(tmp_path) == [], "the check leaves nothing behind"
    assert writable_problem(tmp_path) == f"{tmp_path} is a directory; give a file name"
    assert (
        writable_problem(tmp_path / "no" / "out.json")
        == f"directory {tmp_path / 'no'} does not exist"
    )
    assert "cannot write in /proc" in writable_problem("/proc/results.json")
    assert folder_problem(tmp_path / "made" / "database") is None
    locked = read_only(tmp_path)
    assert "cannot write in" in writable_problem(locked / "out.json")
    with pytest.raises(OutputError, match="cannot write in"):
        check_writable(locked / "out.json")
    assert "cannot make folder" in folder_problem(locked / "database")


def test_files_renamed_together_wait_for_another_process_renaming_there(tmp_path):
    """Two runs writing the same results file each rename three files; one waits for the
    other, so the summary and the files it names come from one run."""
    import fcntl
    import threading

    target = tmp_path / "results.json"
    target.write_text("previous")
    temporary = staged(target, "new")
    other = os.open(tmp_path, os.O_RDONLY)  # another process holding the folder's lock
    fcntl.flock(other, fcntl.LOCK_EX)
    renaming = threading.Thread(target=replace_together, args=([(temporary, target)],))
    renaming.start()
    renaming.join(timeout=1)
    waited = renaming.is_alive() and target.read_text() == "previous"
    os.close(other)
    renaming.join()
    assert waited and target.read_text() == "new" and leftovers(tmp_path) == []


@pytest.mark.parametrize("unnamed", [True, False], ids=["unnamed", "named-from-the-start"])
def test_a_streamed_file_has_a_name_only_when_written(tmp_path, monkeypatch, unnamed):
    """Where files can be made without a name, a process killed while it streams one leaves
    nothing behind; elsewhere the temporary has a name from the start."""
    import instructprobe.core.files as files

    if not unnamed:
        monkeypatch.setattr(files, "_unnamed", lambda folder: None)
    target = tmp_path / "run.txt"
    streamed = files.StreamedFile(target)
    streamed.write(["a\n", "b\n"])
    assert len(leftovers(tmp_path)) == (0 if unnamed else 1) and not target.exists()
    replace_together([streamed.written()])
    assert target.read_text() == "a\nb\n" and leftovers(tmp_path) == []
    assert oct(target.stat().st_mode & 0o777) == oct(0o666 & ~files._umask())
    dropped = files.StreamedFile(tmp_path / "other.txt")
    dropped.discard()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.txt"]
