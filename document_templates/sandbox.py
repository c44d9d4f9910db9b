"""The sandbox forms are filled in: Jinja's immutable sandbox (no underscore attributes, no unsafe calls, no
changing lists or dicts) with limits a template cannot get past, so an administrator's layout can neither hang a
worker nor fill its memory.

Every rendering runs within `budget()`: loop items, calls, filters and operators each take a step (at most
MAX_STEPS, and MAX_SECONDS in all); a string or list the template builds holds at most MAX_VALUE items, checked
before an operation that could outgrow it (`*`, `**`, `join`, `replace`, widths in formats...) and after the rest
(`+`, `~`); `range` gives at most MAX_RANGE numbers; the output is at most MAX_OUTPUT characters. Going past a
limit raises RenderLimit, with a Russian message. An unsafe attribute is an error here, not an empty value, so
the check at upload (render.check_template) finds it.
"""

from __future__ import annotations

import functools
import re
import string
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, NoReturn

from docxtpl import Listing
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

MAX_STEPS = 200_000  # a form of a few hundred placeholders and tables of dozens of rows takes a few thousand
MAX_SECONDS = 5.0
MAX_RANGE = 10_000
MAX_VALUE = 5_000_000  # a long-text field is at most 100,000 characters
MAX_OUTPUT = 20_000_000  # characters of XML, all parts of the document together
MAX_BITS = 4_096  # of a whole number the template computes

_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")


class RenderLimit(SecurityError):
    """A template went past a limit of the sandbox; the message says which."""


@dataclass
class _Budget:
    seconds: float
    deadline: float
    steps: int = 0
    output: int = 0

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise RenderLimit(f"больше {MAX_STEPS} шагов (повторений циклов, вызовов, операций)")
        self.check_time()

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise RenderLimit(f"заполнение длится дольше {self.seconds:g} с")


_BUDGET: ContextVar[_Budget | None] = ContextVar("document_templates_budget", default=None)


@contextmanager
def budget() -> Iterator[None]:
    """The limits of one rendering (of every part of one document)."""
    token = _BUDGET.set(_Budget(seconds=MAX_SECONDS, deadline=time.monotonic() + MAX_SECONDS))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def _budget() -> _Budget:
    current = _BUDGET.get()
    if current is None:
        raise RuntimeError("templates are rendered within sandbox.budget()")
    return current


def _size(value: Any) -> int:
    """Of what a call works on: the length of a string or list (of a form value's text), 1 for the rest."""
    if isinstance(value, Listing):
        return len(value.xml)
    try:
        return len(value)
    except TypeError:
        return 1


def _magnitude(argument: Any) -> int:
    """How much an argument can multiply the result: a number (a width, a count) or a length."""
    if isinstance(argument, int) and not isinstance(argument, bool):
        return abs(argument)
    return _size(argument)


