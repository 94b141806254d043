"""A customer's first steps, through the Python client generated from openapi.yaml.

    python smoke.py BASE_URL SERVER_LOG

Registers a customer, confirms the email address with the link the service wrote to its log
(SERVER_LOG; without SMTP_URL account emails go there), signs in, reads the account, lists the
categories, asks for work, reads the request back, lists the customer's requests, and checks
that two invalid requests are refused with a problem document whose `code` is an `ErrorCode`.
Every call goes through the generated client (`porchlight_api_client`, installed by
scripts/clients-smoke). Prints a line per step; exits 1 at the first mismatch.
"""

import re
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone

from porchlight_api_client import AuthenticatedClient, Client
from porchlight_api_client.api.account import confirm_email, me
from porchlight_api_client.api.auth import login, register
from porchlight_api_client.api.partners import list_categories
from porchlight_api_client.api.places import search_places
from porchlight_api_client.api.requests import create_request, get_request, list_requests
from porchlight_api_client.models import (
    AddressInput,
    EmailVerificationConfirm,
    ErrorCode,
    LoginRequest,
    PageCategory,
    PagePlace,
    PageServiceRequest,
    ProblemDetails,
    RegisterRequest,
    ServiceRequest,
    ServiceRequestInput,
    SignupRole,
    TimeWindow,
    TokenResponse,
    User,
)
from porchlight_api_client.types import Response

PASSWORD = "smoke test password"


class Mismatch(Exception):
    pass


def check(condition: bool, what: str) -> None:
    if not condition:
        raise Mismatch(what)


def expect(response: Response, status: int, model: type, step: str):
    """The parsed body of `response`, which must have `status` and be a `model`."""
    if response.status_code != status or not isinstance(response.parsed, model):
        raise Mismatch(
            f"{step}: expected {status} {model.__name__}, got {int(response.status_code)}: "
            f"{response.content[:500].decode(errors='replace')}"
        )
    return response.parsed


def verification_token(log_path: str, email: str) -> str:
    """The token of the confirmation link the service logged for `email`."""
    pattern = re.compile(r"verify-email\?token=(plv_[A-Za-z0-9_-]+)")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with open(log_path, encoding="utf-8", errors="replace") as log:
            for line in log:
                found = pattern.search(line)
                if email in line and found:
                    return found.group(1)
        time.sleep(0.1)
    raise Mismatch(f"no confirmation link for {email} in {log_path}")


def refused(response: Response, step: str, field: str) -> ProblemDetails:
    """`response` must be a 422 problem document naming `field`, with a documented code."""
    problem = expect(response, 422, ProblemDetails, step)
    content_type = response.headers.get("content-type", "")
    check(content_type.startswith("application/problem+json"), f"{step}: content type {content_type}")
    check(problem.code in set(ErrorCode), f"{step}: undocumented code {problem.code}")
    check(problem.code == ErrorCode.VALIDATION_FAILED, f"{step}: code {problem.code}")
    check(problem.status == 422, f"{step}: status {problem.status} in the body")
    errors = problem.errors.additional_properties if problem.errors else {}
    check(field in errors, f"{step}: errors name {sorted(errors)}, not {field}")
    return problem


def main(base_url: str, log_path: str) -> None:
    anonymous = Client(base_url=base_url, raise_on_unexpected_status=True)
    email = f"smoke-{uuid.uuid4().hex[:12]}@example.com"

    user = expect(
        register.sync_detailed(
            client=anonymous,
            body=RegisterRequest(email=email, password=PASSWORD, name="Smoke Customer", role=SignupRole.CUSTOMER),
        ),
        201,
        User,
        "register",
    )
    check(user.email == email and user.role == "customer", f"register: got {user.email} as {user.role}")
    print(f"register: customer {user.id}")

    token = verification_token(log_path, email)
    confirmed = expect(
        confirm_email.sync_detailed(client=anonymous, body=EmailVerificationConfirm(token=token)),
        200,
        User,
        "confirm email",
    )
    check(confirmed.email_verified is True, "confirm email: email_verified is not true")
    print("confirm email: verified")

    session = expect(
        login.sync_detailed(client=anonymous, body=LoginRequest(email=email, password=PASSWORD)),
        200,
        TokenResponse,
        "login",
    )
    check(session.token_type == "Bearer", f"login: token_type {session.token_type}")
    print(f"login: access token for {session.expires_in} s")

    customer = AuthenticatedClient(base_url=base_url, token=session.access_token, raise_on_unexpected_status=True)
    account = expect(me.sync_detailed(client=customer), 200, User, "me")
    check(account.id == user.id and account.email == email, f"me: got {account.id} {account.email}")
    print(f"me: {account.name} <{account.email}>")

    categories = expect(list_categories.sync_detailed(client=anonymous), 200, PageCategory, "categories")
    check(len(categories.items) > 0, "categories: the catalogue is empty")
    category = categories.items[0]
    print(f"categories: {len(categories.items)}, asking for {category.slug}")

    start = (datetime.now(timezone.utc) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    places = expect(search_places.sync_detailed(client=anonymous, q="M5H 2N2"), 200, PagePlace, "places")
    check(places.items[0].postal_code == "M5H", f"places: {places.items[0]}")
    print(f"places: {places.items[0].label}")
    # No coordinates: the API finds the address from its postal code.
    address = AddressInput(street="100 Queen St W", city="Toronto", postal_code="M5H 2N2", country="CA")
    body = ServiceRequestInput(
        category=category.slug,
        description="Smoke test: please ignore this request.",
        address=address,
        windows=[TimeWindow(start=start, end=start + timedelta(hours=3))],
        time_zone="America/Toronto",
    )
    created = expect(create_request.sync_detailed(client=customer, body=body), 201, ServiceRequest, "create request")
    check(created.category.slug == category.slug, f"create request: category {created.category.slug}")
    check(len(created.windows) == 1 and created.windows[0].start == start, "create request: windows differ")
    print(f"create request: {created.id} ({created.kind}, {created.status})")

    read = expect(get_request.sync_detailed(created.id, client=customer), 200, ServiceRequest, "get request")
    check(read.id == created.id and read.description == body.description, "get request: a different request")
    check(read.address.city == "Toronto", f"get request: city {read.address.city}")
    print(f"get request: {read.id} ({read.status})")

    page = expect(list_requests.sync_detailed(client=customer), 200, PageServiceRequest, "list requests")
    check([item.id for item in page.items] == [created.id], f"list requests: {[item.id for item in page.items]}")
    print(f"list requests: {len(page.items)} item")

    body.windows = []
    problem = refused(create_request.sync_detailed(client=customer, body=body), "no windows", "windows")
    print(f"no windows: {problem.status} {problem.code}")

    body.windows = [TimeWindow(start=start, end=start + timedelta(hours=3))]
    body.category = "no-such-category"
    problem = refused(create_request.sync_detailed(client=customer, body=body), "unknown category", "category")
    print(f"unknown category: {problem.status} {problem.code}")

    page = expect(list_requests.sync_detailed(client=customer), 200, PageServiceRequest, "list requests again")
    check(len(page.items) == 1, f"list requests again: {len(page.items)} items after two refusals")
    print("python client: all steps passed")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} BASE_URL SERVER_LOG")
    try:
        main(sys.argv[1].rstrip("/"), sys.argv[2])
    except Mismatch as mismatch:
        print(f"FAILED {mismatch}", file=sys.stderr)
        sys.exit(1)
