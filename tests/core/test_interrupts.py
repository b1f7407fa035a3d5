import signal
import sys

import pytest

from instructprobe.core.interrupts import (
    INJECT_VARIABLE,
    ONCE_VARIABLE,
    Interrupted,
    checkpoint,
    received,
    signals_deferred,
    stop_on_signals,
)


@pytest.mark.parametrize(("number", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_both_signals_raise_an_interrupt_with_the_shells_exit_status(number, status):
    before = signal.getsignal(number)
    with pytest.raises(Interrupted) as stopped, stop_on_signals():
        signal.raise_signal(number)
        pytest.fail("the signal did not stop the block")
    assert stopped.value.exit_status == status
    assert isinstance(stopped.value, KeyboardInterrupt), "every Ctrl-C cleanup runs for it too"
    assert signal.getsignal(number) is before, "the previous handler is back"
    assert received() is None


def test_a_signal_the_process_ignores_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with stop_on_signals():
            signal.raise_signal(signal.SIGINT)
            checkpoint("plan")
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


class SwallowsInterrupts:
    """A finaliser that is running when the signal arrives: Python prints "Exception ignored"
    and drops the exception, which is how a Ctrl-C used to be lost during plan generation."""

    def __del__(self):
        signal.raise_signal(signal.SIGINT)


def test_a_signal_swallowed_by_a_finaliser_stops_at_the_next_checkpoint(monkeypatch):
    lost = []
    monkeypatch.setattr(sys, "unraisablehook", lambda unraisable: lost.append(unraisable))
    with stop_on_signals():
        swallower = SwallowsInterrupts()
        del swallower  # the handler raises inside __del__, and Python drops the exception
        assert [type(u.exc_value) for u in lost] == [Interrupted]
        assert received() == signal.SIGINT
        with pytest.raises(Interrupted):
            checkpoint("plan")


def test_an_injected_fault_fires_at_its_phase_only(monkeypatch):
    monkeypatch.setenv(INJECT_VARIABLE, "rank:ENOSPC")
    checkpoint("plan")
    with pytest.raises(OSError, match="No space left"):
        checkpoint("rank")
    monkeypatch.setenv(INJECT_VARIABLE, "plan:SIGTERM")
    with pytest.raises(Interrupted) as stopped, stop_on_signals():
        checkpoint("suite")
        checkpoint("plan")
    assert stopped.value.name == "SIGTERM"
    monkeypatch.setenv(INJECT_VARIABLE, "plan:SIGHUP")
    with pytest.raises(ValueError, match="SIGINT, SIGTERM, SIGKILL, ENOSPC"):
        checkpoint("plan")


def test_a_fault_injected_once_fires_in_the_first_process_only(monkeypatch, tmp_path):
    monkeypatch.setenv(INJECT_VARIABLE, "compute:ENOSPC")
    monkeypatch.setenv(ONCE_VARIABLE, str(tmp_path / "fired"))
    with pytest.raises(OSError, match="No space left"):
        checkpoint("compute")
    checkpoint("compute")  # the marker exists: a retried chunk goes through
    assert (tmp_path / "fired").exists()


def test_a_deferred_signal_arrives_when_the_block_ends():
    steps = []
    with pytest.raises(Interrupted), stop_on_signals():
        with signals_deferred():
            signal.raise_signal(signal.SIGTERM)
            steps.append("the block finished")
        steps.append("after the block")
    assert steps == ["the block finished"]
