"""``me``: who the gateway takes the caller for and what they may do, so a dashboard can shape itself."""

from typing import Optional

import strawberry

from gateway.graphql.context import Info


@strawberry.type(description="A role the caller holds, on every user pool (pools null) or on the pools listed.")
class Grant:
    role: str
    pools: Optional[list[strawberry.ID]]


@strawberry.type(description="The authenticated caller.")
class Me:
    subject: str = strawberry.field(description="The token's `sub`, the API key's name, or `anonymous`.")
    auth_mode: str = strawberry.field(description="How the caller was authenticated: jwt, api-key or none.")
    roles: list[str] = strawberry.field(description="viewer, operator, admin: each includes the ones before it.")
    pools: Optional[list[strawberry.ID]] = strawberry.field(
        description="The user pools the caller may read; null for every pool."
    )
    grants: list[Grant]


@strawberry.type
class MeQueries:
    @strawberry.field(description="The caller and what they may do (no upstream call; open to every caller).")
    def me(self, info: Info) -> Me:
        caller = info.context.caller
        return Me(
            subject=caller.subject,
            auth_mode=caller.auth_mode,
            roles=[role.label for role in caller.roles],
            pools=caller.pools,
            grants=[
                Grant(role=grant.role.label, pools=sorted(grant.pools) if grant.pools is not None else None)
                for grant in caller.grants
            ],
        )
