"""A run request: every setting of a probe run, each with its default and its check, here only.

``RunRequest`` is what ``probe run``, ``probe gate``, the pytest plugin and the Python API
execute. Each front end names the settings its own way (``--follow-margin``, ``follow_margin``
in a gates file's ``[run]`` table, the ini option ``probe_follow_margin``, the keyword argument
``follow_margin``) and hands the values, as text or typed, to ``RunRequest.create``; every
conversion, default and check is in ``SETTINGS`` below. A results file records the request, so
"was this file made by this request" is equality: settings that change no number (the cache,
the device, the batch size, the executor) take no part in it.

Only the standard library is imported here, so the command line can build its flags at once.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from instructprobe.core.enums import ValueEnum
from instructprobe.core.errors import RequestError
from instructprobe.perturb.model import Family, Order

if TYPE_CHECKING:
    from instructprobe.suites.model import Suite

MAX_RESAMPLES = 100_000
"""Bootstrap resamples above this take time in proportion for no visible gain."""
MAX_BOOTSTRAP_DRAWS = 200_000_000
"""Resamples × queries, the draws of one bootstrap interval: a run above it is refused before it
starts (9,999 resamples allow 20,002 queries). The draws come a block at a time
(``stats.BOOTSTRAP_BLOCK``), so memory no longer grows with them; time does, for every cell
and stratum."""
DEVICE = re.compile(r"^(auto|cpu|mps|cuda(:\d+)?)$")
DISPLAY_NAME = re.compile(r"^[\w][\w.+-]*$")
OBJECT_SPEC = "object:"
"""The spec recorded for a retriever given as a Python object (it cannot be named again)."""
EVERY = "*"
"""The retriever name of a per-retriever setting (``--template``) that applies to every one."""
NAMED_VALUE = re.compile(r"^([\w][\w.+-]*|\*)=(.*)$", re.S)


class Correction(ValueEnum):
    """Multiple-comparison correction over a run's grid of tests."""

    HOLM = "holm"
    """Holm's step-down: the family-wise error rate."""
    BH = "bh"
    """Benjamini-Hochberg: the false discovery rate."""


class ExecutorKind(ValueEnum):
    """Where the encode/score step runs (``instructprobe.retrievers.executors``)."""

    LOCAL = "local"
    """This process."""
    DEVICES = "devices"
    """One worker process per device of ``--device`` (``cuda:0,cuda:1``; ``cpu,cpu``)."""
    RAY = "ray"
    """A pool of model replicas on a Ray cluster (the ``ray`` extra)."""