def _checked(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        if value.bit_length() > MAX_BITS:
            raise RenderLimit("слишком большое число")
    elif isinstance(value, str | list | tuple | dict | set | frozenset) and len(value) > MAX_VALUE:
        raise RenderLimit(f"значение длиннее {MAX_VALUE} символов или элементов")
    return value


def _refuse_growth(subject: Any, arguments: Iterable[Any]) -> None:
    """Refuse before it runs a call whose result could outgrow MAX_VALUE: its subject (the filtered value, the
    string whose method it is) times its largest argument (a width, a separator, a replacement, a count)."""
    factor = max((_magnitude(argument) for argument in arguments), default=1)
    if _size(subject) * max(factor, 1) > MAX_VALUE:
        raise RenderLimit(f"результат может превысить {MAX_VALUE} символов или элементов")


def _refuse_wide_format(template: str, arguments: Iterable[Any]) -> None:
    """Formatting (`%`, `format`) may print its arguments, but no width or precision above MAX_RANGE."""
    widths = [number for match in _PRINTF_SPEC.finditer(template) for number in match.groups() if number]
    try:
        for _, field, spec, _ in string.Formatter().parse(template):
            if field is not None and spec:
                widths.extend("*" if "{" in spec else digits for digits in re.findall(r"\d+", spec) or ["0"])
    except ValueError:
        pass  # not a str.format template: `%` formatting only
    if any(width == "*" or int(width) > MAX_RANGE for width in widths):
        raise RenderLimit(f"ширина или точность в формате больше {MAX_RANGE}")
    placeholders = template.count("%") + template.count("{")
    if len(template) + placeholders * max((_size(argument) for argument in arguments), default=0) > MAX_VALUE:
        raise RenderLimit(f"результат может превысить {MAX_VALUE} символов")


def _limited_range(*arguments: int) -> range:
    numbers = range(*arguments)
    if len(numbers) > MAX_RANGE:
        raise RenderLimit(f"range больше {MAX_RANGE} чисел")
    return numbers


def _guard_items(items: Iterable[Any]) -> Iterator[Any]:
    """What a `for` loop iterates over: a step for each item."""
    current = _budget()
    for item in items:
        current.step()
        yield item


def _guard_value(value: Any) -> Any:
    """The result of `~`."""
    _budget().step()
    return _checked(value)


def _guard_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    takes_state = hasattr(function, "jinja_pass_arg")  # context, eval context or environment comes first

    @functools.wraps(function)  # keeps jinja_pass_arg
    def guarded(*arguments: Any, **options: Any) -> Any:
        _budget().step()
        subject, *rest = arguments[1:] if takes_state else arguments
        if name == "format":
            _refuse_wide_format(str(subject), (*rest, *options.values()))
        else:
            _refuse_growth(subject, (*rest, *options.values()))
        return _checked(function(*arguments, **options))

    return guarded


class _Guards(NodeTransformer):
    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _call("guard_items", node.iter)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _call("guard_value", node)


def _call(name: str, argument: nodes.Node) -> nodes.Call:
    return nodes.Call(nodes.EnvironmentAttribute(name), [argument], [], None, None, lineno=argument.lineno)


class _GuardedCodeGenerator(CodeGenerator):
    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        super().visit_Template(_Guards().visit(node), frame)


class LimitedSandbox(ImmutableSandboxedEnvironment):
    code_generator_class = _GuardedCodeGenerator
    intercepted_binops = frozenset({"*", "**", "+", "%"})
    guard_items = staticmethod(_guard_items)
    guard_value = staticmethod(_guard_value)

    def __init__(self) -> None:
        super().__init__(autoescape=True)
        self.globals.pop("lipsum")  # makes text by the megabyte; no form needs it
        self.globals["range"] = _limited_range
        self.filters = {name: _guard_filter(name, function) for name, function in self.filters.items()}

    def unsafe_undefined(self, obj: Any, attribute: str) -> NoReturn:
        raise SecurityError(f"обращение к атрибуту «{attribute}» запрещено")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        _budget().step()
        numbers = all(isinstance(side, int) and not isinstance(side, bool) for side in (left, right))
        if operator == "**" and numbers and right > 0 and abs(left).bit_length() * right > MAX_BITS:
            raise RenderLimit("слишком большая степень")
        if operator == "*" and not numbers:  # "ab" * 3 or 3 * "ab"
            _refuse_growth(left, [right])
            _refuse_growth(right, [left])
        if operator == "%" and isinstance(left, str):
            _refuse_wide_format(left, right if isinstance(right, tuple) else [right])
        return _checked(super().call_binop(context, operator, left, right))

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _budget().step()
        method = getattr(__obj, "__wrapped__", __obj)  # the sandbox's wrapper of str.format
        subject = getattr(method, "__self__", None)
        if isinstance(subject, str) and getattr(method, "__name__", "") in ("format", "format_map"):
            _refuse_wide_format(subject, (*args, *kwargs.values()))
        elif subject is not None:
            _refuse_growth(subject, (*args, *kwargs.values()))
        return _checked(super().call(__context, __obj, *args, **kwargs))

    @staticmethod
    def concat(chunks: Iterable[str]) -> str:
        """Joins the output (a generator: the whole template) and what blocks and macros print (lists)."""
        if not isinstance(chunks, Generator):
            return str(_checked("".join(chunks)))
        current, parts = _budget(), []
        for chunk in chunks:
            current.output += len(chunk)
            try:
                if current.output > MAX_OUTPUT:
                    raise RenderLimit(f"документ длиннее {MAX_OUTPUT} символов")
                current.check_time()
            except RenderLimit as exc:
                chunks.throw(exc)  # raised in the template where it printed, so its line names the tag
            parts.append(chunk)
        return "".join(parts)
