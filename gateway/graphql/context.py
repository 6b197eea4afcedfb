"""The per-request context: the app's Cognito gateway and this request's dataloaders."""

from dataclasses import dataclass
from typing import Any

import strawberry

from gateway.cognito import CognitoGateway
from gateway.loaders import Loaders


@dataclass
class Context:
    cognito: CognitoGateway
    loaders: Loaders

    @classmethod
    def for_request(cls, cognito: CognitoGateway) -> "Context":
        """A request's context: its own dataloaders, built here and never shared with another request."""
        return cls(cognito=cognito, loaders=Loaders.build(cognito))

    def written(self, request: dict[str, Any]) -> None:
        """After a mutation: forget what it may have changed, in this request and in the shared cache."""
        self.loaders.forget_written(request)
        self.cognito.forget(request)


Info = strawberry.Info[Context, None]
