"""SimpleIO: a service's declared input and output, parsed once and applied on every call.

``SimpleIOSpec.for_service`` reads a service's nested ``class SimpleIO`` at
deploy time and compiles it into a tuple of per-element converters; then
``parse_input`` builds ``self.request.input`` and ``build_output`` validates
``self.response.payload`` with no reflection per call.

The rules follow Zato 3.2 (the README's SimpleIO section says where we differ):
``input_required``/``input_optional`` or the shorter ``input`` where a leading
``-`` marks an optional element; types by declaration (``Int('id')``) or by
name (``is_*`` is a Bool, ``*_id`` an Int, anything else Text); a dataclass as
the input or output model; ``response_elem`` to wrap the response.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import difflib
import enum
import functools
import types
import typing
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal

from services.bunch import Bunch
from services.errors import DeployError, ValidationError
from services.sio_types import (
    MISSING,
    NO_DEFAULT,
    ConversionError,
    Converter,
    Dict,
    Elem,
    as_is,
    default_factory,
    to_bool,
    to_date,
    to_datetime,
    to_decimal,
    to_dict,
    to_float,
    to_int,
    to_list,
    to_text,
    to_uuid,
    type_for_name,
)

__all__ = ['SimpleIOSpec']

Side = Literal['input', 'output']


class _Omit:
    """Marks an optional element that is left out when absent (no default applies)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return 'OMIT'


OMIT: Final = _Omit()

# One compiled element: name, required, default (a value or OMIT), a factory
# for mutable defaults (or None), the converter, and the type name for errors.
_Field = tuple[str, bool, Any, Callable[[], Any] | None, Converter, str]
_Getter = Callable[[str, Any], Any]

_EMPTY: Final[Mapping[str, Any]] = types.MappingProxyType({})
_setitem: Final = dict.__setitem__

# The attributes of a SimpleIO declaration that we act upon ...
_KNOWN_ATTRS: Final = frozenset(
    {
        'input',
        'input_required',
        'input_optional',
        'output',
        'output_required',
        'output_optional',
        'response_elem',
        'default_value',
        'default_input_value',
        'default_output_value',
    }
)
# ... and Zato's, which we accept so that a ported service deploys, but ignore.
_IGNORED_ZATO_ATTRS: Final = frozenset(
    {
        'request_elem',
        'output_repeated',
        'skip_empty_keys',
        'SkipEmpty',
        'force_empty_keys',
        'CSV',
        'XML',
    }
)
_IGNORED_ZATO_PREFIXES: Final = ('csv_', 'xml_')

_MAX_REPR: Final = 80


def _short_repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_REPR else text[: _MAX_REPR - 3] + '...'


class _ElementError(Exception):
    """Raised inside the compiled converters; becomes a ``ValidationError`` at the top.

    ``path`` grows as the error travels up through nested dicts, models and lists,
    so the final message names ``address.street`` or ``items[2].name``.
    """

    def __init__(
        self,
        kind: Literal['missing', 'invalid', 'model', 'shape'],
        path: str,
        *,
        type_name: str = '',
        value: Any = None,
        reason: str = '',
    ) -> None:
        super().__init__(kind, path)
        self.kind = kind
        self.path = path
        self.type_name = type_name
        self.value = value
        self.reason = reason
        self.index: int | None = None

    def prepend(self, segment: str) -> None:
        """Put a parent element's name (or ``[i]``) in front of the path."""
        if not self.path:
            self.path = segment
        elif self.path.startswith('['):
            self.path = segment + self.path
        else:
            self.path = f'{segment}.{self.path}'

    def message(self, side: Side) -> str:
        """Return the user-facing message."""
        element = 'element' if side == 'input' else 'output element'
        if self.kind == 'missing':
            text = f'{element.capitalize()} missing: {self.path}'
        elif self.kind == 'invalid':
            text = (
                f'Invalid value for {element} {self.path} ({self.type_name}): '
                f'{_short_repr(self.value)} {self.reason}'
            )
        elif self.kind == 'model':
            if self.path:
                text = f'Invalid value for {element} {self.path} ({self.type_name}): {self.reason}'
            else:
                text = f'Invalid {side} for {self.type_name}: {self.reason}'
        else:
            text = self.reason
        if self.index is not None:
            text += f' (at index {self.index})'
        return text

    def to_validation_error(self, side: Side, service: str, cid: str) -> ValidationError:
        """Return the ``ValidationError`` to raise, naming service, element and CID."""
        return ValidationError(
            self.message(side), service=service, element=self.path or None, cid=cid
        )


