"""Devices a user signed in from: the ``Device`` type, ``devices``/``device`` queries and device mutations."""

from typing import Any, Optional

import strawberry

from gateway.auth import Role
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.pagination import PAGE_SIZE, Connection, list_connection
from gateway.graphql.shapes import cognito_type, from_cognito


@cognito_type("DeviceType")
class Device:
    pass


def device_from(data: dict[str, Any]) -> Device:
    return from_cognito(Device, data)


@strawberry.type
class DeviceConnection(Connection[Device]):
    pass


async def list_devices(
    context: Context, user_pool_id: str, username: str, first: int, after: Optional[str]
) -> DeviceConnection:
    return await list_connection(
        context,
        DeviceConnection,
        "AdminListDevices",
        device_from,
        first,
        after,
        UserPoolId=user_pool_id,
        Username=username,
    )


async def get_device(context: Context, user_pool_id: str, username: str, device_key: str) -> Device:
    response = await context.loaders.read(
        "AdminGetDevice", UserPoolId=user_pool_id, Username=username, DeviceKey=device_key
    )
    return device_from(response["Device"])


DevicesResult = result_union("DevicesResult", DeviceConnection, "AdminListDevices")
DeviceResult = result_union("DeviceResult", Device, "AdminGetDevice")


@strawberry.type
class DeviceQueries:
    @strawberry.field(
        description="The devices a user has signed in from (AdminListDevices).",
        extensions=calls("AdminListDevices", role=Role.VIEWER),
    )
    async def devices(
        self,
        info: Info,
        user_pool_id: strawberry.ID,
        username: str,
        first: int = PAGE_SIZE,
        after: Optional[str] = None,
    ) -> DevicesResult:
        return await list_devices(info.context, user_pool_id, username, first, after)

    @strawberry.field(
        description="One device of a user (AdminGetDevice).", extensions=calls("AdminGetDevice", role=Role.VIEWER)
    )
    async def device(self, info: Info, user_pool_id: strawberry.ID, username: str, device_key: str) -> DeviceResult:
        return await get_device(info.context, user_pool_id, username, device_key)


# --- mutations -------------------------------------------------------------------------------------


@strawberry.type
class DeviceIdentifiers:
    user_pool_id: strawberry.ID
    username: str
    device_key: str


@strawberry.type
class DeviceChange(DeviceIdentifiers):
    @strawberry.field(
        description="The device, read after the change.", extensions=calls("AdminGetDevice", role=Role.VIEWER)
    )
    async def device(self, info: Info) -> Optional[Device]:
        return await get_device(info.context, self.user_pool_id, self.username, self.device_key)


@strawberry.type
class ConfirmedDevice:
    device_key: str


_DEVICE = ("UserPoolId", "Username", "DeviceKey")


@strawberry.type
class DeviceMutations:
    admin_forget_device = mutation(
        "AdminForgetDevice",
        payload_type("AdminForgetDevice", DeviceIdentifiers),
        role=Role.OPERATOR,
        identifiers=_DEVICE,
    )
    admin_update_device_status = mutation(
        "AdminUpdateDeviceStatus",
        payload_type("AdminUpdateDeviceStatus", DeviceChange),
        role=Role.OPERATOR,
        identifiers=_DEVICE,
    )
    confirm_device = mutation(
        "ConfirmDevice", payload_type("ConfirmDevice", ConfirmedDevice), role=Role.OPERATOR, identifiers=("DeviceKey",)
    )