class InvalidSetting(RequestError):
    """One setting failed its check; front ends name it their own way (a flag, a key)."""

    def __init__(self, setting: str, problem: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting, self.problem = setting, problem


@dataclass(frozen=True)
class RetrieverChoice:
    """One retriever of a request: what names it (``spec``: a preset, ``PRESET=DIR``, a model
    folder, a hub id, ``module:factory`` or an entry point) and, optionally, the name its column
    gets (``NAME=SPEC`` on the command line). A retriever object given in Python is kept in
    ``instance`` (a ``Retriever``, a loaded model, an encoder or an encode function); the
    request then records it as ``object:<class>`` under its name."""

    spec: str
    name: str | None = None
    instance: object | None = field(default=None, compare=False, repr=False)

    @classmethod
    def parse(cls, text: str, presets: Iterable[str] = ()) -> RetrieverChoice:
        """``SPEC`` or ``NAME=SPEC``; ``PRESET=DIR`` (an existing folder) stays what it was, a
        preset's family and formats on local weights."""
        from pathlib import Path

        text = text.strip()
        name, equals, spec = text.partition("=")
        name, spec = name.strip(), spec.strip()
        if not equals or (name in presets and Path(spec).expanduser().exists()):
            return cls(text)
        if not DISPLAY_NAME.match(name) or not spec:
            raise ValueError(
                f"expected NAME=SPEC with a name of letters, digits, . _ + -, got {text!r}"
            )
        return cls(spec, name)

    @classmethod
    def of(cls, given: object, name: str | None = None) -> RetrieverChoice:
        """A Python object as a retriever (``retrievers.objects``), named ``name`` or by what
        the object says of itself; ``ValueError`` naming it when nothing fits."""
        from instructprobe.retrievers.objects import derived_name, object_kind, unusable

        if object_kind(given) is None:
            raise ValueError(unusable(given))
        if name is not None and not DISPLAY_NAME.match(name):
            raise ValueError(f"a retriever's name takes letters, digits, . _ + -, got {name!r}")
        kind = type(given)
        path = f"{kind.__module__}.{kind.__qualname__}"
        if not hasattr(given, "encode") and callable(given) and hasattr(given, "__qualname__"):
            path = f"{getattr(given, '__module__', '?')}.{given.__qualname__}"  # a function
        own = getattr(given, "name", None) if hasattr(given, "index") else None
        label = name or (own if isinstance(own, str) else derived_name(given))
        return cls(f"{OBJECT_SPEC}{path}", label, given)

    def __str__(self) -> str:
        return self.spec if self.name is None else f"{self.name}={self.spec}"


@dataclass(frozen=True)
class Setting:
    """One setting: its name (the keyword, the gates-file key, ``probe_<name>`` in pytest's
    ini), what it accepts, and how ``probe run`` spells it."""

    name: str
    help: str
    convert: Callable[[Any], Any]
    """Text or a typed value to the typed value; ``ValueError`` with the problem otherwise."""
    flags: tuple[str, ...] = ()
    metavar: str | None = None
    affects_results: bool = True
    """False for settings that change how a run is made, never what it finds."""
    folder: bool = False
    """A folder the run writes in: front ends check it as they read it, before any work."""
    repeatable: bool = False
    """Given once per value on the command line (``--template a=… --template b=…``)."""
    recorded_if_set: bool = False
    """Left out of the recorded request at its default (settings added after results files
    were written: a local run's file stays as it was)."""

    @property
    def cli_flags(self) -> tuple[str, ...]:
        return self.flags or ("--" + self.name.replace("_", "-"),)

    def parse(self, value: Any) -> Any:
        try:
            return self.convert(value)
        except (ValueError, TypeError) as error:
            raise InvalidSetting(self.name, str(error)) from None


def _shown(value: Any) -> str:
    return repr(value) if isinstance(value, str) else str(value)


def _items(value: Any) -> list[Any]:
    """A list from a comma- or space-separated string, or from a sequence (strings split too)."""
    if isinstance(value, str):
        return [item for item in re.split(r"[,\s]+", value) if item]
    if isinstance(value, Iterable):
        return [
            piece for item in value for piece in (_items(item) if isinstance(item, str) else [item])
        ]
    raise ValueError(f"must be a list or a comma-separated string, got {_shown(value)}")


def _integer(minimum: int, maximum: int | None = None) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        number: int | None = None
        if isinstance(value, int) and not isinstance(value, bool):
            number = value
        elif isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
            number = int(value)
        bound = f"between {minimum} and {maximum:,}" if maximum is not None else f"≥ {minimum}"
        if number is None or number < minimum or (maximum is not None and number > maximum):
            raise ValueError(f"must be an integer {bound}, got {_shown(value)}")
        return number

    return convert


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def optional(value: Any) -> Any:
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none")):
            return None
        return convert(value)

    return optional


def _fraction(value: Any) -> float:
    number = _number(value)
    if number is None or not 0 < number < 1:
        raise ValueError(f"must be a number between 0 and 1 (exclusive), got {_shown(value)}")
    return number


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return float(value)
        except OverflowError:  # an integer beyond any float: out of every range here
            return None
    try:
        return float(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"must be a non-empty string, got {_shown(value)}")
    return value.strip()


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "off", "0"):
        return False
    raise ValueError(f"must be true or false, got {_shown(value)}")


def _enum(kind: type[enum.Enum], what: str) -> Callable[[Any], Any]:
    choices = ", ".join(str(member.value) for member in kind)

    def convert(value: Any) -> Any:
        if isinstance(value, kind):
            return value
        try:
            return kind(value.strip() if isinstance(value, str) else value)
        except ValueError:
            raise ValueError(f"unknown {what} {_shown(value)} (choose from {choices})") from None

    return convert


def _families(value: Any) -> tuple[Family, ...]:
    family = _enum(Family, "perturbation family")
    chosen = tuple(dict.fromkeys(family(item) for item in _items(value)))
    if not chosen:
        raise ValueError(f"needs at least one perturbation family, got {_shown(value)}")
    return chosen


