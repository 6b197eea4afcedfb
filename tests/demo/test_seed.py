"""The demo backend (moto server) and the seeded ``acme-staff`` pool.

moto's state is process-global, so ``reset()`` on *any* server wipes the pool
seeded by the module fixture: the lifecycle tests that reset therefore come
last in this file (pytest runs a module's tests in file order).  The fixtures
are deliberately not named like the conftest ones (``backend``/``cognito``,
which reset moto before every test): the seeded pool must survive across tests.
"""

from __future__ import annotations

import os
import random
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.client import BaseClient

from gateway.demo import extensions
from gateway.demo.seed import (
    ACTIVITY_DAYS,
    GROUPS,
    PASSWORD_POLICY,
    RESOURCE_SERVER_ID,
    SAML_IDP_IDENTIFIERS,
    SeededPool,
    _plan_users,
    password_violations,
    seed_demo_pool,
)
from gateway.demo.server import DEMO_REGION, DemoBackend


@pytest.fixture(scope="module")
def demo_backend() -> Iterator[DemoBackend]:
    with DemoBackend() as demo:
        yield demo


@pytest.fixture(scope="module")
def demo_client(demo_backend: DemoBackend) -> BaseClient:
    return demo_backend.client()


@pytest.fixture(scope="module")
def pool(demo_client: BaseClient) -> SeededPool:
    return seed_demo_pool(demo_client)


@pytest.fixture(scope="module")
def users(demo_client: BaseClient, pool: SeededPool) -> list[dict[str, Any]]:
    """All users, fetched page by page the way the gateway will (Limit max 60)."""
    found: list[dict[str, Any]] = []
    pages = 0
    kwargs: dict[str, Any] = {"UserPoolId": pool.user_pool_id, "Limit": 60}
    while True:
        page = demo_client.list_users(**kwargs)
        pages += 1
        found.extend(page["Users"])
        if "PaginationToken" not in page:
            break
        kwargs["PaginationToken"] = page["PaginationToken"]
    assert pages >= 3
    return found


@pytest.fixture(scope="module")
def memberships(demo_client: BaseClient, pool: SeededPool) -> Counter[str]:
    """username -> number of groups the user is in."""
    counts: Counter[str] = Counter()
    for group in pool.group_names:
        members = demo_client.get_paginator("list_users_in_group").paginate(
            UserPoolId=pool.user_pool_id, GroupName=group
        )
        counts.update(user["Username"] for page in members for user in page["Users"])
    return counts


def _attrs(user: dict[str, Any]) -> dict[str, str]:
    return {attr["Name"]: attr["Value"] for attr in user["Attributes"]}


# -- the seeded pool -----------------------------------------------------------


def test_lists_at_least_150_users(pool: SeededPool, users: list[dict[str, Any]]) -> None:
    assert len(users) >= 150
    usernames = [user["Username"] for user in users]
    assert len(set(usernames)) == len(usernames)
    assert set(usernames) == set(pool.usernames)


def test_statuses(users: list[dict[str, Any]]) -> None:
    statuses = Counter(user["UserStatus"] for user in users)
    assert statuses["UNCONFIRMED"] >= 10
    assert statuses["FORCE_CHANGE_PASSWORD"] >= 1
    assert statuses["CONFIRMED"] > len(users) // 2
    assert sum(not user["Enabled"] for user in users) >= 10


def test_attributes_are_varied(users: list[dict[str, Any]]) -> None:
    attrs = [_attrs(user) for user in users]
    names = {a["name"] for a in attrs}
    assert any(not name.isascii() for name in names)
    assert any("'" in name for name in names)
    for a in attrs:
        assert re.fullmatch(r"[a-z0-9]+\.[a-z0-9]+", a["email"].split("@")[0])
        assert a["name"] == f"{a['given_name']} {a['family_name']}"
    phones = [a.get("phone_number") for a in attrs]
    assert all(re.fullmatch(r"\+1555\d{7}", p) for p in phones if p is not None)
    assert None in phones
    assert {a.get("email_verified") for a in attrs} >= {"true", "false"}
    assert {a.get("custom:department") for a in attrs} > {None}


def test_groups(demo_client: BaseClient, pool: SeededPool) -> None:
    groups = demo_client.list_groups(UserPoolId=pool.user_pool_id)["Groups"]
    assert len(groups) >= 4
    assert {g["GroupName"] for g in groups} == set(pool.group_names)
    assert all(g["Description"] for g in groups)
    assert len({g["Precedence"] for g in groups}) == len(groups)


def test_group_memberships_overlap(pool: SeededPool, memberships: Counter[str]) -> None:
    assert max(memberships.values()) >= 2
    assert any(memberships[username] == 0 for username in pool.usernames)


