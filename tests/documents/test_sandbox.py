"""The sandbox: hostile expressions are refused in both formats; filters format values for people."""

from __future__ import annotations

import datetime as dt

import pytest

from documents.errors import TemplateRenderError
from documents.rendering.docx import render_docx
from documents.rendering.pdf import render_pdf
from documents.rendering.sandbox import make_environment
from tests.documents.builders import docx_bytes

HOSTILE = [
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ namespace.__init__.__globals__['os'].popen('id').read() }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{{ lipsum.__globals__ }}",
    "{{ range.__self__ }}",
    "{{ project.__class__ }}",
    "{{ project.update({'name': 'x'}) }}",
    "{{ ().__class__.__base__.__subclasses__() }}",
    "{% set x = 'abc'.format.__self__ %}{{ x.__class__ }}",
]


@pytest.mark.parametrize("expression", HOSTILE)
def test_hostile_expression_is_refused_in_docx(expression):
    with pytest.raises(TemplateRenderError) as error:
        render_docx(docx_bytes(expression), {"project": {"name": "p"}})

    assert "uid=" not in str(error.value)


@pytest.mark.parametrize("expression", HOSTILE)
def test_hostile_expression_is_refused_in_pdf(expression):
    with pytest.raises(TemplateRenderError) as error:
        render_pdf(f"<p>{expression}</p>", "", {"project": {"name": "p"}})

    assert "uid=" not in str(error.value)


def test_refusal_message_says_what_is_not_allowed():
    with pytest.raises(TemplateRenderError, match=r"templates are not allowed to do.*__class__.*unsafe"):
        render_pdf("{{ ''.__class__ }}", "", {})


def test_huge_range_is_refused():
    with pytest.raises(TemplateRenderError, match=r"range\(\) of 1,000,000,000 items is more than the 10,000"):
        render_pdf("{% for a in range(10**9) %}{% endfor %}", "", {})


def test_huge_repetition_and_powers_are_refused():
    with pytest.raises(TemplateRenderError, match="Repeating text"):
        render_pdf("{{ 'x' * 10**9 }}", "", {})
    with pytest.raises(TemplateRenderError, match="power is too large"):
        render_pdf("{{ 10 ** (10 ** 10) }}", "", {})


def render(source: str, **context) -> str:
    return make_environment().from_string(source).render(context)


@pytest.mark.parametrize(
    ("source", "value", "expected"),
    [
        ("{{ v|date }}", "2025-01-02T10:00:00Z", "02 Jan 2025"),
        ("{{ v|date('%Y-%m-%d %H:%M') }}", dt.datetime(2025, 1, 2, 10, 5), "2025-01-02 10:05"),
        ("{{ v|date }}", None, ""),
        ("{{ v|date }}", "not a date", "not a date"),
        ("{{ v|money }}", 1234567.891, "1,234,567.89"),
        ("{{ v|money('€') }}", -5, "-€5.00"),
        ("{{ v|money('$') }}", None, ""),
        ("{{ v|hours }}", 2.25, "2.2h"),
        ("{{ v|hours }}", 3, "3.0h"),
        ("{{ v|percent }}", 0.256, "26%"),
        ("{{ v|percent(1) }}", 0.256, "25.6%"),
        ("{{ v|default('n/a') }}", None, "n/a"),
        ("{{ v|default('n/a') }}", "", "n/a"),
        ("{{ v|default('n/a') }}", "set", "set"),
        (
            "{{ v|plaintext }}",
            "<p>Hello&nbsp;<b>world</b> &amp; co</p><p>  second\tline </p><script>x</script>",
            "Hello world &amp; co\nsecond line",
        ),
    ],
)
def test_filters_format_values_for_people(source, value, expected):
    assert render(source, v=value) == expected


def test_default_filter_covers_undefined_names():
    assert render("{{ nothing|default('n/a') }}") == "n/a"


def test_autoescape_is_on():
    assert render("{{ v }}", v="<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
