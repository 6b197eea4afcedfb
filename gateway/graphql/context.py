"""The per-request context: the app's Cognito gateway and this request's dataloaders."""

from dataclasses import dataclass

import strawberry
from fastapi import Request
from strawberry.fastapi import BaseContext

from gateway.cognito import CognitoGateway
from gateway.loaders import Loaders


@dataclass
class Context(BaseContext):
    cognito: CognitoGateway
    loaders: Loaders

    def __post_init__(self) -> None:
        super().__init__()


async def get_context(request: Request) -> Context:
    cognito: CognitoGateway = request.app.state.cognito
    return Context(cognito=cognito, loaders=Loaders.build(cognito))


Info = strawberry.Info[Context, None]