def _opted_in(value: Any) -> tuple[str, ...]:
    from instructprobe.perturb.registry import operator_names, opt_in_names

    known = opt_in_names()
    chosen = tuple(dict.fromkeys(_text(item) for item in _items(value)))
    unknown = next((name for name in chosen if name not in known), None)
    if unknown is not None:
        # a default named here (an operator made a default since a config was written) is
        # said to be one, not merely unknown
        default = " runs by default and" if unknown in operator_names() else ""
        raise ValueError(
            f"{_shown(unknown)}{default} is not an opt-in operator (choose from {', '.join(known)})"
        )
    return chosen


def _retrievers(value: Any) -> tuple[RetrieverChoice, ...]:
    """Specs (``SPEC``, ``NAME=SPEC``, comma-separated), objects, or a mapping of names to
    either; a spec named twice is kept once, an object never merges with another."""
    from instructprobe.retrievers.presets import PRESETS

    if isinstance(value, Mapping):
        return _retrievers([_named_choice(str(k), v, PRESETS) for k, v in value.items()])
    given = list(value) if _is_collection(value) else [value]
    chosen: list[RetrieverChoice] = []
    for item in given:
        if isinstance(item, RetrieverChoice):
            chosen.append(item)
        elif isinstance(item, str):
            chosen += [RetrieverChoice.parse(t, PRESETS) for t in item.split(",") if t.strip()]
        else:
            chosen.append(RetrieverChoice.of(item))
    unique = [c for i, c in enumerate(chosen) if c.instance is not None or c not in chosen[:i]]
    if not unique:
        raise ValueError(f"needs at least one retriever, got {_shown(value)}")
    named = [c.name for c in unique if c.name is not None]
    twice = next((n for n in named if named.count(n) > 1), None)
    if twice is not None:
        raise ValueError(f"two retrievers are named {twice!r}; give each its own NAME=SPEC")
    return tuple(unique)


def _is_collection(value: object) -> bool:
    """A list of retrievers, not one: a loaded model can be iterable too (a SentenceTransformer
    yields its modules), so only the plain collections and iterators count."""
    return isinstance(value, list | tuple | set | frozenset | Iterator)


def _named_choice(name: str, value: object, presets: Iterable[str]) -> RetrieverChoice:
    if isinstance(value, str):
        return RetrieverChoice.parse(f"{name}={value}", presets)
    return RetrieverChoice.of(value, name)


def _unquoted(text: str) -> str:
    """A value as given, or the JSON string it is written as (to keep edge spaces in an ini)."""
    import json

    if len(text) >= 2 and text.startswith('"') and text.endswith('"'):
        try:
            loaded = json.loads(text)
        except ValueError:
            return text
        return loaded if isinstance(loaded, str) else text
    return text


def _per_retriever(check: Callable[[str], object]) -> Callable[[Any], tuple[tuple[str, str], ...]]:
    """``[NAME=]VALUE`` entries (``*`` or no name: every retriever), from a mapping of names to
    values, a list of entries, or text with one entry per line; each value checked by
    ``check``, each name given once."""

    def convert(value: Any) -> tuple[tuple[str, str], ...]:
        if isinstance(value, Mapping):
            entries = [(str(k), v) for k, v in value.items()]
        else:
            lines = value.splitlines() if isinstance(value, str) else list(value)
            entries = []
            for line in lines:
                if not isinstance(line, str):
                    raise ValueError(f"expected [NAME=]VALUE text, got {_shown(line)}")
                if not line.strip():
                    continue
                named = NAMED_VALUE.match(line.strip()) if "{" not in line.split("=")[0] else None
                entries.append((named[1], named[2]) if named else (EVERY, line.strip()))
        chosen: dict[str, str] = {}
        for name, text in entries:
            if not isinstance(text, str):
                raise ValueError(f"{name}: expected text, got {_shown(text)}")
            if name in chosen:
                raise ValueError(f"{'every retriever' if name == EVERY else name!r} given twice")
            chosen[name] = _unquoted(text.strip()) if text.strip().startswith('"') else text
            check(chosen[name])
        return tuple(chosen.items())

    return convert


