"""cognito-gateway: a GraphQL admin gateway over Amazon Cognito user pools."""

__version__ = "0.1.0"