def _invalid(name: str, type_name: str, value: Any, exc: Exception) -> _ElementError:
    reason = str(exc) if isinstance(exc, ConversionError) else f'was rejected: {exc}'
    return _ElementError('invalid', name, type_name=type_name, value=value, reason=reason)


def _convert_fields(fields: tuple[_Field, ...], get: _Getter, out: dict[str, Any]) -> None:
    """Fill ``out`` from ``get`` per the compiled fields: the hot loop of every call."""
    for name, required, default, factory, convert, type_name in fields:
        value = get(name, MISSING)
        if value is MISSING:
            if required:
                raise _ElementError('missing', name)
            if default is OMIT:
                continue
            value = default if factory is None else factory()
        elif value is not None:
            try:
                value = convert(value)
            except _ElementError as exc:
                exc.prepend(name)
                raise
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise _invalid(name, type_name, value, exc) from exc
        _setitem(out, name, value)


def _is_instance_of_dataclass(value: Any) -> bool:
    return dataclasses.is_dataclass(value) and not isinstance(value, type)


def _getter_for(value: Any) -> _Getter | None:
    """Return a ``get(name, default)`` over a mapping or a dataclass instance."""
    if isinstance(value, dict):
        return value.get
    if isinstance(value, Mapping):
        return value.get
    if _is_instance_of_dataclass(value):
        return functools.partial(getattr, value)
    return None


# ---------------------------------------------------------------------------
# Plans: how one item (a dict or a model instance) is built from its fields.


class _Plan:
    """Builds one item from a getter."""

    __slots__ = ('fields', 'type_name')

    def __init__(self, type_name: str) -> None:
        self.fields: tuple[_Field, ...] = ()
        self.type_name = type_name

    def build(self, get: _Getter) -> Any:
        """Return the item built from ``get``."""
        raise NotImplementedError

    def names(self, required: bool) -> tuple[str, ...]:
        """Return the names of the required (or optional) fields, in declaration order."""
        return tuple(field[0] for field in self.fields if field[1] is required)


class _MappingPlan(_Plan):
    """Builds a ``Bunch`` (input) or a plain dict (output)."""

    __slots__ = ('container',)

    def __init__(self, type_name: str, container: type[dict[str, Any]]) -> None:
        super().__init__(type_name)
        self.container = container

    def build(self, get: _Getter) -> dict[str, Any]:
        """Return a new container filled from ``get``."""
        out: dict[str, Any] = dict.__new__(self.container)
        _convert_fields(self.fields, get, out)
        return out


class _ModelPlan(_Plan):
    """Builds an instance of an input dataclass model."""

    __slots__ = ('model', 'use_init')

    def __init__(self, model: type, use_init: bool) -> None:
        super().__init__(model.__name__)
        self.model = model
        self.use_init = use_init

    def build(self, get: _Getter) -> Any:
        """Return a new model instance from ``get``; the dataclass's own checks apply."""
        values: dict[str, Any] = {}
        _convert_fields(self.fields, get, values)
        try:
            if self.use_init:
                return self.model(**values)
            instance: Any = object.__new__(self.model)
            for name, value in values.items():
                object.__setattr__(instance, name, value)
            return instance
        except (ValueError, TypeError) as exc:
            raise _ElementError(
                'model', '', type_name=self.type_name, reason=f'{type(exc).__name__}: {exc}'
            ) from exc


def _build_one(plan: _Plan, item: Any, side: Side, *, top: bool) -> Any:
    get = _getter_for(item)
    if get is None:
        what = 'Input' if side == 'input' else 'Output'
        reason = f'{what} must be a dict or a list of dicts, got {type(item).__name__}'
        if top and side == 'input' and isinstance(item, str | bytes):
            reason += ' (a JSON or CSV string needs data_format=json or csv)'
        raise _ElementError('shape', '', reason=reason)
    return plan.build(get)


def _build(plan: _Plan, data: Any, side: Side) -> Any:
    """Build from a dict, a list of dicts, a dataclass instance, or nothing ('' / None)."""
    if isinstance(data, dict):
        return plan.build(data.get)
    if data is None or (isinstance(data, str) and not data):
        return plan.build(_EMPTY.get)
    if isinstance(data, list | tuple):
        result = []
        for index, item in enumerate(data):
            try:
                result.append(_build_one(plan, item, side, top=False))
            except _ElementError as exc:
                exc.index = index
                raise
        return result
    if isinstance(plan, _ModelPlan) and isinstance(data, plan.model):
        return data
    return _build_one(plan, data, side, top=True)


