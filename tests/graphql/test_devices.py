"""Devices: confirmDevice after a sign-in, the `devices`/`device` queries, `User.devices`, and device mutations."""

import uuid

from tests.helpers import assert_error, signed_in_user

DEVICES = """
query($pool: ID!, $username: String!, $first: Int = 60, $after: String) {
  devices(userPoolId: $pool, username: $username, first: $first, after: $after) {
    __typename
    ... on DeviceConnection {
      nodes { deviceKey deviceCreateDate deviceLastAuthenticatedDate deviceAttributes { name value } }
      pageInfo { hasNextPage endCursor }
    }
    ... on CognitoError { code message requestId }
  }
}"""


async def confirm_devices(gateway, session, names):
    keys = []
    for index, name in enumerate(names):
        key = f"us-east-1_{uuid.UUID(int=index + 1)}"  # Cognito's device keys: <region>_<uuid>
        result = await gateway.mutate(
            "confirmDevice",
            {
                "accessToken": session["AccessToken"],
                "deviceKey": key,
                "deviceName": name,
                "deviceSecretVerifierConfig": {"passwordVerifier": "dmVyaWZpZXI=", "salt": "c2FsdA=="},
            },
            "deviceKey userConfirmationNecessary",
        )
        assert result == {"__typename": "ConfirmDevicePayload", "deviceKey": key, "userConfirmationNecessary": False}
        keys.append(key)
    return keys


async def test_confirmed_devices_are_listed_page_by_page(gateway, cognito, pool_id):
    session = signed_in_user(cognito, pool_id)
    keys = await confirm_devices(gateway, session, [f"laptop {n}" for n in range(5)])

    first = (await gateway.data(DEVICES, {"pool": pool_id, "username": "alice", "first": 3}))["devices"]
    rest = (
        await gateway.data(
            DEVICES, {"pool": pool_id, "username": "alice", "first": 3, "after": first["pageInfo"]["endCursor"]}
        )
    )["devices"]

    listed = [node["deviceKey"] for node in first["nodes"] + rest["nodes"]]
    assert sorted(listed) == keys
    assert first["pageInfo"]["hasNextPage"] is True and rest["pageInfo"]["hasNextPage"] is False
    names = {
        a["value"] for n in first["nodes"] + rest["nodes"] for a in n["deviceAttributes"] if a["name"] == "device_name"
    }
    assert names == {f"laptop {n}" for n in range(5)}


async def test_device_and_user_devices(gateway, cognito, pool_id):
    session = signed_in_user(cognito, pool_id)
    [key] = await confirm_devices(gateway, session, ["Pixel 8"])

    data = await gateway.data(
        """query($pool: ID!, $key: String!) {
          device(userPoolId: $pool, username: "alice", deviceKey: $key) { __typename ... on Device { deviceKey } }
          user(userPoolId: $pool, username: "alice") { ... on User { devices { nodes { deviceKey } } } }
        }""",
        {"pool": pool_id, "key": key},
    )

    assert data["device"] == {"__typename": "Device", "deviceKey": key}
    assert data["user"]["devices"]["nodes"] == [{"deviceKey": key}]


async def test_update_device_status_then_forget_it(gateway, cognito, pool_id):
    session = signed_in_user(cognito, pool_id)
    [key] = await confirm_devices(gateway, session, ["iPhone 15"])
    device = {"userPoolId": pool_id, "username": "alice", "deviceKey": key}

    updated = await gateway.mutate(
        "adminUpdateDeviceStatus",
        {**device, "deviceRememberedStatus": "NOT_REMEMBERED"},
        "deviceKey device { deviceAttributes { name value } }",
    )
    forgotten = await gateway.mutate("adminForgetDevice", device, "userPoolId username deviceKey")
    listed = await gateway.data(DEVICES, {"pool": pool_id, "username": "alice"})

    assert {"name": "device_status", "value": "not_remembered"} in updated["device"]["deviceAttributes"]
    assert forgotten == {"__typename": "AdminForgetDevicePayload", **device}
    assert listed["devices"]["nodes"] == []


async def test_device_errors(gateway, cognito, pool_id):
    signed_in_user(cognito, pool_id)

    missing_device = await gateway.data(
        '{ device(userPoolId: "%s", username: "alice", deviceKey: "us-east-1_00000000-0000-0000-0000-00000000dead") { __typename ... on CognitoError { code message requestId } } }'
        % pool_id
    )
    missing_user = await gateway.data(DEVICES, {"pool": pool_id, "username": "ghost"})
    status = await gateway.mutate(
        "adminUpdateDeviceStatus",
        {
            "userPoolId": pool_id,
            "username": "alice",
            "deviceKey": "us-east-1_00000000-0000-0000-0000-00000000dead",
            "deviceRememberedStatus": "REMEMBERED",
        },
    )
    forget = await gateway.mutate(
        "adminForgetDevice",
        {"userPoolId": pool_id, "username": "alice", "deviceKey": "us-east-1_00000000-0000-0000-0000-00000000dead"},
    )
    confirm = await gateway.mutate(
        "confirmDevice", {"accessToken": "not-a-token", "deviceKey": "us-east-1_00000000-0000-0000-0000-00000000beef"}
    )

    assert_error(missing_device["device"], "ResourceNotFoundError", "ResourceNotFoundException")
    # AdminListDevices does not declare UserNotFoundException: a code outside the union is a ServiceError.
    assert_error(missing_user["devices"], "ServiceError", "UserNotFoundException")
    assert_error(forget, "ResourceNotFoundError", "ResourceNotFoundException")
    assert_error(status, "ResourceNotFoundError", "ResourceNotFoundException")
    assert_error(confirm, "NotAuthorizedError", "NotAuthorizedException")
