"""Roles per field, through HTTP with API-key callers: each role against each class of mutation, secret
fields, grants limited to some pools (nested fields included), ``me``, and denials that make no call."""

import re
from pathlib import Path

import pytest

from gateway.auth.api_keys import hash_key
from gateway.settings import ApiKey
from tests.conftest import running_gateway
from tests.helpers import create_users

KEYS = {
    "viewer": "viewer-key",
    "operator": "operator-key",
    "admin": "admin-key",
    "pool-operator": "pool-key",
    "pool-admin": "pool-admin-key",
}


@pytest.fixture
def other_pool_id(cognito):
    return cognito.create_user_pool(PoolName="other-pool")["UserPool"]["Id"]


@pytest.fixture
async def gateway_as(backend, cognito, pool_id):
    """``gateway_as(name)``: the app in api-key mode, called with the key of ``name``."""
    keys = [ApiKey(name=name, role=name, hash=hash_key(key)) for name, key in KEYS.items() if "pool" not in name]
    keys.append(ApiKey(name="pool-operator", role="operator", pools=[pool_id], hash=hash_key(KEYS["pool-operator"])))
    keys.append(ApiKey(name="pool-admin", role="admin", pools=[pool_id], hash=hash_key(KEYS["pool-admin"])))
    async with running_gateway(backend, auth_mode="api-key", api_keys=keys) as gateway:

        def as_caller(name):
            gateway.http.headers["X-API-Key"] = KEYS[name]
            gateway.reset_calls()
            return gateway

        yield as_caller


def forbidden(body, field):
    """The field was refused: null, one FORBIDDEN error at its path."""
    assert body["data"][field] is None
    [error] = [error for error in body["errors"] if error["path"][0] == field]
    assert error["extensions"] == {"code": "FORBIDDEN"}
    return error["message"]


CREATE_USER = """mutation($pool: ID!, $name: String!) {
  run: adminCreateUser(input: {userPoolId: $pool, username: $name, messageAction: SUPPRESS}) { __typename }
}"""
CREATE_GROUP = """mutation($pool: ID!, $name: String!) {
  run: createGroup(input: {userPoolId: $pool, groupName: $name}) { __typename }
}"""
INITIATE_AUTH = """mutation($pool: ID!, $name: String!) {
  run: adminInitiateAuth(input: {userPoolId: $pool, clientId: "no-such-client", authFlow: ADMIN_USER_PASSWORD_AUTH,
                                 authParameters: {USERNAME: $name, PASSWORD: "x"}}) { __typename }
}"""


@pytest.mark.parametrize(
    ("caller", "document", "allowed"),
    [
        ("viewer", CREATE_USER, False),
        ("viewer", CREATE_GROUP, False),
        ("viewer", INITIATE_AUTH, False),
        ("operator", CREATE_USER, True),
        ("operator", CREATE_GROUP, False),
        ("operator", INITIATE_AUTH, False),
        ("admin", CREATE_USER, True),
        ("admin", CREATE_GROUP, True),
        ("admin", INITIATE_AUTH, True),
    ],
    ids=lambda value: value if isinstance(value, str) and len(value) < 20 else None,
)
async def test_each_role_against_each_class_of_mutation(gateway_as, pool_id, caller, document, allowed):
    gateway = gateway_as(caller)

    body = await gateway.query(document, {"pool": pool_id, "name": "carol"})

    if allowed:
        assert "errors" not in body
        assert body["data"]["run"]["__typename"]  # executed: a payload or Cognito's own error
        assert gateway.calls
    else:
        message = forbidden(body, "run")
        assert "needs the" in message and pool_id in message
        assert gateway.calls == {}