def test_pool_settings(demo_client: BaseClient, pool: SeededPool) -> None:
    pool_id = pool.user_pool_id
    described = demo_client.describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert described["Name"] == pool.user_pool_name
    assert described["Policies"]["PasswordPolicy"] == dict(PASSWORD_POLICY)
    assert described["MfaConfiguration"] == "OPTIONAL"
    assert described["AutoVerifiedAttributes"] == ["email"]
    schema = {attr["Name"] for attr in described["SchemaAttributes"]}
    assert "custom:department" in schema
    assert described["UserPoolAddOns"] == {"AdvancedSecurityMode": "AUDIT"}
    assert described["UserPoolTier"] == "PLUS"


def test_app_clients(demo_client: BaseClient, pool: SeededPool) -> None:
    clients = demo_client.list_user_pool_clients(UserPoolId=pool.user_pool_id, MaxResults=10)["UserPoolClients"]
    assert [c["ClientId"] for c in clients] == [
        pool.app_client_id,
        pool.confidential_client_id,
    ]
    web, confidential = (
        demo_client.describe_user_pool_client(UserPoolId=pool.user_pool_id, ClientId=client_id)["UserPoolClient"]
        for client_id in (pool.app_client_id, pool.confidential_client_id)
    )
    assert "ClientSecret" not in web
    assert confidential["ClientSecret"]
    assert confidential["AllowedOAuthFlows"] == ["client_credentials"]
    assert all(scope.startswith(RESOURCE_SERVER_ID + "/") for scope in confidential["AllowedOAuthScopes"])


def test_identity_providers_and_resource_server(demo_client: BaseClient, pool: SeededPool) -> None:
    pool_id = pool.user_pool_id
    providers = demo_client.list_identity_providers(UserPoolId=pool_id)["Providers"]
    assert {p["ProviderName"]: p["ProviderType"] for p in providers} == {
        "AcmeOkta": "SAML",
        "Google": "Google",
    }
    assert {p["ProviderName"] for p in providers} == set(pool.identity_provider_names)
    for identifier in SAML_IDP_IDENTIFIERS:
        found = demo_client.get_identity_provider_by_identifier(UserPoolId=pool_id, IdpIdentifier=identifier)[
            "IdentityProvider"
        ]
        assert found["ProviderName"] == "AcmeOkta"
    servers = demo_client.list_resource_servers(UserPoolId=pool_id, MaxResults=10)
    assert [s["Identifier"] for s in servers["ResourceServers"]] == list(pool.resource_server_identifiers)
    assert len(servers["ResourceServers"][0]["Scopes"]) >= 2


def test_an_import_job_waits_for_its_file(demo_client: BaseClient, pool: SeededPool) -> None:
    jobs = demo_client.list_user_import_jobs(UserPoolId=pool.user_pool_id, MaxResults=60)["UserImportJobs"]
    assert [(job["JobId"], job["JobName"], job["Status"]) for job in jobs] == [
        (pool.import_job_id, "acme-contractors", "Created")
    ]


def test_tags(demo_client: BaseClient, pool: SeededPool) -> None:
    described = demo_client.describe_user_pool(UserPoolId=pool.user_pool_id)["UserPool"]
    tags = demo_client.list_tags_for_resource(ResourceArn=described["Arn"])["Tags"]
    assert tags == described["UserPoolTags"]
    assert tags["environment"] == "demo"


def _device_attrs(device: dict[str, Any]) -> dict[str, str]:
    return {attr["Name"]: attr["Value"] for attr in device["DeviceAttributes"]}


def test_devices(demo_client: BaseClient, pool: SeededPool, users: list[dict[str, Any]]) -> None:
    assert len(pool.users_with_devices) == 30
    status = {user["Username"]: user["UserStatus"] for user in users}
    now = datetime.now(UTC)
    names: set[str] = set()
    remembered: Counter[str] = Counter()
    last_seen: list[datetime] = []
    for username in pool.users_with_devices:
        assert status[username] == "CONFIRMED"
        devices = demo_client.admin_list_devices(UserPoolId=pool.user_pool_id, Username=username)["Devices"]
        assert 1 <= len(devices) <= 3
        for device in devices:
            attrs = _device_attrs(device)
            names.add(attrs["device_name"])
            assert attrs["device_status"] == attrs["dev:device_remembered_status"]
            remembered[attrs["device_status"]] += 1
            last_seen.append(device["DeviceLastAuthenticatedDate"])
            assert device["DeviceCreateDate"] <= device["DeviceLastAuthenticatedDate"]
            assert device["DeviceKey"].startswith(DEMO_REGION + "_")
    assert {"iPhone 15", "Pixel 8", "MacBook Pro"} & names and len(names) >= 6
    assert set(remembered) == {"remembered", "not_remembered"}
    assert all(now - timedelta(days=ACTIVITY_DAYS) <= seen <= now for seen in last_seen)
    assert max(last_seen) - min(last_seen) > timedelta(days=ACTIVITY_DAYS / 2)
    # Users without seeded devices have none.
    others = set(pool.usernames) - set(pool.users_with_devices)
    assert not demo_client.admin_list_devices(UserPoolId=pool.user_pool_id, Username=sorted(others)[0])["Devices"]


