"""Section 16.2, ``local``: attribute rules that the mutation run found unchecked.

A ``local`` object looks up and assigns attributes like any Python object (class
attributes, methods, properties, ``__dict__``), except that the instance dictionary is
the calling thread's own.  Each test here kills at least one mutant of the semantics
layer that the rest of the suite let survive (see ``mutation/REPORT.md``), through the
public API only, so it holds any backend to it.
"""

from __future__ import annotations

import sys
from typing import Any

import pytest

from anythread_contract._support import spawn

clause = pytest.mark.clause


def _subclass(backend: Any) -> Any:
    class Data(backend.local):  # type: ignore[misc]
        shared = "class value"
        log: list[str] = []

        def method(self) -> str:
            return "method"

        @property
        def managed(self) -> str:
            return "property " + str(self.__dict__.get("_managed", "unset"))

        @managed.setter
        def managed(self, value: str) -> None:
            self.__dict__["_managed"] = value
            type(self).log.append(f"set {value}")

        @managed.deleter
        def managed(self) -> None:
            del self.__dict__["_managed"]
            type(self).log.append("deleted")

        @property
        def read_only(self) -> str:
            return "read-only"

    return Data


class TestLocalAttributes:
    @clause("MOD-LOCAL-ATTR-01")
    def test_class_attributes_and_methods(self, backend: Any) -> None:
        data = _subclass(backend)()
        assert data.shared == "class value"
        assert data.method() == "method"
        data.shared = "mine"
        data.method = "shadowed"  # a method is not a data descriptor: the value wins
        assert (data.shared, data.method) == ("mine", "shadowed")
        assert spawn(backend, lambda: (data.shared, data.method())).join() == (
            "class value",
            "method",
        )
        del data.shared
        assert data.shared == "class value"

    @clause("MOD-LOCAL-ATTR-01")
    def test_properties_take_precedence(self, backend: Any) -> None:
        cls = _subclass(backend)
        data = cls()
        assert data.managed == "property unset"
        data.managed = "one"
        assert data.managed == "property one"
        assert cls.log == ["set one"]
        assert spawn(backend, lambda: data.managed).join() == "property unset"
        del data.managed
        assert cls.log == ["set one", "deleted"]
        assert data.managed == "property unset"
        with pytest.raises(AttributeError):
            data.read_only = "no"

    @clause("MOD-LOCAL-ATTR-02")
    def test_value_in_dict_does_not_hide_a_property(self, backend: Any) -> None:
        data = _subclass(backend)()
        data.__dict__["managed"] = "in the dict"
        data.__dict__["read_only"] = "in the dict"
        assert data.managed == "property unset"
        assert data.read_only == "read-only"

    @clause("MOD-LOCAL-ATTR-02")
    def test_property_of_a_class_given_later_comes_first(self, backend: Any) -> None:
        # The lookup rules follow the object's class as it is now, even after a value
        # of the same name was read through the old one.
        class Plain(backend.local):  # type: ignore[misc]
            pass

        class Managed(backend.local):  # type: ignore[misc]
            @property
            def value(self) -> str:
                return "property"

        data = Plain()
        data.value = "stored"
        assert data.value == "stored"
        data.__class__ = Managed
        assert data.value == "property"
        data.__class__ = Plain
        assert data.value == "stored"

    @clause("MOD-LOCAL-ATTR-02")
    def test_value_does_not_hide_a_property_named_like_a_class_attribute(
        self, backend: Any
    ) -> None:
        # __doc__ is in the namespace of every class of the object's type (object's
        # included): a lookup that takes "a name every class has" for "a plain class
        # attribute" would serve the stored value instead of the property.
        class Documented(backend.local):  # type: ignore[misc]
            @property
            def __doc__(self) -> str:  # type: ignore[override]
                return "property"

        data: Any = Documented()
        data.__dict__["__doc__"] = "in the dict"
        assert data.__doc__ == "property"
        assert spawn(backend, lambda: data.__doc__).join() == "property"

    @clause("MOD-LOCAL-ATTR-02")
    @pytest.mark.parametrize("method", ["__set__", "__delete__"])
    def test_either_set_or_delete_makes_a_data_descriptor(self, backend: Any, method: str) -> None:
        # A descriptor with __get__ and only one of __set__ / __delete__ is a data
        # descriptor all the same: a stored value of its name does not hide it.
        def refuse(self: object, *args: object) -> None:
            raise AttributeError("refused")

        def get(self: object, obj: object, owner: object = None) -> str:
            return "descriptor"

        descriptor_type = type("Half", (), {"__get__": get, method: refuse})

        class Data(backend.local):  # type: ignore[misc]
            value = descriptor_type()

        data: Any = Data()
        data.__dict__["value"] = "in the dict"
        assert data.value == "descriptor"

    @clause("MOD-LOCAL-ATTR-01")
    def test_missing_attributes(self, backend: Any) -> None:
        data = backend.local()
        data.Upper = data._under = 1  # names that sort before "__dict__" are plain names
        assert (data.Upper, data._under) == (1, 1)
        del data.Upper
        assert not hasattr(data, "Upper")
        with pytest.raises(AttributeError, match="has no attribute 'nope'"):
            _ = data.nope
        with pytest.raises(AttributeError, match="nope"):
            del data.nope
        data.nope = 1
        del data.nope
        assert not hasattr(data, "nope")

    @clause("MOD-LOCAL-ATTR-01")
    def test_deleting_a_missing_attribute_says_what_the_running_python_says(
        self, backend: Any
    ) -> None:
        # CPython 3.10 gives only the name; 3.11 and later say which object lacks it.
        data = backend.local()
        data.other = 1
        if sys.version_info >= (3, 11):
            expected = r"object has no attribute 'nope'$"
        else:
            expected = r"^'?nope'?$"
        with pytest.raises(AttributeError, match=expected):
            del data.nope

    @clause("MOD-LOCAL-ATTR-01")
    def test_class_attribute_that_equals_everything(self, backend: Any) -> None:
        # Looking up an attribute must not compare the class's value with anything.
        class Anything:
            def __eq__(self, other: object) -> bool:
                return True

            def __ne__(self, other: object) -> bool:
                return False

            def __lt__(self, other: object) -> bool:
                return True

            __hash__ = object.__hash__

        anything = Anything()

        class Data(backend.local):  # type: ignore[misc]
            value = anything

        class Managed:
            """A data descriptor that, like `anything`, claims to equal everything."""

            deleted = 0
            stored: list[object] = []

            def __get__(self, obj: object, owner: object = None) -> str:
                return "managed"

            def __set__(self, obj: object, value: object) -> None:
                Managed.stored.append(value)

            def __delete__(self, obj: object) -> None:
                Managed.deleted += 1

            def __ne__(self, other: object) -> bool:
                return False

        class WithDescriptor(backend.local):  # type: ignore[misc]
            managed = Managed()

        described: Any = WithDescriptor()
        described.managed = "x"
        assert (Managed.stored, described.managed) == (["x"], "managed")
        del described.managed
        assert Managed.deleted == 1

        # A value in the thread's dictionary does not hide that data descriptor either.
        described.__dict__["managed"] = "in the dict"
        assert described.managed == "managed"

        data: Any = Data()
        assert data.value is anything
        data.value = 1
        assert data.value == 1
        del data.value
        assert data.value is anything
        with pytest.raises(AttributeError):
            del data.value

    @clause("MOD-LOCAL-DICT-01")
    def test_dict_is_the_threads_own_and_read_only(self, backend: Any) -> None:
        data = backend.local()
        data.x = 1
        assert data.__dict__ == {"x": 1}
        data.__dict__["y"] = 2
        assert data.y == 2
        assert spawn(backend, lambda: dict(data.__dict__)).join() == {}
        with pytest.raises(AttributeError, match="read-only"):
            data.__dict__ = {}
        with pytest.raises(AttributeError, match="read-only"):
            del data.__dict__
        assert data.__dict__ == {"x": 1, "y": 2}


class TestLocalInit:
    @clause("MOD-LOCAL-02")
    def test_init_that_is_a_callable_object_is_called_as_python_calls_it(
        self, backend: Any
    ) -> None:
        # An __init__ that is not a function (no __get__) is called without the
        # instance, in the creating thread as in every other one; and whether the class
        # has an __init__ is not decided by comparing it with anything.
        calls: list[tuple[tuple[object, ...], dict[str, object]]] = []

        class Init:
            def __call__(self, *args: object, **kwargs: object) -> None:
                calls.append((args, kwargs))

            def __eq__(self, other: object) -> bool:
                return True

            def __ne__(self, other: object) -> bool:
                return False

            __hash__ = object.__hash__

        class Data(backend.local):  # type: ignore[misc]
            __init__ = Init()

        data = Data(1, key=2)
        assert calls == [((1,), {"key": 2})]
        spawn(backend, lambda: data.__dict__).join()
        assert calls == [((1,), {"key": 2})] * 2