async def test_viewer_reads_everything_but_secrets(gateway_as, cognito, pool_id):
    client_id = cognito.create_user_pool_client(UserPoolId=pool_id, ClientName="app", GenerateSecret=True)[
        "UserPoolClient"
    ]["ClientId"]
    create_users(cognito, pool_id, 2)
    document = """query($pool: ID!, $client: String!) {
      users(userPoolId: $pool) { ... on UserConnection { nodes { username } } }
      userPoolClient(userPoolId: $pool, clientId: $client) { ... on UserPoolClient { clientName } }
      secret: userPoolClientSecret(userPoolId: $pool, clientId: $client) {
        ... on UserPoolClientSecret { clientSecret }
      }
    }"""
    variables = {"pool": pool_id, "client": client_id}

    for caller in ("viewer", "operator"):
        body = await gateway_as(caller).query(document, variables)
        assert len(body["data"]["users"]["nodes"]) == 2
        assert body["data"]["userPoolClient"] == {"clientName": "app"}
        forbidden(body, "secret")

    admin = await gateway_as("admin").data(document, variables)
    assert admin["secret"]["clientSecret"]


async def test_a_denied_mutation_leaves_the_allowed_ones_before_it(gateway_as, cognito, pool_id):
    gateway = gateway_as("operator")
    body = await gateway.query(
        """mutation($pool: ID!) {
          user: adminCreateUser(input: {userPoolId: $pool, username: "dave", messageAction: SUPPRESS}) {
            __typename
          }
          group: createGroup(input: {userPoolId: $pool, groupName: "staff"}) { __typename }
        }""",
        {"pool": pool_id},
    )

    assert body["data"]["user"] == {"__typename": "AdminCreateUserPayload"}
    forbidden(body, "group")
    assert cognito.admin_get_user(UserPoolId=pool_id, Username="dave")["Username"] == "dave"
    assert cognito.list_groups(UserPoolId=pool_id)["Groups"] == []


async def test_a_grant_limited_to_pools(gateway_as, cognito, pool_id, other_pool_id):
    create_users(cognito, other_pool_id, 1, prefix="outsider")
    gateway = gateway_as("pool-operator")

    own = await gateway.query(CREATE_USER, {"pool": pool_id, "name": "erin"})
    other = await gateway.query(CREATE_USER, {"pool": other_pool_id, "name": "erin"})
    read_other = await gateway.query(
        'query($pool: ID!) { user(userPoolId: $pool, username: "outsider0") { __typename } }', {"pool": other_pool_id}
    )
    listed = await gateway.data(
        "{ userPools { ... on UserPoolConnection { nodes { id users { nodes { username } } } } } }"
    )

    assert own["data"]["run"] == {"__typename": "AdminCreateUserPayload"}
    forbidden(other, "run")
    forbidden(read_other, "user")
    # Only the granted pool is listed, so its nested users are the only ones reachable.
    assert listed["userPools"]["nodes"] == [{"id": pool_id, "users": {"nodes": [{"username": "erin"}]}}]


async def test_me_tells_a_dashboard_what_it_may_do(gateway_as, pool_id):
    document = "{ me { subject authMode roles pools grants { role pools } } }"

    operator = (await gateway_as("pool-operator").data(document))["me"]
    admin = (await gateway_as("admin").data(document))["me"]

    assert operator == {
        "subject": "pool-operator",
        "authMode": "api-key",
        "roles": ["operator"],
        "pools": [pool_id],
        "grants": [{"role": "operator", "pools": [pool_id]}],
    }
    assert admin["roles"] == ["admin"] and admin["pools"] is None


def test_secret_fields_need_an_admin_wherever_their_type_is_reached():
    """Tokens, sessions and client secrets carry @requiresAdmin on the field itself, not only on the mutation
    or query that returns them (no non-admin path reaches them today; this keeps it so)."""
    secret_fields = {
        ("AuthenticationResult", "accessToken"),
        ("AuthenticationResult", "idToken"),
        ("AuthenticationResult", "refreshToken"),
        ("AdminInitiateAuthPayload", "session"),
        ("UserPoolClientSecret", "clientSecret"),
        ("CreateUserPoolClientPayload", "clientSecret"),
    }
    for type_name, field in secret_fields:
        assert f"  {field}: String @requiresAdmin" in type_block(type_name), (type_name, field)