def _order(value: Any) -> Order | None:
    """``auto`` (the suite's published order), ``instruction-first`` or ``query-first``."""
    if value is None or isinstance(value, Order):
        return value
    text = str(value).strip().lower().replace("-", "_")
    if text == "auto":
        return None
    try:
        return Order(text)
    except ValueError:
        raise ValueError(
            f"must be auto, instruction-first or query-first, got {_shown(value)}"
        ) from None


def _template(pattern: str) -> object:
    from instructprobe.retrievers.base import Template

    return Template.from_pattern(pattern)


def _suite(value: Any) -> Any:
    from instructprobe.suites.model import Suite

    return value if isinstance(value, Suite) else _text(value)


def _device(value: Any) -> str | None:
    """One device, or several (comma-separated) for the devices executor."""
    given = _items(value) if isinstance(value, str | list | tuple) else []
    names = [item.strip().lower() for item in given if isinstance(item, str)]
    if not names or len(names) != len(given) or not all(DEVICE.match(n) for n in names):
        raise ValueError(
            f"must be auto, cpu, cuda, cuda:N or mps, or a list of them, got {_shown(value)}"
        )
    if len(names) > 1 and "auto" in names:
        raise ValueError(f"a list of devices names each one (no auto), got {_shown(value)}")
    return None if names == ["auto"] else ",".join(names)


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "retrievers",
        "presets (see 'probe list retrievers'), local model folders, Hugging Face ids or "
        "package.module:factory; NAME=SPEC names a column; repeat or comma-separate",
        _retrievers,
        ("--retriever", "-r"),
        "NAME",
    ),
    Setting(
        "suite",
        "suite name (see 'probe list suites'), FORMAT:PATH (beir, followir, mteb, nevir, "
        "instructir, instructir-lite, jsonl), hf:OWNER/NAME, or a suite file or data set folder; "
        "NAME@full ranks the whole corpus instead of candidate pools",
        _suite,
        metavar="NAME|FORMAT:PATH|PATH",
    ),
    Setting(
        "instruction",
        "the instruction of every query that carries none (plain BEIR and MTEB sets); every "
        "family then perturbs it",
        _optional(_text),
        metavar="TEXT",
        recorded_if_set=True,
    ),
    Setting(
        "families", "comma-separated perturbation families", _families, ("--perturb",), "FAMILIES"
    ),
    Setting(
        "operators",
        "opt-in perturbation operators to add to their families, comma-separated (see 'probe "
        "list perturbations')",
        _opted_in,
        ("--operator",),
        "NAMES",
    ),
    Setting(
        "templates",
        "[NAME=]PATTERN: how a retriever (every one without NAME) joins the query and the "
        "instruction, over {query} and {instruction}, its own prompt included, e.g. "
        "'query: {query} {instruction}'; the other order swaps the two; repeat per retriever",
        _per_retriever(_template),
        ("--template",),
        "[NAME=]PATTERN",
        repeatable=True,
        recorded_if_set=True,
    ),
    Setting(
        "document_prompts",
        "[NAME=]TEXT: put before every document a retriever encodes (a bi-encoder's document "
        "prompt, e.g. 'e5=\"passage: \"', JSON-quoted to keep a space); repeat per retriever",
        _per_retriever(str),
        ("--document-prompt",),
        "[NAME=]TEXT",
        repeatable=True,
        recorded_if_set=True,
    ),
    Setting(
        "order",
        "which comes first in the original requests: auto (the suite's published evaluation: "
        "query first for FollowIR and MTEB folders, instruction first for InstructIR and the "
        "rest), instruction-first or query-first; the reorder family asks the other",
        _order,
        metavar="auto|instruction-first|query-first",
        recorded_if_set=True,
    ),
    Setting("seed", "seed for perturbations and the bootstrap", _integer(0), metavar="N"),
    Setting(
        "limit", "use only the first N queries of the suite", _optional(_integer(1)), metavar="N"
    ),
    Setting(
        "sample",
        "use N queries drawn at random with the seed, in proportion to the suite's topics "
        "where it has them",
        _optional(_integer(1)),
        metavar="N",
        recorded_if_set=True,
    ),
    Setting(
        "cutoff", "rank cutoff k of nDCG@k, rank-shift@k and the rest", _integer(1), metavar="K"
    ),
    Setting("depth", "documents ranked per request", _integer(1), metavar="N"),
    Setting("alpha", "test level", _fraction, metavar="A"),
    Setting(
        "margin",
        "equivalence margin on ΔnDCG@k for invariant and reliance families, and the drop a "
        "sensitive family must show",
        _fraction,
        metavar="M",
    ),
    Setting(
        "follow_margin",
        "smallest p-MRR (on [-1, 1]) that counts as following a directional edit",
        _fraction,
        metavar="M",
    ),
    Setting(
        "correction",
        "multiple-comparison correction over the grid: holm (family-wise) or bh "
        "(Benjamini-Hochberg, false discovery rate)",
        _enum(Correction, "correction"),
        metavar="holm|bh",
    ),
    Setting("resamples", "bootstrap resamples", _integer(100, MAX_RESAMPLES), metavar="N"),
    Setting(
        "cache",
        "read and write the embedding and plan cache ('probe cache info')",
        _flag,
        ("--no-cache",),
        affects_results=False,
    ),
    Setting(
        "cache_dir",
        "cache folder (default: $INSTRUCTPROBE_CACHE_DIR, else $XDG_CACHE_HOME/instructprobe)",
        _optional(_text),
        metavar="DIR",
        affects_results=False,
    ),
    Setting(
        "device",
        "where models run: auto, cpu, cuda, cuda:N or mps; with --executor devices, a list "
        "(cuda:0,cuda:1)",
        _optional(_device),
        metavar="auto|cpu|cuda|mps",
        affects_results=False,
    ),
    Setting("batch_size", "encoder batch size", _integer(1), metavar="N", affects_results=False),
    Setting(
        "runs_dir",
        "write every ranking of the run (original and each variant, per retriever) as TREC run "
        "files in DIR, with their qrels and a manifest.json",
        _optional(_text),
        metavar="DIR",
        affects_results=False,
        folder=True,
        recorded_if_set=True,
    ),
    Setting(
        "executor",
        "where models encode and score: local (this process), devices (one process per "
        "--device) or ray (a Ray cluster; pip install 'instructprobe[ray]'); the results are "
        "the same",
        _enum(ExecutorKind, "executor"),
        metavar="local|devices|ray",
        affects_results=False,
        recorded_if_set=True,
    ),
    Setting(
        "ray_address",
        "the Ray cluster of --executor ray (default: $RAY_ADDRESS, else a local one)",
        _optional(_text),
        metavar="HOST:PORT",
        affects_results=False,
        recorded_if_set=True,
    ),
    Setting(
        "workers",
        "model replicas of --executor ray (default: one per GPU of the cluster, else one)",
        _optional(_integer(1)),
        metavar="N",
        affects_results=False,
        recorded_if_set=True,
    ),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