# ---------------------------------------------------------------------------
# The spec


class SimpleIOSpec:
    """A service's compiled SimpleIO declaration."""

    __slots__ = ('_input', '_output', 'input_model', 'output_model', 'response_elem')

    def __init__(
        self,
        input_plan: _Plan | None,
        output_plan: _Plan | None,
        response_elem: str | None,
        input_model: type | None = None,
        output_model: type | None = None,
    ) -> None:
        self._input = input_plan
        self._output = output_plan
        self.response_elem: str | None = response_elem
        self.input_model = input_model
        self.output_model = output_model

    @classmethod
    def for_service(cls, service_class: type, service_name: str) -> SimpleIOSpec | None:
        """Parse ``service_class.SimpleIO`` once, at deploy time; None without one.

        Raises ``DeployError`` naming the service for a bad declaration.
        """
        sio = getattr(service_class, 'SimpleIO', None)
        if sio is None:
            return None
        return _Compiler(sio, service_name).compile()

    @property
    def has_input(self) -> bool:
        """Whether any input element (or an input model) is declared."""
        return self._input is not None

    @property
    def has_output(self) -> bool:
        """Whether any output element (or an output model) is declared."""
        return self._output is not None

    def parse_input(self, payload: Any, *, service: str, cid: str) -> Any:
        """Return ``self.request.input`` for an already-parsed payload.

        A ``Bunch`` with every declared element converted (an absent optional
        element gets its default, None unless declared), or an instance of the
        input model; a list of them for a list payload. Undeclared keys are
        ignored. Raises ``ValidationError`` (``Element missing: <name>``, or a
        message naming element, type and value) with service, element and CID.
        """
        plan = self._input
        if plan is None:
            return Bunch()
        try:
            return _build(plan, payload, 'input')
        except _ElementError as exc:
            raise exc.to_validation_error('input', service, cid) from exc.__cause__

    def build_output(self, raw: Any, *, service: str, cid: str) -> Any:
        """Return the validated output: a dict, or a list of dicts, never wrapped.

        ``raw`` is what the handler left in ``self.response.payload``: a Bunch,
        a dict, a list of dicts, a dataclass instance. Only declared elements are
        kept; an absent optional element is left out unless it has a default.
        Without declared output, ``raw`` is returned as it is.
        """
        plan = self._output
        if plan is None:
            return raw
        try:
            return _build(plan, raw, 'output')
        except _ElementError as exc:
            raise exc.to_validation_error('output', service, cid) from exc.__cause__

    def describe(self) -> dict[str, Any]:
        """Return the declaration's element names and response element, for listings."""
        inp, out = self._input, self._output
        return {
            'input_required': inp.names(True) if inp else (),
            'input_optional': inp.names(False) if inp else (),
            'output_required': out.names(True) if out else (),
            'output_optional': out.names(False) if out else (),
            'response_elem': self.response_elem,
        }

    def __repr__(self) -> str:
        info = self.describe()
        return (
            f'<SimpleIOSpec input={info["input_required"]}+{info["input_optional"]} '
            f'output={info["output_required"]}+{info["output_optional"]} '
            f'response_elem={self.response_elem!r}>'
        )


# ---------------------------------------------------------------------------
# Deploy-time compilation

_HINT_CONVERTERS: Final[dict[Any, tuple[Converter, str]]] = {
    int: (to_int, 'Int'),
    float: (to_float, 'Float'),
    bool: (to_bool, 'Bool'),
    str: (to_text, 'Text'),
    decimal.Decimal: (to_decimal, 'Decimal'),
    dt.date: (to_date, 'Date'),
    dt.datetime: (to_datetime, 'DateTime'),
    uuid.UUID: (to_uuid, 'UUID'),
    typing.Any: (as_is, 'AsIs'),
    object: (as_is, 'AsIs'),
    list: (to_list, 'List'),
    dict: (to_dict, 'Dict'),
}