def type_block(name):
    sdl = (Path(__file__).parents[2] / "schema.graphql").read_text()
    return sdl.split(f"type {name} {{\n", 1)[1].split("\n}", 1)[0]


# The mutations an operator may run: user lifecycle, attributes, passwords, sign-out, MFA preference, devices and
# group membership. Every other mutation (pools, clients, identity providers and provider links, groups, domains,
# resource servers, tags, auth flows) needs an admin.
OPERATOR_MUTATIONS = {
    "adminCreateUser",
    "adminDeleteUser",
    "adminEnableUser",
    "adminDisableUser",
    "adminConfirmSignUp",
    "adminUpdateUserAttributes",
    "adminDeleteUserAttributes",
    "adminResetUserPassword",
    "adminSetUserPassword",
    "adminUserGlobalSignOut",
    "adminSetUserMFAPreference",
    "adminDeleteSoftwareToken",
    "adminSetUserSettings",
    "adminUpdateAuthEventFeedback",
    "adminForgetDevice",
    "adminUpdateDeviceStatus",
    "confirmDevice",
    "adminAddUserToGroup",
    "adminRemoveUserFromGroup",
    # at least: a job needs the role of its action's mutation on the pool (every action's is operator today)
    "startUserJob",
    "cancelJob",
}


def test_every_root_field_names_its_role():
    """Read from the SDL: each query and mutation carries @requiresViewer/Operator/Admin (``me`` excepted)."""
    fields = {}
    for block in ("Query", "Mutation"):
        body = re.sub(r'"""(.|\n)*?"""|"[^"\n]*"', "", type_block(block))  # without descriptions
        fields.update(re.findall(r"^  (\w+)(?:\([^)]*\))?: [^@\n]+?(?: @(\w+))?$", body, re.MULTILINE))
    assert fields.pop("me") == ""
    assert fields and all(fields.values()), [name for name, role in fields.items() if not role]
    operators = {name for name, role in fields.items() if role == "requiresOperator"}
    assert operators == OPERATOR_MUTATIONS


async def test_a_change_naming_no_pool_needs_a_grant_on_every_pool(gateway_as, cognito, pool_id):
    """A grant limited to some pools cannot create pools (nor run client-side flows that name none)."""
    document = 'mutation { run: createUserPool(input: {poolName: "new-pool"}) { __typename } }'

    limited = await gateway_as("pool-admin").query(document)
    everywhere = await gateway_as("admin").query(document)

    assert "on every user pool" in forbidden(limited, "run")
    assert everywhere["data"]["run"] == {"__typename": "CreateUserPoolPayload"}
    assert [pool["Name"] for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]].count("new-pool") == 1


def test_every_field_that_calls_cognito_names_the_role_it_declares():
    """Read from the SDL: every declared field, nested ones and payload read-backs included, carries the directive of
    the role its declaration names: the pool is checked again on the parent object, not only at the root."""
    from gateway.graphql.declarations import declared_fields
    from gateway.graphql.schema import build_schema

    declared = list(declared_fields(build_schema()._schema))
    nested = [(type_name, field) for type_name, field, _, _ in declared if type_name not in ("Query", "Mutation")]
    assert len(nested) > 40 and sum(type_name.endswith("Payload") for type_name, _ in nested) > 20
    for type_name, field, _, call in declared:
        directive = f"@requires{call.role.label.capitalize()}"
        block = re.sub(r'"""(.|\n)*?"""|"[^"\n]*"', "", type_block(type_name))  # without descriptions
        assert re.search(rf"^  {field}(\([^)]*\))?: [^@\n]* {directive}$", block, re.MULTILINE), (type_name, field)
