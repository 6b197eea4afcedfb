"""The per-request context: the app's Cognito gateway and this request's dataloaders."""

from dataclasses import dataclass
from typing import Any

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

    def written(self, request: dict[str, Any]) -> None:
        """After a mutation: forget what it may have changed, in this request and in the shared cache."""
        self.loaders.forget_written(request)
        self.cognito.forget(request)


async def get_context(request: Request) -> Context:
    cognito: CognitoGateway = request.app.state.cognito
    return Context(cognito=cognito, loaders=Loaders.build(cognito))


Info = strawberry.Info[Context, None]