def test_auth_events(demo_client: BaseClient, pool: SeededPool) -> None:
    assert len(pool.users_with_auth_events) == 40
    responses: Counter[str] = Counter()
    feedback: Counter[str] = Counter()
    risks: Counter[str] = Counter()
    for username in pool.users_with_auth_events:
        events = demo_client.admin_list_user_auth_events(UserPoolId=pool.user_pool_id, Username=username)["AuthEvents"]
        assert 2 <= len(events) <= 5
        dates = [event["CreationDate"] for event in events]
        assert dates == sorted(dates, reverse=True)  # newest first
        for event in events:
            assert event["EventType"] == "SignIn"
            assert event["EventContextData"]["IpAddress"]
            responses[event["EventResponse"]] += 1
            risks[event["EventRisk"]["RiskDecision"]] += 1
            if "EventFeedback" in event:
                feedback[event["EventFeedback"]["FeedbackValue"]] += 1
    assert responses["Pass"] > responses["Fail"] > 0
    assert sum(feedback.values()) > 0
    assert risks["NoRisk"] > risks["AccountTakeover"] > 0


def test_plan_is_deterministic() -> None:
    assert _plan_users(random.Random(7), 160) == _plan_users(random.Random(7), 160)
    assert _plan_users(random.Random(7), 160) != _plan_users(random.Random(8), 160)


def test_generated_passwords_satisfy_policy() -> None:
    specs = _plan_users(random.Random(7), 160)
    assert all(password_violations(spec.password) == [] for spec in specs)


def test_password_violations() -> None:
    assert password_violations("Falcon-quartz42!") == []
    assert password_violations("Sh0rt!") == ["too short"]
    assert set(password_violations("alllowercase")) == {
        "no uppercase letter",
        "no number",
        "no symbol",
    }


def test_seed_rejects_empty_pool(demo_client: BaseClient) -> None:
    with pytest.raises(ValueError):
        seed_demo_pool(demo_client, users=0)


def test_group_names_match_specs(pool: SeededPool) -> None:
    assert pool.group_names == tuple(g.name for g in GROUPS)


def test_activity_is_deterministic(demo_client: BaseClient) -> None:
    def first_device_keys(seeded: SeededPool) -> list[str]:
        devices = demo_client.admin_list_devices(UserPoolId=seeded.user_pool_id, Username=seeded.users_with_devices[0])[
            "Devices"
        ]
        return [device["DeviceKey"] for device in devices]

    one, two = (seed_demo_pool(demo_client, users=40, seed=3) for _ in range(2))
    assert one.users_with_devices == two.users_with_devices
    assert one.users_with_auth_events == two.users_with_auth_events
    assert first_device_keys(one) == first_device_keys(two)


def test_no_activity_without_an_in_process_backend(demo_client: BaseClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Against a Cognito elsewhere the seed still works, minus devices and events."""
    monkeypatch.setattr(extensions, "find_user_pool", lambda *args, **kwargs: None)
    seeded = seed_demo_pool(demo_client, users=20)
    assert seeded.users_with_devices == () == seeded.users_with_auth_events
    assert len(seeded.usernames) == 20


# -- server lifecycle (destructive: keep these last) ----------------------------


def test_needs_no_aws_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    # Make sure no real credentials/config file can leak in either.
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    before = dict(os.environ)
    with DemoBackend() as demo:
        client = demo.client()
        assert client.meta.region_name == DEMO_REGION
        client.list_user_pools(MaxResults=10)
        demo.reset()
    assert dict(os.environ) == before


def test_reset_empties_backend(demo_backend: DemoBackend, demo_client: BaseClient) -> None:
    demo_client.create_user_pool(PoolName="scratch")
    assert demo_client.list_user_pools(MaxResults=60)["UserPools"]
    demo_backend.reset()
    assert demo_client.list_user_pools(MaxResults=60)["UserPools"] == []


def test_port_is_resolved_and_freed_on_stop() -> None:
    demo = DemoBackend()
    with pytest.raises(RuntimeError):
        _ = demo.port
    demo.start()
    port = demo.port
    assert port > 0
    assert demo.endpoint_url == f"http://127.0.0.1:{port}"
    demo.client().list_user_pools(MaxResults=10)  # leaves a keep-alive connection
    demo.stop()
    demo.stop()  # idempotent
    assert not demo.is_running

    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    # Nothing listens any more, so the port can be bound again...
    with socket.create_server(("127.0.0.1", port)):
        pass
    # ...including by a new backend.
    with DemoBackend(port=port) as again:
        assert again.port == port
        again.client().list_user_pools(MaxResults=10)


def test_start_on_busy_port_fails_instead_of_hanging() -> None:
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        outcome: list[BaseException | None] = []

        def start() -> None:
            try:
                DemoBackend(port=port).start()
                outcome.append(None)
            except BaseException as exc:  # noqa: BLE001 - report whatever it is
                outcome.append(exc)

        thread = threading.Thread(target=start, daemon=True)
        thread.start()
        thread.join(timeout=10)
        assert not thread.is_alive(), "start() hung on a busy port"
    assert len(outcome) == 1 and isinstance(outcome[0], OSError)
