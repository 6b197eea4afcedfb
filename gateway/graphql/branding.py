"""Managed login branding: the style of an app client's managed login pages, its query, mutations and
``UserPoolClient.managedLoginBranding``.

``settings`` is the model's JSON document (the ``JSON`` scalar); an asset's ``bytes`` is base64 text both ways
(:func:`gateway.graphql.shapes.blob_bytes` refuses anything else before a call).
"""

from typing import Annotated, Optional

import strawberry

from gateway.auth import Role
from gateway.cognito.errors import CognitoException
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.errors import result_union
from gateway.graphql.operations import mutation, payload_type
from gateway.graphql.shapes import cognito_type, from_cognito


@cognito_type("ManagedLoginBrandingType")
class ManagedLoginBranding:
    pass


ManagedLoginBrandingResult = result_union(
    "ManagedLoginBrandingResult", ManagedLoginBranding, "DescribeManagedLoginBranding"
)

# ReturnMergedResources, an argument of both reads.
ReturnMergedResources = Annotated[
    bool,
    strawberry.argument(description="True: the settings merged over Cognito's defaults; false: only the customized."),
]


async def branding_of_client(
    context: Context, user_pool_id: str, client_id: str, return_merged_resources: bool
) -> Optional[ManagedLoginBranding]:
    """The style of one app client (DescribeManagedLoginBrandingByClient), or None when it has none."""
    try:
        response = await context.loaders.read(
            "DescribeManagedLoginBrandingByClient",
            UserPoolId=user_pool_id,
            ClientId=client_id,
            ReturnMergedResources=return_merged_resources,
        )
    except CognitoException as error:
        if error.code == "ResourceNotFoundException":  # the client exists (it is the parent): it has no style
            return None
        raise
    return from_cognito(ManagedLoginBranding, response["ManagedLoginBranding"])


@strawberry.type
class BrandingQueries:
    @strawberry.field(
        description="One managed login branding style by ID (DescribeManagedLoginBranding).",
        extensions=calls("DescribeManagedLoginBranding", role=Role.VIEWER),
    )
    async def managed_login_branding(
        self,
        info: Info,
        user_pool_id: strawberry.ID,
        managed_login_branding_id: str,
        return_merged_resources: ReturnMergedResources = False,
    ) -> ManagedLoginBrandingResult:
        response = await info.context.loaders.read(
            "DescribeManagedLoginBranding",
            UserPoolId=user_pool_id,
            ManagedLoginBrandingId=managed_login_branding_id,
            ReturnMergedResources=return_merged_resources,
        )
        return from_cognito(ManagedLoginBranding, response["ManagedLoginBranding"])


@strawberry.type
class ManagedLoginBrandingIdentifiers:
    user_pool_id: strawberry.ID
    managed_login_branding_id: str


@strawberry.type
class BrandingMutations:
    create_managed_login_branding = mutation(
        "CreateManagedLoginBranding", payload_type("CreateManagedLoginBranding"), role=Role.ADMIN
    )
    update_managed_login_branding = mutation(
        "UpdateManagedLoginBranding", payload_type("UpdateManagedLoginBranding"), role=Role.ADMIN
    )
    delete_managed_login_branding = mutation(
        "DeleteManagedLoginBranding",
        payload_type("DeleteManagedLoginBranding", ManagedLoginBrandingIdentifiers),
        role=Role.ADMIN,
        identifiers=("UserPoolId", "ManagedLoginBrandingId"),
    )
