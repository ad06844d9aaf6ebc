import pytest
from django import forms

from competencyworks.widgets import QuickSelect

CHOICES = [
    ("", "Any author"),
    ("ana-lópez", "Ana López"),
    ("o-brien", 'Pat "P" O\'Brien & <Co>'),
    ("Years", [("2024", "2024"), ("2023", "2023")]),
]


def without_blank_lines(html):
    return "\n".join(line for line in html.splitlines() if line.strip())


def test_quick_select_writes_what_djangos_select_writes():
    for value in ["", "o-brien", "2023", "not-offered", None]:
        attrs = {"id": "id_author", "required": True, "data-x": "<1>"}
        django = forms.Select(attrs=attrs, choices=CHOICES).render("author", value)
        quick = QuickSelect(attrs=attrs, choices=CHOICES).render("author", value)
        assert quick == without_blank_lines(django), value


@pytest.mark.django_db
def test_a_filter_form_writes_its_selects_quickly(client):
    html = client.get("/blog/?year=2024").text
    assert '<select name="year" id="id_year">' in html
    assert '<option value="2024" selected>2024</option>' in html
