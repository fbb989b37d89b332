"""Records: what ``@dataclass(frozen=True)`` and ``@dataclass`` give, without the code they
generate (``@frozen`` and ``@mutable``).

A frozen dataclass compiles six methods from generated source when its class is created
(``__init__``, ``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__``, ``__delattr__``),
a mutable one three: about half a millisecond a class (a millisecond for the appeal's 30
fields), some twenty of them on every function's import, a tenth of a cold start over
``import boto3, chalice``. ``@frozen`` and ``@mutable`` collect the fields with
``dataclasses`` (so ``fields``, ``replace``, ``asdict`` and type checkers see a
dataclass) and give the class the same methods written once, here:

- ``__init__`` takes the fields by position or by name, fills the defaults and default
  factories, refuses a missing or an unknown one with the same ``TypeError`` words, and
  calls ``__post_init__`` if the class has one;
- ``@frozen``: the fields cannot be assigned or deleted afterwards
  (``FrozenInstanceError``), and the record is hashed on its fields; ``@mutable``: they
  can, and the record has no hash, as a mutable dataclass;
- equal when of the same class with equal fields, ``repr`` as a dataclass's.

Creating an instance costs a loop over the fields instead of straight-line code (about a
microsecond more for a handful of fields, three for the appeal's 30, against the tens of
microseconds PynamoDB takes to read one item)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import MISSING, FrozenInstanceError, dataclass, fields
from typing import Any, TypeVar, dataclass_transform

T = TypeVar("T")


@dataclass_transform(frozen_default=True)
def frozen(cls: type[T]) -> type[T]:
    """``@dataclass(frozen=True)``, its methods written once (above)."""
    return _record(cls, frozen=True)


@dataclass_transform()
def mutable(cls: type[T]) -> type[T]:
    """``@dataclass``: the same ``__init__``, ``__repr__`` and ``__eq__`` as ``@frozen``, the
    fields assignable, and no hash (a mutable dataclass's ``__hash__`` is None)."""
    return _record(cls, frozen=False)


def _record(cls: type[T], *, frozen: bool) -> type[T]:
    undocumented = not cls.__doc__
    if undocumented:  # else dataclass writes one from inspect.signature, which costs more
        cls.__doc__ = cls.__name__
    cls = dataclass(init=False, repr=False, eq=False)(cls)
    declared = fields(cls)  # type: ignore[arg-type]
    names = tuple(f.name for f in declared)
    defaults: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    for f in declared:
        if f.default is not MISSING:
            defaults[f.name] = f.default
        elif f.default_factory is not MISSING:
            factories[f.name] = f.default_factory
    if undocumented:
        cls.__doc__ = f"{cls.__name__}({', '.join(names)})"
    post_init = getattr(cls, "__post_init__", None)
    qualname = cls.__qualname__
    setter = object.__setattr__  # a frozen record's own refuses

    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(
                f"{qualname}.__init__() takes {len(names) + 1} positional arguments "
                f"but {len(args) + 1} were given"
            )
        for name, value in zip(names, args, strict=False):
            if name in kwargs:
                raise TypeError(f"{qualname}.__init__() got multiple values for argument {name!r}")
            setter(self, name, value)
        for name in names[len(args) :]:
            if name in kwargs:
                setter(self, name, kwargs.pop(name))
            elif name in defaults:
                setter(self, name, defaults[name])
            elif name in factories:
                setter(self, name, factories[name]())
            else:
                raise TypeError(f"{qualname}.__init__() missing 1 required argument: {name!r}")
        if kwargs:
            unknown = next(iter(kwargs))
            raise TypeError(f"{qualname}.__init__() got an unexpected keyword argument {unknown!r}")
        if post_init is not None:
            post_init(self)

    def _values(self: Any) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in names)

    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{qualname}({shown})"

    def __eq__(self: Any, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(_values(self) == _values(other))

    def __hash__(self: Any) -> int:
        return hash(_values(self))

    def __setattr__(self: Any, name: str, value: Any) -> None:
        raise FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self: Any, name: str) -> None:
        raise FrozenInstanceError(f"cannot delete field {name!r}")

    methods: tuple[Callable[..., Any], ...] = (__init__, __repr__, __eq__)
    if frozen:
        methods += (__hash__, __setattr__, __delattr__)
    for method in methods:
        method.__qualname__ = f"{qualname}.{method.__name__}"
        setattr(cls, method.__name__, method)
    if not frozen:
        cls.__hash__ = None  # type: ignore[assignment]
    return cls
