"""The admin console (DESIGN.md section 11): a page, its pinned assets and its persisted GraphQL documents. It is
built on the public graph alone: the page sends its documents to ``POST /graphql`` by ID, like any client."""