ADDED_LATER = tuple(setting.name for setting in SETTINGS if setting.recorded_if_set)
"""Settings newer than the first files of schema version 2: optional in a results file."""


@dataclass(frozen=True)
class RunRequest:
    """Every setting of a run. Build it with keywords (text is accepted and converted) or with
    ``create``; a bad value raises ``RequestError`` naming the setting."""

    retrievers: tuple[RetrieverChoice, ...] = (RetrieverChoice("bm25"), RetrieverChoice("minilm"))
    suite: str | Suite = "starter"
    instruction: str | None = None
    families: tuple[Family, ...] = tuple(Family)
    operators: tuple[str, ...] = ()
    templates: tuple[tuple[str, str], ...] = ()
    document_prompts: tuple[tuple[str, str], ...] = ()
    order: Order | None = None
    seed: int = 0
    limit: int | None = None
    sample: int | None = None
    cutoff: int = 10
    depth: int = 1000
    alpha: float = 0.05
    margin: float = 0.05
    follow_margin: float = 0.05
    correction: Correction = Correction.HOLM
    resamples: int = 9999
    cache: bool = field(default=True, compare=False)
    cache_dir: str | None = field(default=None, compare=False)
    device: str | None = field(default=None, compare=False)
    batch_size: int = field(default=64, compare=False)
    runs_dir: str | None = field(default=None, compare=False)
    executor: ExecutorKind = field(default=ExecutorKind.LOCAL, compare=False)
    ray_address: str | None = field(default=None, compare=False)
    workers: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for setting in SETTINGS:
            object.__setattr__(self, setting.name, setting.parse(getattr(self, setting.name)))
        if self.depth < self.cutoff:
            raise InvalidSetting(
                "depth", f"must be at least the cutoff ({self.cutoff}), got {self.depth}"
            )
        if self.limit is not None and self.sample is not None:
            raise InvalidSetting("sample", "give limit or sample, not both")
        if len(self.devices) > 1 and self.executor is not ExecutorKind.DEVICES:
            raise InvalidSetting(
                "device", f"{self.device} lists several devices: that needs the devices executor"
            )
        self._check_operator_families()

    @property
    def devices(self) -> tuple[str, ...]:
        """The devices named by ``device`` (none for auto)."""
        return tuple(self.device.split(",")) if self.device else ()

    def _check_operator_families(self) -> None:
        from instructprobe.perturb.registry import get_operator

        for name in self.operators:
            family = get_operator(name).family
            if family not in self.families:
                raise InvalidSetting(
                    "operators", f"{name} perturbs {family.value}, which the run leaves out"
                )

    @classmethod
    def create(
        cls,
        values: Mapping[str, Any],
        where: str = "",
        label: Callable[[str], str] = str,
    ) -> RunRequest:
        """A request from one front end's values; errors read ``{where}{label(setting)}: …``
        (``--limit: …``, ``gates.toml: [run]: 'limit': …``)."""
        unknown = [key for key in values if key not in BY_NAME]
        if unknown:
            known = ", ".join(label(name) for name in BY_NAME)
            raise RequestError(f"{where}unknown setting {label(unknown[0])} (known: {known})")
        try:
            return cls(**values)
        except InvalidSetting as error:
            raise RequestError(f"{where}{label(error.setting)}: {error.problem}") from None

    def replace(self, **values: Any) -> RunRequest:
        return RunRequest.create({**self.settings(), **values})

    def settings(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @property
    def suite_name(self) -> str:
        return self.suite if isinstance(self.suite, str) else self.suite.name

    def differences(self, other: RunRequest) -> list[str]:
        """The settings that make two requests give different results, as ``name: a ≠ b``."""
        return [
            f"{s.name}: {_described(getattr(self, s.name))} ≠ {_described(getattr(other, s.name))}"
            for s in SETTINGS
            if s.affects_results and getattr(self, s.name) != getattr(other, s.name)
        ]

    def describe(self) -> str:
        limit = f", first {self.limit} queries" if self.limit else ""
        limit += f", {self.sample} queries sampled" if self.sample else ""
        names = ", ".join(str(r) for r in self.retrievers)
        return f"{names} on {self.suite_name}{limit} (seed {self.seed})"

    def to_dict(self) -> dict[str, Any]:
        """The request as JSON values (a suite given as an object is recorded by its name; a
        per-retriever setting as an object of names to values). A setting added after the first
        files of schema version 2 is written only when it is not at its default, so a request
        without it is written, byte for byte, as it was before."""
        return {
            name: dict(value) if name in PER_RETRIEVER else _json(value)
            for name, value in self.settings().items()
            if not (BY_NAME[name].recorded_if_set and value == DEFAULTS[name])
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RunRequest:
        return cls.create(data, "request: ")


PER_RETRIEVER = ("templates", "document_prompts")
"""Settings recorded as a JSON object of retriever names to values (``*``: every one)."""

DEFAULTS = {f.name: f.default for f in fields(RunRequest)}


def _json(value: Any) -> Any:
    if (
        isinstance(value, tuple)
        and value
        and all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value)
    ):
        return {name: text for name, text in value}  # a per-retriever setting
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, RetrieverChoice):
        return str(value)
    if isinstance(value, tuple):
        return [_json(v) for v in value]
    if not isinstance(value, str | int | float | bool | type(None)):
        return str(getattr(value, "name", value))
    return value


def _described(value: Any) -> str:
    shown = _json(value)
    return ",".join(map(str, shown)) if isinstance(shown, list) else str(shown)


def cli_label(name: str) -> str:
    return BY_NAME[name].cli_flags[0] if name in BY_NAME else f"--{name.replace('_', '-')}"


def key_label(name: str) -> str:
    return repr(name)


def ini_label(name: str) -> str:
    return f"ini option probe_{name}"


__all__ = [
    "SETTINGS",
    "Correction",
    "ExecutorKind",
    "RequestError",
    "RetrieverChoice",
    "RunRequest",
    "Setting",
    "cli_label",
    "ini_label",
    "key_label",
]