class _Compiler:
    """Turns one SimpleIO class into a ``SimpleIOSpec``."""

    def __init__(self, sio: Any, service_name: str) -> None:
        self.sio = sio
        self.service_name = service_name
        # Plans of dataclass models being compiled, so recursive models terminate.
        self.model_plans: dict[tuple[type, Side], _Plan] = {}

    def error(self, message: str) -> DeployError:
        return DeployError(f'Service {self.service_name!r}: bad SimpleIO declaration: {message}')

    def compile(self) -> SimpleIOSpec:
        if not isinstance(self.sio, type):
            raise self.error(f'SimpleIO must be a class, got {type(self.sio).__name__}')
        self.check_attrs()
        input_plan, input_model = self.compile_side('input')
        output_plan, output_model = self.compile_side('output')
        return SimpleIOSpec(
            input_plan, output_plan, self.response_elem(), input_model, output_model
        )

    def check_attrs(self) -> None:
        for attr in dir(self.sio):
            if attr.startswith('_') or attr in _KNOWN_ATTRS or attr in _IGNORED_ZATO_ATTRS:
                continue
            if attr.startswith(_IGNORED_ZATO_PREFIXES):
                continue
            close = difflib.get_close_matches(attr, sorted(_KNOWN_ATTRS), n=1)
            hint = f'; did you mean {close[0]!r}?' if close else ''
            raise self.error(f'unknown attribute {attr!r}{hint}')

    def response_elem(self) -> str | None:
        value = getattr(self.sio, 'response_elem', None)
        if value is None or value == '':
            return None
        if not isinstance(value, str):
            raise self.error(f'response_elem must be a str or None, got {value!r}')
        return value

    def side_default(self, side: Side) -> tuple[Any, Callable[[], Any] | None]:
        """The default for optional elements declared without one (Zato's default_value)."""
        for attr in (f'default_{side}_value', 'default_value'):
            if hasattr(self.sio, attr):
                value = getattr(self.sio, attr)
                if side == 'input':
                    value = as_is(value)
                return value, default_factory(value)
        return (None if side == 'input' else OMIT), None

    # -- one side -----------------------------------------------------------

    def compile_side(self, side: Side) -> tuple[_Plan | None, type | None]:
        plain = getattr(self.sio, side, None)
        required = getattr(self.sio, f'{side}_required', None)
        optional = getattr(self.sio, f'{side}_optional', None)
        if plain and (required or optional):
            both = f'{side}_required' if required else f'{side}_optional'
            raise self.error(
                f'both {side!r} and {both!r} are declared; use one form for the {side}'
            )
        if isinstance(plain, type):
            if not dataclasses.is_dataclass(plain):
                raise self.error(
                    f'{side} = {plain.__name__}: a model must be a dataclass '
                    '(decorate it with @dataclasses.dataclass)'
                )
            return self.model_plan(plain, side), plain
        for name, value in ((f'{side}_required', required), (f'{side}_optional', optional)):
            if isinstance(value, type):
                raise self.error(f'a dataclass model goes in {side!r}, not in {name!r}')

        elems: list[tuple[Elem, bool]] = []
        if plain:
            for item in self.items(plain, side):
                elem = self.to_elem(item, side)
                elems.append((elem, elem.required))
        else:
            for item in self.items(required, f'{side}_required'):
                elem = self.to_elem(item, f'{side}_required')
                if not elem.required:
                    raise self.error(
                        f'{elem.name!r} is marked optional with "-" in {side}_required'
                    )
                elems.append((elem, True))
            for item in self.items(optional, f'{side}_optional'):
                elems.append((self.to_elem(item, f'{side}_optional'), False))
        if not elems:
            return None, None
        elems = self.drop_duplicates(elems, side)

        container: type[dict[str, Any]] = Bunch if side == 'input' else dict
        plan = _MappingPlan('dict', container)
        plan.fields = self.elem_fields(elems, side, container)
        return plan, None

    def items(self, value: Any, where: str) -> list[Any]:
        if value is None or value in ('', ()):
            return []
        if isinstance(value, str | Elem):
            return [value]
        if isinstance(value, list | tuple):
            return list(value)
        raise self.error(
            f'{where} must be a name, an element or a tuple of them, got {_short_repr(value)}'
        )

    def to_elem(self, item: Any, where: str) -> Elem:
        if isinstance(item, Elem):
            return item
        if isinstance(item, str):
            bare = item[1:] if item.startswith('-') else item
            try:
                return type_for_name(bare)(item)
            except ValueError as exc:
                raise self.error(f'in {where}: {exc}') from None
        if isinstance(item, type):
            raise self.error(f'in {where}: a dataclass model must be the whole {where}, alone')
        raise self.error(f'in {where}: {_short_repr(item)} is neither a name nor an element')

    def drop_duplicates(
        self, elems: list[tuple[Elem, bool]], side: Side
    ) -> list[tuple[Elem, bool]]:
        """Reject a name declared twice, except Zato's override by a subclass.

        A SimpleIO subclass may make an optional element of its base required:
        when ``{side}_required`` and ``{side}_optional`` come from different
        classes, the required declaration wins, as in Zato.
        """
        first: dict[str, bool] = {}
        result: list[tuple[Elem, bool]] = []
        overridable = self.defined_in(f'{side}_required') is not self.defined_in(f'{side}_optional')
        for elem, required in elems:
            if elem.name in first:
                if overridable and first[elem.name] and not required:
                    continue
                raise self.error(f'element {elem.name!r} is declared twice in the {side}')
            first[elem.name] = required
            result.append((elem, required))
        return result

    def defined_in(self, attr: str) -> type | None:
        for klass in self.sio.__mro__:
            if attr in vars(klass):
                return klass  # type: ignore[no-any-return]
        return None

    # -- elements -----------------------------------------------------------

    def elem_fields(
        self, elems: list[tuple[Elem, bool]], side: Side, container: type[dict[str, Any]]
    ) -> tuple[_Field, ...]:
        side_default, side_factory = self.side_default(side)
        fields: list[_Field] = []
        for elem, required in elems:
            convert = self.elem_converter(elem, side, container)
            if elem.default is NO_DEFAULT:
                default, factory = (OMIT, None) if required else (side_default, side_factory)
            else:
                if required:
                    raise self.error(
                        f'{elem!r} is required; a default applies to optional elements only'
                    )
                default = elem.default
                if default is not None:
                    try:
                        default = convert(default)
                    except (ValueError, TypeError, ArithmeticError, _ElementError) as exc:
                        raise self.error(f'invalid default for {elem!r}: {exc}') from None
                factory = default_factory(default)
            fields.append((elem.name, required, default, factory, convert, elem.type_name))
        return tuple(fields)

    def elem_converter(self, elem: Elem, side: Side, container: type[dict[str, Any]]) -> Converter:
        if not isinstance(elem, Dict) or not elem.keys:
            return elem.converter()
        keys = [(key, key.required) for key in elem.keys]
        keys = self.drop_duplicates_in_dict(elem, keys)
        plan = _MappingPlan(elem.type_name, container)
        plan.fields = self.elem_fields(keys, side, container)
        return _mapping_converter(plan)

    def drop_duplicates_in_dict(
        self, elem: Dict, keys: list[tuple[Elem, bool]]
    ) -> list[tuple[Elem, bool]]:
        seen: set[str] = set()
        for key, _ in keys:
            if key.name in seen:
                raise self.error(f'key {key.name!r} is declared twice in {elem.name!r}')
            seen.add(key.name)
        return keys

    # -- dataclass models ---------------------------------------------------

    def model_plan(self, model: type, side: Side) -> _Plan:
        cached = self.model_plans.get((model, side))
        if cached is not None:
            return cached
        plan: _Plan
        if side == 'input':
            use_init = bool(model.__dataclass_params__.init)  # type: ignore[attr-defined]
            plan = _ModelPlan(model, use_init)
        else:
            use_init = False
            plan = _MappingPlan(model.__name__, dict)
        self.model_plans[(model, side)] = plan
        try:
            hints = typing.get_type_hints(model)
        except (NameError, TypeError, AttributeError, SyntaxError) as exc:
            raise self.error(
                f'cannot resolve the type hints of {model.__name__}: {type(exc).__name__}: {exc}'
            ) from None
        fields: list[_Field] = []
        for field in dataclasses.fields(model):
            if side == 'input' and use_init and not field.init:
                continue
            hint = hints.get(field.name, typing.Any)
            convert, type_name, nullable = self.hint_converter(hint, side, model, field.name)
            has_default = (
                field.default is not dataclasses.MISSING
                or field.default_factory is not dataclasses.MISSING
            )
            factory: Callable[[], Any] | None = None
            if has_default:
                required = False
                if side == 'input' and use_init:
                    default: Any = OMIT  # the dataclass fills in its own default
                elif field.default_factory is not dataclasses.MISSING:
                    default, factory = None, field.default_factory
                else:
                    default = field.default
                    factory = default_factory(default)
            elif nullable:
                required, default = False, None
            else:
                required, default = True, OMIT
            fields.append((field.name, required, default, factory, convert, type_name))
        plan.fields = tuple(fields)
        return plan

    def hint_converter(
        self, hint: Any, side: Side, model: type, field: str
    ) -> tuple[Converter, str, bool]:
        """Return (converter, type name, whether None is allowed) for a type hint."""
        origin = typing.get_origin(hint)
        args = typing.get_args(hint)
        found: tuple[Converter, str] | None
        if origin is typing.Annotated:
            return self.hint_converter(args[0], side, model, field)
        if origin is typing.Union or origin is types.UnionType:
            members = [arg for arg in args if arg is not type(None)]
            if len(members) == 1:
                convert, type_name, _ = self.hint_converter(members[0], side, model, field)
                return convert, type_name, len(members) < len(args)
            found = None
        elif origin is list or origin is dict:
            found = self.container_hint(origin, args, side, model, field)
        elif origin is None:
            found = self.plain_hint(hint, side)
        else:
            found = None
        if found is None:
            raise self.error(
                f'{model.__name__}.{field}: unsupported type {hint!r} (use int, float, bool, '
                'str, Decimal, date, datetime, UUID, list, dict, an Enum, a dataclass, '
                'Optional of one of these, or Any)'
            )
        return found[0], found[1], False

    def container_hint(
        self, origin: Any, args: tuple[Any, ...], side: Side, model: type, field: str
    ) -> tuple[Converter, str]:
        """Converter for ``list[X]`` and ``dict[K, V]``, converting items and values."""
        if origin is list:
            if not args:
                return to_list, 'List'
            item_convert, item_type, _ = self.hint_converter(args[0], side, model, field)
            return _list_converter(item_convert, item_type), 'List'
        if not args:
            return to_dict, 'Dict'
        value_convert, value_type, _ = self.hint_converter(args[1], side, model, field)
        container: type[dict[str, Any]] = Bunch if side == 'input' else dict
        return _dict_converter(value_convert, value_type, container), 'Dict'

    def plain_hint(self, hint: Any, side: Side) -> tuple[Converter, str] | None:
        """Converter for a plain class: a scalar, a nested dataclass or an Enum."""
        simple = _HINT_CONVERTERS.get(hint)
        if simple is not None:
            return simple
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            nested = self.model_plan(hint, side)
            return _model_converter(nested, hint, side), hint.__name__
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            return _enum_converter(hint), hint.__name__
        return None


