"""Hypothesis strategies for what a misbehaving PBX sends: its answers truncated, oversized or
with values of the wrong type (JSON, or the vendor's text format), and pushes in every
malformed form."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
import json
from typing import Any

from hypothesis import strategies as st

from simulator.faults import Mangler

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
)
"""A value of any JSON type (and the non-standard NaN and Infinity Python writes)."""


@dataclass(frozen=True)
class Mutation:
    """One way to spoil a body; `repr` says which, for Hypothesis' report."""

    kind: str
    at: float
    value: Any = None

    def __call__(self, body: bytes) -> bytes:
        if self.kind == "truncate":
            return body[: int(len(body) * self.at)]
        if self.kind == "garbage":
            return bytes(self.value)
        try:
            document = json.loads(body)
        except ValueError:
            return self._text(body)
        nodes = _nodes(document)
        path = nodes[int(len(nodes) * self.at) % len(nodes)]
        if self.kind == "oversized":
            node = _get(document, path)
            value: Any = [node] * 500 if self.value == "list" else "x" * 1_000_000
        else:
            value = self.value
        return json.dumps(_set(document, path, value)).encode()

    def _text(self, body: bytes) -> bytes:
        """The vendor's own text format: a line replaced, or made huge."""
        lines = body.split(b"\n")
        index = int(len(lines) * self.at) % len(lines)
        if self.kind == "oversized":
            lines[index] = lines[index] * 20_000
        else:
            lines[index] = str(self.value).encode()
        return b"\n".join(lines)


type Path = tuple[str | int, ...]


def _nodes(document: Any, path: Path = ()) -> list[Path]:
    """The path of every value in a JSON document, the document's own first."""
    found = [path]
    if isinstance(document, dict):
        for key, value in document.items():
            found += _nodes(value, (*path, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found += _nodes(value, (*path, index))
    return found


def _get(document: Any, path: Path) -> Any:
    for step in path:
        document = document[step]
    return document


def _set(document: Any, path: Path, value: Any) -> Any:
    if not path:
        return value
    parent = _get(document, path[:-1])
    parent[path[-1]] = value
    return document


def manglers() -> st.SearchStrategy[Mangler]:
    """Truncated, oversized and wrong-typed answers, and answers that are no JSON at all."""
    at = st.floats(min_value=0.0, max_value=0.999)
    return st.one_of(
        st.builds(Mutation, st.just("truncate"), at),
        st.builds(Mutation, st.just("oversized"), at, st.sampled_from(["list", "string"])),
        st.builds(Mutation, st.just("wrong_type"), at, ODD_VALUES),
        st.builds(Mutation, st.just("garbage"), at, st.binary(max_size=48)),
    )


KEYS = [
    "type",
    "event",
    "sn",
    "msg",
    "call_id",
    "callid",
    "members",
    "extension",
    "ext",
    "number",
    "status",
    "state",
    "from",
    "to",
    "caller",
    "callee",
    "trunk",
    "direction",
    "uuid",
    "data",
    "call",
    "calls",
    "event_type",
    "call_api_id",
]
"""Keys the vendors' events use: random documents of them reach deeper into the parsers."""


def _event_like(serial: str | None) -> st.SearchStrategy[Any]:
    leaves = st.one_of(ODD_VALUES, st.sampled_from(KEYS), st.sampled_from([serial or "", 30011]))
    documents = st.recursive(
        leaves,
        lambda children: st.one_of(
            st.lists(children, max_size=4),
            st.dictionaries(st.sampled_from(KEYS), children, max_size=6),
        ),
        max_leaves=12,
    )
    envelope = st.fixed_dictionaries(
        {"type": st.sampled_from([30011, 30012, 30013, 30016, "30011"]), "sn": st.just(serial)},
        optional={"msg": st.one_of(documents, documents.map(json.dumps))},
    )
    return st.one_of(documents, envelope)


@dataclass(frozen=True)
class Push:
    """One malformed push: method, content type and body."""

    method: str
    content_type: str
    body: bytes


def pushes(serial: str | None = None) -> st.SearchStrategy[Push]:
    """Pushes in every malformed form: not JSON, truncated, wrong types, oversized, empty,
    sent with a wrong method or content type."""
    as_json: Callable[[Any], bytes] = lambda document: json.dumps(document).encode()  # noqa: E731
    documents = _event_like(serial).map(as_json)
    bodies = st.one_of(
        st.binary(max_size=64),
        documents,
        st.tuples(documents, st.floats(0.0, 0.999)).map(lambda t: t[0][: int(len(t[0]) * t[1])]),
        st.just(b""),
        st.sampled_from([b"{" + b" " * 70_000 + b"}", as_json({"msg": "x" * 200_000})]),
        st.text(max_size=40).map(str.encode),
    )
    return st.builds(
        Push,
        st.sampled_from(["POST", "POST", "POST", "GET", "PUT"]),
        st.sampled_from(["application/json", "text/plain", "application/x-www-form-urlencoded"]),
        bodies,
    )


def websocket_frames(serial: str | None = None) -> st.SearchStrategy[tuple[bytes, int]]:
    """Malformed frames on an event socket: text of any kind, binary, event-like JSON."""
    documents = _event_like(serial).map(lambda document: json.dumps(document).encode())
    text = st.one_of(documents, st.text(max_size=40).map(str.encode))
    return st.one_of(
        st.tuples(text, st.just(0x1)),
        st.tuples(st.binary(max_size=64), st.just(0x2)),
        st.tuples(
            st.tuples(documents, st.floats(0.0, 0.999)).map(
                lambda t: t[0][: int(len(t[0]) * t[1])]
            ),
            st.just(0x1),
        ),
    )
