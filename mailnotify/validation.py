"""Request validation that reports every failing field at once, in the contract's terms.

Connexion's own validators stop at the first error and rebuild their jsonschema
validators on every request; these collect all errors and compile each schema once.
"""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import jsonschema_rs
from connexion.datastructures import MediaTypeDict
from connexion.json_schema import Draft4RequestValidator, resolve_refs
from connexion.validators import AbstractRequestBodyValidator, ParameterValidator
from jsonschema import FormatChecker, validators
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from starlette.types import Receive, Scope

from mailnotify.addresses import AddressPolicy
from mailnotify.batch_reader import BatchReader
from mailnotify.destinations import InvalidDestination, check_email, check_webhook_url
from mailnotify.errors import MAX_LISTED, ApiError, FieldError, validation_failed
from mailnotify.intake import parse_timestamp
from mailnotify.json_body import body_error, join_path
from mailnotify.parsed_body import keep
from mailnotify.pending_errors import pending
from mailnotify.schema_keywords import QUIET_KEYWORDS

_TYPE_NAMES = {
    "boolean": "a boolean",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "object": "an object",
    "array": "an array",
    "null": "null",
}
# One description per field; the most telling keyword wins.
_PRIORITY = {"type": 0, "additionalProperties": 1, "required": 1, "maxLength": 2, "format": 3}


class FormatProblem(ValueError):
    """A value does not have its declared format; the message is the field's description."""


# fromisoformat alone also takes ISO 8601 forms that RFC 3339 does not (weeks, no colons).
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:[Zz]|[+-]\d{2}:\d{2})\Z"
)


def _check_date_time(value: object) -> bool:
    if isinstance(value, str):
        if not _RFC3339.match(value):
            raise FormatProblem("must be an RFC 3339 date-time with an offset")
        try:
            parse_timestamp(value)
        except ValueError:
            raise FormatProblem("must be an RFC 3339 date-time with an offset") from None
    return True


def format_checker(policy: AddressPolicy) -> FormatChecker:
    """Formats with the server's own rules, whose messages become field descriptions."""
    checker = FormatChecker(formats=())

    def _uri(value: object) -> bool:
        if isinstance(value, str):
            check_webhook_url(value, policy)
        return True

    def _email(value: object) -> bool:
        if isinstance(value, str):
            check_email(value)
        return True

    checker.checks("uri", raises=InvalidDestination)(_uri)
    checker.checks("email", raises=InvalidDestination)(_email)
    checker.checks("date-time", raises=FormatProblem)(_check_date_time)
    return checker


def _path(parts: Iterable[object]) -> str:
    return ".".join(str(p) for p in parts)


