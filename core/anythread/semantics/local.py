"""``local``: objects whose attributes have a separate value in each thread.

Each ``local`` object owns a :class:`LocalImpl` that maps a thread identifier to that
thread's attribute dictionary.  Attribute access looks up the calling thread's
dictionary and serves plain attributes from it directly; anything else (methods,
properties and other descriptors, class attributes, missing names) goes through the
generic lookup rules of ``object.__getattribute__`` with that dictionary standing in
for the instance's ``__dict__``.  A thread that first touches the object gets a fresh
dictionary, and a subclass's ``__init__`` runs again in it with the original arguments;
if that ``__init__`` raises, the dictionary is dropped and the next access tries again.
When a thread started by the backend ends, its values are dropped; so are an alien
thread's (one the backend did not start), when the kernel can tell that it ended (the
:class:`~anythread.protocols.KernelThreadEnd` extra).

This module must not import ``threading`` nor use ``_thread._local``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, ClassVar

from anythread.semantics.world import ThreadDataOwner, World

__all__ = ["LocalImpl", "local", "make_local"]

_MISSING = object()


class LocalImpl:
    """The per-thread dictionaries of one ``local`` object (and its init arguments).

    It is a :class:`~anythread.semantics.world.ThreadDataOwner`: the world tells it when a
    thread that holds a dictionary here ends.
    """

    __slots__ = (
        "__weakref__",
        "args",
        "class_dicts",
        "dicts",
        "get_ident",
        "keeps_data_for",
        "kwargs",
        "mro",
    )

    def __init__(
        self,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        cls: type,
        get_ident: Callable[[], int],
        keeps_data_for: Callable[[int, ThreadDataOwner], None],
    ) -> None:
        self.dicts: dict[int, dict[str, Any]] = {}
        self.args = args
        self.kwargs = kwargs
        #: the kernel's get_ident and the world's keeps_data_for (read on every access,
        #: so kept here, one slot away, rather than on the class)
        self.get_ident = get_ident
        self.keeps_data_for = keeps_data_for
        self.see_class(cls)

    def see_class(self, cls: type) -> None:
        """Remember the namespaces of ``cls`` and its bases, in method resolution order.

        ``__dict__`` of a class is a live read-only view, so later changes to a class show
        through; only a new ``__mro__`` (an assigned ``__class__`` or ``__bases__``)
        needs this again.
        """
        self.mro: tuple[type, ...] = cls.__mro__
        self.class_dicts: tuple[Any, ...] = tuple(klass.__dict__ for klass in cls.__mro__)

    def forget_thread(self, ident: int, /) -> None:
        """Drop the values of thread ``ident``, which has ended (the world calls this)."""
        self.dicts.pop(ident, None)


def _class_attribute(cls: type, name: str) -> Any:
    for klass in cls.__mro__:
        try:
            return klass.__dict__[name]
        except KeyError:
            pass
    return _MISSING


def _is_data_descriptor(attr: Any) -> bool:
    kind = type(attr)
    return hasattr(kind, "__set__") or hasattr(kind, "__delete__")


# CPython 3.10 says only the name of an attribute it cannot delete; 3.11+ say which
# object lacks it.
_BARE_DELETE_MESSAGE = sys.version_info < (3, 11)


def _no_attribute_to_delete(cls: type, name: str) -> str:
    if _BARE_DELETE_MESSAGE:
        return name
    return f"{cls.__name__!r} object has no attribute {name!r}"


def _thread_dict(obj: local) -> dict[str, Any]:
    """Return the calling thread's dictionary of ``obj``, making it on first use."""
    impl: LocalImpl = _object_getattribute(obj, "_local__impl")
    ident = impl.get_ident()
    try:
        return impl.dicts[ident]
    except KeyError:
        pass
    # First use of this object in this thread: a fresh dictionary, then the subclass's
    # __init__ again, with the arguments the object was created with.
    values: dict[str, Any] = {}
    impl.dicts[ident] = values
    impl.keeps_data_for(ident, impl)
    if type(obj).__init__ is not object.__init__:
        # Called as Python calls it at creation: a function bound to the object, a
        # callable without __get__ as it is.
        try:
            _object_getattribute(obj, "__init__")(*impl.args, **impl.kwargs)
        except BaseException:
            # A failed __init__ leaves no half-built dictionary: the next access in this
            # thread starts over with a fresh one (as CPython's local does).
            if impl.dicts.get(ident) is values:
                del impl.dicts[ident]
            raise
    return values


