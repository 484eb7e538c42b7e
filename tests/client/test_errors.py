"""Every error body shape either API version sends maps to one hierarchy."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from affinity_client import (
    AffinityError,
    AuthenticationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
)
from affinity_client.errors import error_from_response, parse_error_body

SHAPES = [
    (
        {"errors": [{"code": "validation", "message": "limit too big", "param": "limit"}]},
        "limit too big",
        "limit",
    ),
    ({"errors": [{"code": "not-found", "message": "Not found"}]}, "Not found", None),
    ({"message": "Invalid page_token variable"}, "Invalid page_token variable", None),
    ({"error": "Not found"}, "Not found", None),
    ({"error": {"message": "nested"}}, "nested", None),
    ({"errors": ["first", "second"]}, "first; second", None),
    (["There exists a contact with this email"], "There exists a contact with this email", None),
    ([{"message": "in a list", "param": "name"}], "in a list", "name"),
    ({"description": "n8n style"}, "n8n style", None),
]


@pytest.mark.parametrize(("body", "message", "param"), SHAPES)
def test_json_error_shapes(body, message, param):
    assert parse_error_body(httpx.Response(422, json=body))[:2] == (message, param)


def test_plain_text_and_html_bodies():
    assert parse_error_body(httpx.Response(500, text="Internal oops"))[0] == "Internal oops"
    assert parse_error_body(httpx.Response(502, text="<html>bad gateway</html>"))[0] is None
    assert parse_error_body(httpx.Response(500, text=""))[0] is None


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, InvalidRequestError),
        (401, AuthenticationError),
        (403, PermissionDeniedError),
        (404, NotFoundError),
        (422, InvalidRequestError),
        (429, RateLimitedError),
    ],
)
def test_status_maps_to_class_with_common_attributes(status, cls):
    response = httpx.Response(status, json={"message": "m"}, headers={"x-request-id": "r1"})
    error = error_from_response(response, api_version="v1", resource="list 5")
    assert type(error) is cls and isinstance(error, AffinityError)
    assert (error.status, error.api_version, error.request_id) == (status, "v1", "r1")


def test_invalid_request_names_the_param_and_not_found_the_resource():
    body = {"errors": [{"code": "validation", "message": "bad", "param": "limit"}]}
    error = error_from_response(httpx.Response(400, json=body), api_version="v2")
    assert error.param == "limit" and str(error) == "bad"
    missing = error_from_response(
        httpx.Response(404, json={"error": "Not found"}), api_version="v1", resource="person 9"
    )
    assert missing.resource == "person 9" and "Person 9" in str(missing)


def test_messages_are_one_line_and_bounded():
    body = {"message": "line one\nline two " + "x" * 1000}
    error = error_from_response(httpx.Response(422, json=body), api_version="v1")
    assert "\n" not in str(error) and len(str(error)) <= 300


def test_messages_say_what_to_do():
    auth = error_from_response(
        httpx.Response(401, json={"message": "Unauthorized"}), api_version="v1"
    )
    assert "invalid or revoked" in str(auth)
    limited = error_from_response(
        httpx.Response(429, json={"message": "x"}), api_version="v2", retry_after=12.2
    )
    assert "13 s" in str(limited)
    denied = error_from_response(
        httpx.Response(403, json={"errors": [{"code": "authorization", "message": "No"}]}),
        api_version="v2",
        resource="list 208",
    )
    assert "list 208" in str(denied) and denied.resource == "list 208"


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(["errors", "error", "message", "param", "code", "description", "x"]),
            inner,
            max_size=4,
        )
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(body=json_values, status=st.sampled_from([400, 401, 403, 404, 422, 429, 500, 503]))
def test_any_json_error_body_gives_a_one_line_error(body, status):
    error = error_from_response(httpx.Response(status, json=body), api_version="v1")
    assert isinstance(error, AffinityError) and error.status == status
    assert str(error) and "\n" not in str(error) and len(str(error)) <= 300


def test_blank_affinity_message_falls_back_to_ours():
    error = error_from_response(httpx.Response(422, json={"message": "\x85 "}), api_version="v1")
    assert str(error) == InvalidRequestError.default_message
