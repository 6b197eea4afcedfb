"""The directory index (DESIGN section 8): full sync and reconcile, change events (SQS), search. Never imports
Strawberry, so the same code serves the graph, the CLI and the tests."""
