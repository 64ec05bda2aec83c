"""Malformed input refused at the door. The API's JSON parser (accounts.api.parsers): JSON nested
10,000 levels deep is a 400, a body over DATA_UPLOAD_MAX_MEMORY_SIZE a 413 (or 400), bytes that
are not JSON in UTF-8 a 400, each with its message in Chinese — never a server error. A form body
or query string not in its charset (accounts.middleware.RequestEncodingMiddleware) is a 400, not
text stored with replacement characters. (The sweep over every operation is in
test_route_matrix.py, on the demo.)"""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

URL = "/api/needs/households/"
DEEP = 10_000


@pytest.fixture
def client(worker):
    client = Client(raise_request_exception=False)
    client.force_login(worker)
    return client


@pytest.mark.parametrize(
    "body",
    [b"[" * DEEP + b"]" * DEEP, b'{"a":' * DEEP + b"1" + b"}" * DEEP],
    ids=["arrays", "objects"],
)
def test_deeply_nested_json_is_a_bad_request(client, body):
    response = client.post(URL, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": "JSON 嵌套层数过多。"}


def test_a_body_over_the_upload_limit_is_too_large(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"address": "' + b"x" * 1000 + b'"}'
    response = client.post(URL, body, content_type="application/json")
    # 413 from the parser; 400 when a middleware read the body first (Django refuses it then).
    assert response.status_code in (400, 413)


@pytest.mark.parametrize(
    "body",
    [b'{"address": "\xff\xfe"}', '{"address": "café"}'.encode("latin-1"), b'{"address": '],
    ids=["invalid-utf8", "latin-1", "truncated"],
)
def test_a_body_that_is_not_json_in_utf8_is_a_bad_request(client, body):
    response = client.post(URL, body, content_type="application/json; charset=utf-8")
    assert response.status_code == 400
    assert response.json() == {"detail": "请求内容不是有效的 JSON。"}


def test_valid_json_still_reaches_the_serializer(client):
    response = client.post(URL, b'{"address": 1}', content_type="application/json")
    assert response.status_code == 400
    assert "detail" not in response.json()  # field errors, not a parse error


FORM = "application/x-www-form-urlencoded"


@pytest.mark.parametrize(
    "body",
    [b"address=caf%E9", b"address=caf\xe9", b"address=%FF%FE"],
    ids=["latin-1-escaped", "latin-1", "invalid-utf8"],
)
def test_a_form_body_not_in_utf8_is_a_bad_request_on_a_page_and_in_the_api(client, body):
    page = client.generic("POST", "/needs/households/new/", body, FORM)
    assert page.status_code == 400
    api = client.generic("POST", URL, body, FORM)
    assert api.status_code == 400
    assert api.json() == {"detail": "请求内容不是其所声明编码的有效文本。"}


def test_a_query_string_not_in_utf8_is_a_bad_request(client):
    assert client.get("/needs/households/?q=%E9").status_code == 400
    assert client.get(f"{URL}?q=%FF").status_code == 400
    assert client.get("/needs/households/?q=%E6%9D%8E").status_code == 200  # 李