def _describe(error: ValidationError) -> list[FieldError]:
    where = _path(error.absolute_path)
    kind = error.validator
    value: Any = error.validator_value
    instance: Any = error.instance
    schema: dict[str, Any] = error.schema if isinstance(error.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = set(schema.get("properties", {}))
        return [
            FieldError(join_path(where, str(name)), "is not a known field")
            for name in instance
            if name not in known
        ]
    if kind == "required" and isinstance(instance, dict):
        return [
            FieldError(join_path(where, str(n)), "is required") for n in value if n not in instance
        ]
    field = where or "body"
    if kind == "type":
        names = [value] if isinstance(value, str) else list(value)
        if schema.get("nullable"):
            names.append("null")
        return [FieldError(field, "must be " + " or ".join(_TYPE_NAMES.get(n, n) for n in names))]
    if kind == "format" and error.cause is not None:
        return [FieldError(field, str(error.cause))]
    described = {
        "maxLength": f"must be at most {value} characters",
        "minLength": f"must be at least {value} characters",
        "maximum": f"must be at most {value}",
        "minimum": f"must be at least {value}",
        "maxItems": f"must have at most {value} items",
        "minItems": f"must have at least {value} items",
        "enum": "must be one of: " + ", ".join(str(v) for v in value)
        if isinstance(value, list)
        else "is not valid",
    }
    return [FieldError(field, described.get(str(kind), "is not valid"))]


@dataclass(frozen=True, slots=True)
class _Overflow:
    """Where collecting stopped: the error past the cap and its fields not listed."""

    error: ValidationError
    unlisted: int


def collect_errors(
    validator: Validator, instance: Any, *, limit: int | None = None
) -> tuple[list[FieldError], _Overflow | None]:
    """Failing fields of ``instance``, one description each, in document order.

    With ``limit``, collecting stops at the first error that would list more fields.
    """
    best: dict[str, tuple[int, FieldError]] = {}
    for error in validator.iter_errors(instance):
        rank = _PRIORITY.get(str(error.validator), 4)
        found = _describe(error)
        new = [f for f in dict.fromkeys(f.field for f in found) if f not in best]
        if limit is not None and len(best) + len(new) > limit:
            room = limit - len(best)
            for item in found:
                if item.field in new[:room]:
                    best[item.field] = (rank, item)
            listed = [item for _, item in best.values()]
            return listed, _Overflow(error, len(new) - room)
        for item in found:
            held = best.get(item.field)
            if held is None or rank < held[0]:
                best[item.field] = (rank, item)
    return [item for _, item in best.values()], None


_RequestValidator = validators.extend(  # type: ignore[no-untyped-call]
    Draft4RequestValidator, QUIET_KEYWORDS
)


class CompiledSchema:
    """A schema compiled twice: a fast Rust check, and the collecting Python validator.

    The Rust validator only says yes or no, far faster on a large usage batch;
    the Python one, run only when the answer is no, says what failed. The Rust one knows
    no ``nullable``, so it is stricter, never laxer: a null sends the check to Python.
    """

    def __init__(self, schema: dict[str, Any], checker: FormatChecker) -> None:
        self._checker = checker
        self._slow: Validator = _RequestValidator(schema, format_checker=checker)
        self._formats = {name: _conforms(checker, name) for name in checker.checkers}
        self._items: dict[int, Callable[[Any], bool]] = {}
        self._fast: Any = None
        try:
            self._fast = jsonschema_rs.Draft4Validator(
                schema, formats=self._formats, validate_formats=True
            )
        except (ValueError, TypeError):  # a schema it cannot compile: Python alone
            self._fast = None

    def errors(self, instance: Any) -> list[FieldError]:
        """The failing fields of ``instance`` (the first ``MAX_LISTED``, then how many
        more); empty when it is valid."""
        if self._fast is not None and self._fast.is_valid(instance):
            return []
        listed, overflow = collect_errors(self._slow, instance, limit=MAX_LISTED)
        if overflow is not None:
            listed.append(self._more(instance, overflow))
        return listed

    def _more(self, instance: Any, overflow: _Overflow) -> FieldError:
        # Listing every failure of a huge body would cost seconds (the Python validator
        # takes about as long per item as the request's whole budget); the fast check
        # says yes or no per item of the array being walked, which is cheap to count.
        found = _array_being_walked(self._slow.schema, instance, overflow.error)
        if found is None:
            more = overflow.unlisted
            return FieldError("body", f"has at least {more} more failing fields, not listed")
        where, items, index, item_schema = found
        check = self._item_checker(item_schema)
        # The item where collecting stopped has failures not listed, so it counts too.
        failing = 1 + sum(1 for item in items[index + 1 :] if not check(item))
        return FieldError(where or "body", f"has {failing} more failing items, not listed")

    def _item_checker(self, schema: dict[str, Any]) -> Callable[[Any], bool]:
        key = id(schema)
        if key not in self._items:
            try:
                fast = jsonschema_rs.Draft4Validator(
                    schema, formats=self._formats, validate_formats=True
                )
                self._items[key] = fast.is_valid
            except (ValueError, TypeError):
                slow = _RequestValidator(schema, format_checker=self._checker)
                self._items[key] = slow.is_valid
        return self._items[key]


def _array_being_walked(
    schema: Any, instance: Any, error: ValidationError
) -> tuple[str, list[Any], int, dict[str, Any]] | None:
    """The innermost array (its path, items, the failing index, the item schema) that
    ``error`` lies in, following the schema through ``properties`` and ``items``."""
    found = None
    keywords = list(error.absolute_schema_path)
    places = list(error.absolute_path)
    here: list[object] = []
    node, value = schema, instance
    while keywords:
        keyword = keywords.pop(0)
        if keyword == "properties" and keywords and places and isinstance(node, dict):
            name = keywords.pop(0)
            if places[0] != name or not isinstance(value, dict):
                break
            node, value = node["properties"][name], value[places.pop(0)]
            here.append(name)
        elif keyword == "items" and places and isinstance(node, dict) and isinstance(value, list):
            index = places.pop(0)
            if not isinstance(index, int) or not isinstance(node["items"], dict):
                break
            found = (_path(here), value, index, node["items"])
            node, value = node["items"], value[index]
            here.append(index)
        else:
            break
    return found


def component_schema(spec: Mapping[str, Any], name: str, checker: FormatChecker) -> CompiledSchema:
    """The compiled ``#/components/schemas/<name>`` of an OpenAPI document."""
    resolved = resolve_refs(copy.deepcopy(dict(spec)))
    return compile_schema(resolved["components"]["schemas"][name], checker)


def _conforms(checker: FormatChecker, name: str) -> Callable[[Any], bool]:
    # FormatChecker.conforms costs microseconds per call in bookkeeping; the Rust
    # validator calls this for every formatted value of a batch, so call the check itself.
    function, raises = checker.checkers[name]

    def check(value: Any) -> bool:
        try:
            return bool(function(value))
        except raises:
            return False

    return check


def compile_schema(schema: dict[str, Any], checker: FormatChecker) -> CompiledSchema:
    """A compiled OpenAPI 3.0 schema (``nullable`` included)."""
    return CompiledSchema(schema, checker)


# Bodies larger than this are parsed and validated off the event loop.
INLINE_BODY = 64 * 2**10


def _body_error(description: str, scope: Scope) -> ApiError:
    # A body that cannot be read ends the checks, with what the parameters found.
    return validation_failed([*pending(scope), *body_error(description).errors])


async def _read_body(receive: Receive, scope: Scope) -> BatchReader:
    """The body read while it arrives, refused as soon as it is over a bound."""
    reader = BatchReader()
    more_body = True
    try:
        while more_body:
            message = await receive()
            reader.feed(message.get("body", b""))
            more_body = message.get("more_body", False)
    except ApiError as error:
        raise _body_error(error.errors[0].description, scope) from None
    return reader


def body_validator_class(checker: FormatChecker) -> type[AbstractRequestBodyValidator]:
    """A JSON body validator class bound to the server's format rules."""
    compiled: dict[int, CompiledSchema] = {}
    # Large bodies are checked one at a time, on a thread: their cost is bounded, and
    # other requests (health probes included) go on meanwhile.
    threads = ThreadPoolExecutor(1, thread_name_prefix="mailnotify-validate")

    class CollectingJSONBodyValidator(AbstractRequestBodyValidator):  # type: ignore[misc]
        def __init__(self, *, schema: dict[str, Any], **kwargs: Any) -> None:
            super().__init__(schema=schema, **kwargs)
            key = id(schema)
            if key not in compiled:
                compiled[key] = compile_schema(schema, checker)
            self._compiled = compiled[key]

        async def wrap_receive(self, receive: Receive, *, scope: Scope) -> tuple[Receive, Scope]:
            reader = await _read_body(receive, scope)
            # The handler's body is the value kept below: the bytes are not read again.
            messages: list[MutableMapping[str, Any]] = [
                {"type": "http.request", "body": b"", "more_body": False}
            ]
            if not reader.size:
                if self._required:
                    raise _body_error("is required", scope)
                return self._insert_messages(receive, messages=messages), scope
            if not any(name == b"content-type" for name, _ in scope["headers"]):
                # Connexion would guess JSON and then hand the handler raw bytes.
                raise ApiError(415, (FieldError("body", "must be application/json"),))
            found = pending(scope)
            try:
                if reader.size > INLINE_BODY:
                    loop = asyncio.get_running_loop()
                    body, failed = await loop.run_in_executor(threads, self._check, reader)
                else:
                    body, failed = self._check(reader)
            except ApiError as error:
                raise validation_failed([*found, *error.errors]) from None
            found += failed
            keep(scope, body)
            return self._insert_messages(receive, messages=messages), scope

        def _check(self, reader: BatchReader) -> tuple[object, list[FieldError]]:
            body, errors = reader.finish()
            if not isinstance(body, dict):
                raise body_error("must be a JSON object")
            found = self._compiled.errors(body)
            if len(found) <= MAX_LISTED:
                # One description per field: the schema's, where it has one.
                named = {error.field for error in found}
                found += [error for error in errors if error.field not in named]
            return body, found

    return CollectingJSONBodyValidator


def parameter_validator_class(checker: FormatChecker) -> type[ParameterValidator]:
    """A parameter validator class that reports every failing parameter by name."""
    compiled: dict[int, CompiledSchema] = {}

    class CollectingParameterValidator(ParameterValidator):  # type: ignore[misc]
        def validate_request(self, request: Any) -> None:
            sources = {
                "path": lambda name: request.path_params.get(name.replace("-", "_")),
                "query": request.query_params.get,
                "header": request.headers.get,
            }
            errors: list[FieldError] = []
            for location, read in sources.items():
                for param in self.parameters.get(location, []):
                    name = param["name"]
                    value = read(name)
                    if value is None:
                        if param.get("required"):
                            errors.append(FieldError(name, "is required"))
                        continue
                    key = id(param)
                    if key not in compiled:
                        compiled[key] = compile_schema(param.get("schema", {}), checker)
                    for found in compiled[key].errors(value):
                        where = name if found.field == "body" else join_path(name, found.field)
                        errors.append(FieldError(where, found.description))
            # Kept for the body's check, so that one answer lists both.
            pending(request.scope).extend(errors)

    return CollectingParameterValidator


def validator_map(policy: AddressPolicy) -> dict[str, object]:
    """Connexion's ``validator_map`` with the collecting validators."""
    checker = format_checker(policy)
    body_class: Callable[..., object] = body_validator_class(checker)
    # A plain dict here would silently skip body validation: Connexion looks media
    # types up with MediaTypeDict's range matching.
    return {
        "body": MediaTypeDict({"*/*json": body_class}),
        "parameter": parameter_validator_class(checker),
    }
