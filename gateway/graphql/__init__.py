"""The GraphQL schema: one module per domain, assembled in :mod:`gateway.graphql.schema`."""