def _generic_getattr(obj: local, name: str, values: dict[str, Any]) -> Any:
    # object.__getattribute__'s rules, with ``values`` as the instance dictionary.
    cls = type(obj)
    attr = _class_attribute(cls, name)
    if attr is not _MISSING:
        getter = getattr(type(attr), "__get__", None)
        if getter is not None and _is_data_descriptor(attr):
            return getter(attr, obj, cls)
    if name in values:
        return values[name]
    if attr is not _MISSING:
        getter = getattr(type(attr), "__get__", None)
        if getter is not None:
            return getter(attr, obj, cls)
        return attr
    raise AttributeError(f"{cls.__name__!r} object has no attribute {name!r}")


_READ_ONLY_DICT = "{!r} object attribute '__dict__' is read-only"
_object_getattribute = object.__getattribute__
_object_setattr = object.__setattr__


def _no_world() -> int:
    raise TypeError(
        "anythread.semantics.local.local belongs to no backend; create objects from a "
        "backend (backend.local(), anythread.local()), whose class from_kernel derived "
        "for its world"
    )


class local:
    """Thread-local data: each thread sees its own values of the attributes.

    Spec: 16.2 local; MOD-LOCAL-01..04.

    Subclasses may define ``__init__``; it runs once in each thread that uses the
    object, with the arguments given at creation.  Each world derives its own subclass
    (:func:`make_local`), which knows the world's kernel.

    :raises TypeError: if arguments are given and the class does not define
        ``__init__``.
    """

    __slots__ = ("__weakref__", "_local__impl")

    #: The kernel's ``get_ident`` and the world's ``keeps_data_for`` (set on the
    #: per-world subclass).
    _local__get_ident: ClassVar[Callable[[], int]] = staticmethod(_no_world)
    _local__keeps_data_for: ClassVar[Callable[[int, ThreadDataOwner], None]]

    def __new__(cls, /, *args: Any, **kwargs: Any) -> Any:
        if (args or kwargs) and cls.__init__ is object.__init__:
            raise TypeError("Initialization arguments are not supported")
        get_ident = cls._local__get_ident
        ident = get_ident()
        self = object.__new__(cls)
        impl = LocalImpl(args, kwargs, cls, get_ident, cls._local__keeps_data_for)
        _object_setattr(self, "_local__impl", impl)
        # The creating thread's dictionary exists before __init__ runs (Python calls
        # __init__ itself, right after __new__).
        impl.dicts[ident] = {}
        impl.keeps_data_for(ident, impl)
        return self

    def __getattribute__(self, name: str) -> Any:
        impl: LocalImpl = _object_getattribute(self, "_local__impl")
        try:
            values = impl.dicts[impl.get_ident()]
        except KeyError:
            values = _thread_dict(self)
        if name == "__dict__":
            return values
        if name in values:
            # The fast route: a value that no class attribute of the same name can
            # shadow (a data descriptor of the class comes before the value).
            if impl.mro is not type(self).__mro__:
                impl.see_class(type(self))
            for namespace in impl.class_dicts:
                if name in namespace:
                    break
            else:
                return values[name]
        return _generic_getattr(self, name, values)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "__dict__":
            raise AttributeError(
                f"{type(self).__name__!r} object attribute '__dict__' is read-only"
            )
        values = _thread_dict(self)
        attr = _class_attribute(type(self), name)
        if attr is not _MISSING and hasattr(type(attr), "__set__"):
            type(attr).__set__(attr, self, value)
            return
        values[name] = value

    def __delattr__(self, name: str) -> None:
        if name == "__dict__":
            raise AttributeError(
                f"{type(self).__name__!r} object attribute '__dict__' is read-only"
            )
        values = _thread_dict(self)
        attr = _class_attribute(type(self), name)
        if attr is not _MISSING and hasattr(type(attr), "__delete__"):
            type(attr).__delete__(attr, self)
            return
        try:
            del values[name]
        except KeyError:
            raise AttributeError(_no_attribute_to_delete(type(self), name)) from None


def make_local(world: World) -> type[local]:
    """Return the ``local`` class of ``world``: a subclass of :class:`local` bound to the
    world's kernel."""
    namespace: dict[str, object] = {
        "__module__": "anythread",
        "__qualname__": "local",
        "__doc__": local.__doc__,
        "__slots__": (),
        "_local__get_ident": staticmethod(world.kernel.get_ident),
        "_local__keeps_data_for": staticmethod(world.keeps_data_for),
    }
    return type("local", (local,), namespace)
