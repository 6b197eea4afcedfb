"""The per-request context: the caller, the app's Cognito gateway and this request's dataloaders."""

from dataclasses import dataclass
from typing import Any

import strawberry

from gateway.auth import Caller
from gateway.cognito import CognitoGateway
from gateway.loaders import Loaders


@dataclass
class Context:
    cognito: CognitoGateway
    loaders: Loaders
    caller: Caller

    @classmethod
    def for_request(cls, cognito: CognitoGateway, caller: Caller) -> "Context":
        """A request's context: its own dataloaders, built here and never shared with another request."""
        return cls(cognito=cognito, loaders=Loaders.build(cognito), caller=caller)

    def written(self, request: dict[str, Any]) -> None:
        """After a mutation: forget what it may have changed, in this request and in the shared cache."""
        self.loaders.forget_written(request)
        self.cognito.forget(request)


Info = strawberry.Info[Context, None]
