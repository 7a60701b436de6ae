"""``POST /api/preview``: the typed expression typeset, or where it stops parsing."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import sympy

from steepest.symbolic import parse

M = "{http://www.w3.org/1998/Math/MathML}"


def test_preview_is_mathml_with_the_text_it_reads(client) -> None:
    response = client.post("/api/preview", json={"expression": "x^2 sin x + e^(-x)/2"})
    assert response.status_code == 200
    answer = response.json()
    root = ET.fromstring(answer["mathml"])
    assert root.tag == f"{M}math" and root.get("display") == "block"
    assert root.get("alttext") == answer["text"]
    assert sympy.simplify(parse(answer["text"]) - parse("x^2 sin x + e^(-x)/2")) == 0
    assert root.find(f".//{M}mfrac") is not None and "*" not in "".join(root.itertext())
    assert answer["latex"].startswith("x^{2}")


def test_preview_of_text_that_does_not_parse_names_the_column(client) -> None:
    response = client.post("/api/preview", json={"expression": "x^2 + )"})
    assert response.status_code == 422
    answer = response.json()
    assert answer["column"] == 7 and answer["field"] == "expression"
    assert "Traceback" not in answer["error"]
    unknown = client.post("/api/preview", json={"expression": "sinx"}).json()
    assert "did you mean sin(x)" in unknown["error"] and unknown["column"] == 1


def test_preview_checks_its_body(client) -> None:
    assert client.post("/api/preview", json={"expression": ""}).status_code == 422
    extra = client.post("/api/preview", json={"expression": "x", "wrt": "x"})
    assert extra.status_code == 400 and extra.json()["field"] == "wrt"
    assert client.post("/api/preview", json={}).status_code == 422