# ---------------------------------------------------------------------------
# Converters built at deploy time for nested structures


def _mapping_converter(plan: _Plan) -> Converter:
    def convert(value: Any) -> Any:
        get = _getter_for(value)
        if get is None:
            raise ConversionError(f'is a {type(value).__name__}, not a dict')
        return plan.build(get)

    return convert


def _model_converter(plan: _Plan, model: type, side: Side) -> Converter:
    def convert(value: Any) -> Any:
        if side == 'input' and isinstance(value, model):
            return value
        get = _getter_for(value)
        if get is None:
            raise ConversionError(f'is a {type(value).__name__}, not a dict')
        return plan.build(get)

    return convert


def _list_converter(item_convert: Converter, item_type: str) -> Converter:
    def convert(value: Any) -> list[Any]:
        items = value if isinstance(value, list | tuple) else [value]
        result: list[Any] = []
        for index, item in enumerate(items):
            if item is None:
                result.append(None)
                continue
            try:
                result.append(item_convert(item))
            except _ElementError as exc:
                exc.prepend(f'[{index}]')
                raise
            except (ValueError, TypeError, ArithmeticError) as exc:
                raise _invalid(f'[{index}]', item_type, item, exc) from exc
        return result

    return convert


def _dict_converter(
    value_convert: Converter, value_type: str, container: type[dict[str, Any]]
) -> Converter:
    def convert(value: Any) -> dict[str, Any]:
        if not isinstance(value, Mapping):
            raise ConversionError(f'is a {type(value).__name__}, not a dict')
        result: dict[str, Any] = dict.__new__(container)
        for key, item in value.items():
            converted = item
            if item is not None:
                try:
                    converted = value_convert(item)
                except _ElementError as exc:
                    exc.prepend(str(key))
                    raise
                except (ValueError, TypeError, ArithmeticError) as exc:
                    raise _invalid(str(key), value_type, item, exc) from exc
            _setitem(result, key, converted)
        return result

    return convert


def _enum_converter(enum_type: type[enum.Enum]) -> Converter:
    def convert(value: Any) -> enum.Enum:
        if isinstance(value, enum_type):
            return value
        return enum_type(value)

    return convert
