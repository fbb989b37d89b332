"""``@frozen`` records behave as ``@dataclass(frozen=True)`` does, and ``@mutable`` ones as
``@dataclass`` does (the last tests): the same instances from
the same arguments (by position and by name, defaults and factories), the same refusals,
equality, hashing, ``repr``, ``replace``, ``asdict``, ``__match_args__`` and
``__post_init__``, and no field can be changed."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.core.domain.records import frozen, mutable


def _pair() -> tuple[type, type]:
    def body() -> dict[str, Any]:
        return {
            "__annotations__": {"a": "int", "b": "str", "c": "tuple[int, ...]", "d": "list[int]"},
            "b": "b",
            "c": (),
            "d": field(default_factory=list),
        }

    made = type("Made", (), body())
    reference = type("Made", (), body())
    return frozen(made), dataclass(frozen=True)(reference)


FAST, SLOW = _pair()

values = st.one_of(st.integers(), st.text(max_size=3), st.tuples(st.integers()), st.none())
arguments = st.tuples(
    st.lists(values, max_size=5),
    st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e"]), values, max_size=4),
)


def _outcome(cls: type, args: list[Any], kwargs: dict[str, Any]) -> Any:
    try:
        made = cls(*args, **kwargs)
    except TypeError:
        return TypeError
    return made


def _made_alike(
    made: type, reference: type, args: list[Any], kwargs: dict[str, Any]
) -> tuple[Any, Any] | None:
    """Both classes called alike: both refuse (None), or the two instances, which have the
    same fields and repr, each equal to another made the same way and never to the other."""
    fast, slow = _outcome(made, args, kwargs), _outcome(reference, args, kwargs)
    if slow is TypeError:
        assert fast is TypeError
        return None
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert repr(fast) == repr(slow)
    assert fast == made(*args, **kwargs) and fast != slow  # another class is never equal
    return fast, slow


@given(arguments)
def test_construction_answers_as_a_frozen_dataclass(call: tuple[list[Any], dict[str, Any]]) -> None:
    pair = _made_alike(FAST, SLOW, *call)
    if pair is None:
        return
    fast, slow = pair
    try:
        expected = hash(slow)
    except TypeError:
        with pytest.raises(TypeError):
            hash(fast)
    else:
        assert hash(fast) == expected
    assert dataclasses.replace(fast, a=1).a == 1 and dataclasses.replace(fast, a=1).b == fast.b


def test_refusals_and_factories_are_a_frozen_dataclass_s() -> None:
    for cls in (FAST, SLOW):
        with pytest.raises(TypeError, match=r"missing 1 required .*'a'"):
            cls()
        with pytest.raises(TypeError, match="unexpected keyword argument 'e'"):
            cls(1, e=2)
        with pytest.raises(TypeError, match="multiple values for argument 'a'"):
            cls(1, a=2)
        with pytest.raises(TypeError, match="5 positional arguments but 6 were given"):
            cls(1, "b", (), [], 5)
        made = cls(1)
        assert made.d == [] and made.d is not cls(1).d
        with pytest.raises(FrozenInstanceError, match="cannot assign to field 'a'"):
            made.a = 2
        with pytest.raises(FrozenInstanceError, match="cannot assign to field 'z'"):
            made.z = 2
        with pytest.raises(FrozenInstanceError, match="cannot delete field 'a'"):
            del made.a
        assert cls.__match_args__ == ("a", "b", "c", "d")
        assert [f.name for f in dataclasses.fields(cls)] == ["a", "b", "c", "d"]
        with pytest.raises(TypeError, match="unhashable type: 'list'"):
            hash(made)  # a list field: neither hashes


def test_post_init_runs_and_may_set_what_it_derives() -> None:
    @frozen
    class Span:
        start: int
        end: int = 0
        length: int = 0

        def __post_init__(self) -> None:
            if self.end < self.start:
                raise ValueError("end before start")
            object.__setattr__(self, "length", self.end - self.start)

    assert Span(2, 5).length == 3
    assert Span(start=1, end=1) == Span(1, 1, 99)
    with pytest.raises(ValueError, match="end before start"):
        Span(3, 1)


def test_the_product_s_records_are_frozen_records() -> None:
    from chalicelib.core.domain.appeal import Event
    from chalicelib.core.domain.principal import Principal, Role

    caller = Principal("u-1", Role.OPERATOR)
    assert caller == Principal(id="u-1", role=Role.OPERATOR) and hash(caller) == hash(
        Principal("u-1", Role.OPERATOR)
    )
    assert repr(caller).startswith("Principal(id='u-1', role=<Role.OPERATOR: 'operator'>")
    with pytest.raises(FrozenInstanceError):
        caller.role = Role.ADMIN
    for record in (Event, Principal):
        assert record.__init__.__code__.co_filename.endswith("records.py")


def _mutable_pair() -> tuple[type, type]:
    def body() -> dict[str, Any]:
        return {
            "__annotations__": {"a": "int", "b": "str", "d": "list[int]"},
            "b": "b",
            "d": field(default_factory=list),
        }

    return mutable(type("Open", (), body())), dataclass(type("Open", (), body()))


MUTABLE, PLAIN = _mutable_pair()


@given(arguments)
def test_a_mutable_record_answers_as_a_dataclass(call: tuple[list[Any], dict[str, Any]]) -> None:
    pair = _made_alike(MUTABLE, PLAIN, *call)
    if pair is None:
        return
    fast, slow = pair
    fast.a, slow.a = 7, 7
    assert dataclasses.asdict(fast) == dataclasses.asdict(slow)
    assert fast == MUTABLE(**dataclasses.asdict(fast)) == dataclasses.replace(fast, a=7)


def test_a_mutable_record_has_no_hash_and_its_fields_change() -> None:
    for cls in (MUTABLE, PLAIN):
        assert cls.__hash__ is None
        made = cls(1)
        with pytest.raises(TypeError, match="unhashable type"):
            hash(made)
        made.a = 2
        del made.b
        assert made.a == 2 and made.d == [] and made.d is not cls(1).d
        assert cls.__match_args__ == ("a", "b", "d")
        with pytest.raises(TypeError, match=r"missing 1 required .*'a'"):
            cls()
        with pytest.raises(TypeError, match="4 positional arguments but 5 were given"):
            cls(1, "b", [], 5)


def test_the_product_s_mutable_records_are_records() -> None:
    from chalicelib.core.http.base import RouteDoc
    from chalicelib.core.services.idempotency import InlineKey
    from chalicelib.figures.store.statistics import Counted, TopicRecord

    for cls in (RouteDoc, InlineKey, Counted, TopicRecord):
        assert cls.__init__.__code__.co_filename.endswith("records.py"), cls
        assert cls.__hash__ is None
    counted = Counted("1")
    counted.sequence = "2"
    assert counted == Counted("2") and counted.counters == {} and counted.marks == {}
