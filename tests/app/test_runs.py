"""Runs made once per process (``RunCache``) and results files checked against a request."""

from instructprobe.app.runs import RunCache
from instructprobe.probes.request import RunRequest


class Checkpoint:
    """An encoder object: two checkpoints are two instances of one class."""

    def __init__(self, step: int) -> None:
        self.step = step

    def encode(self, texts):
        return [[float(self.step), float(len(text))] for text in texts]


def test_equal_requests_with_other_retriever_objects_are_other_runs():
    made = []

    def make(request):
        made.append(request)
        return object()

    runs = RunCache(make=make)
    first, second = (RunRequest(retrievers=Checkpoint(step), limit=3) for step in (1, 2))
    assert first == second, "a request records an object by its class and name only"
    one, other = runs.get(first), runs.get(second)
    assert one is not other and [r.retrievers[0].instance.step for r in made] == [1, 2]
    assert runs.get(first) is one and runs.get(RunRequest(retrievers="bm25", limit=3)) is not one
    again = RunRequest(retrievers=first.retrievers[0].instance, limit=3)
    assert runs.get(again) is one, "the same object's run is made once"
    assert len(runs.made) == len(made) == 3
