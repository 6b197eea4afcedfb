"""The ``cognito-gateway`` command: ``serve`` (optionally on the embedded demo backend), ``export-schema``,
``coverage``, ``api-key`` and ``fetch-ide-assets``."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

EXAMPLE_QUERY = """\
{{
  users(userPoolId: "{pool}", first: 5) {{
    ... on UserConnection {{ nodes {{ username userStatus enabled email: attribute(name: "email") groups {{ groupName }} }} }}
    ... on CognitoError {{ code message }}
  }}
}}"""


def _serve(args: argparse.Namespace) -> int:
    from gateway.app import create_app
    from gateway.server import serve
    from gateway.settings import Settings

    overrides = {name: value for name, value in (("host", args.host), ("port", args.port)) if value is not None}
    if not args.demo:
        settings = Settings(**overrides)
        _ensure_ide_assets(settings.ide_assets_dir)
        serve(create_app(settings), settings)
        return 0

    from gateway.demo.seed import seed_demo_pool
    from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION, DemoBackend

    # The demo needs no configuration: no authentication, introspection on and /metrics on its one port, unless the
    # environment says otherwise.
    demo_defaults = {"introspection": True, "auth_mode": "none", "metrics_port": 0}
    demo_defaults = {
        name: value for name, value in demo_defaults.items() if f"GATEWAY_{name.upper()}" not in os.environ
    }
    # A fresh data directory: the demo's pool is new at every start, and so is its index.
    data_dir = tempfile.TemporaryDirectory(prefix="cognito-gateway-demo-")
    settings = Settings(aws_region=DEMO_REGION, data_dir=data_dir.name, **demo_defaults, **overrides)
    _ensure_ide_assets(settings.ide_assets_dir)
    with data_dir, DemoBackend() as backend:
        print(f"demo: Cognito stand-in (moto) at {backend.endpoint_url}, seeding...", flush=True)
        pool = seed_demo_pool(backend.client())
        if "GATEWAY_INDEX_POOLS" not in os.environ:  # the demo's pool is indexed at start (searchUsers, indexStatus)
            settings = settings.model_copy(update={"index_pools": [pool.user_pool_id]})
        app = create_app(settings, endpoint_url=backend.endpoint_url, credentials=DEMO_CREDENTIALS, demo=True)
        base = f"http://{settings.host}:{settings.port}"
        print(
            f"demo: user pool {pool.user_pool_id} ({len(pool.usernames)} users, groups: {', '.join(pool.group_names)})\n"
            f"demo: GraphiQL at {base}/graphql\n"
            f"demo: the admin console at {base}/console?pool={pool.user_pool_id}\n"
            f"demo: try this query:\n{EXAMPLE_QUERY.format(pool=pool.user_pool_id)}",
            flush=True,
        )
        serve(app, settings)
    return 0


def _ensure_ide_assets(configured: Path | None) -> None:
    """GraphiQL's and the console's assets are fetched on the first start; without them (no registry) only the pages
    are missing."""
    from gateway.ide.assets import fetch, missing
    from gateway.ide.page import assets_dir

    directory = assets_dir(configured)
    if not missing(directory):
        return
    print(
        "GraphiQL's and the console's assets are not installed: fetching them from the npm registry (once)", flush=True
    )
    try:
        fetch(directory, log=lambda line: print(line, flush=True))
    except Exception as error:  # the gateway serves POST /graphql all the same
        print(
            f"GraphiQL's and the console's assets could not be fetched ({error}): the pages at GET /graphql and\n"
            "GET /console say so until `cognito-gateway fetch-ide-assets` succeeds; POST /graphql works without them.",
            file=sys.stderr,
            flush=True,
        )


def _fetch_ide_assets(args: argparse.Namespace) -> int:
    from gateway.ide.assets import fetch
    from gateway.ide.page import assets_dir

    # GATEWAY_IDE_ASSETS_DIR read alone: fetching needs none of the settings `serve` validates (authentication...).
    configured = os.environ.get("GATEWAY_IDE_ASSETS_DIR")
    directory = args.dir or assets_dir(Path(configured) if configured else None)
    try:
        fetch(directory)
    except Exception as error:
        print(f"fetch-ide-assets: {error}", file=sys.stderr)
        return 1
    return 0


def _export_schema(args: argparse.Namespace) -> int:
    from gateway.graphql.schema import schema_sdl

    sys.stdout.write(schema_sdl())
    return 0


def _coverage(args: argparse.Namespace) -> int:
    from gateway.coverage import coverage_report

    sys.stdout.write(coverage_report())
    return 0


def _api_key(args: argparse.Namespace) -> int:
    import json

    from gateway.auth.api_keys import hash_key, new_key
    from gateway.settings import ApiKey

    key = new_key()
    entry = ApiKey(name=args.name, role=args.role, pools=args.pools, hash=hash_key(key))
    # stdout is the key, then its GATEWAY_API_KEYS entry: one line each, for scripts; the advice goes to stderr.
    print(key)
    print(json.dumps(entry.model_dump(exclude_none=True)))
    print(
        "The key is shown once and stored nowhere: hand it to the service (header X-API-Key) and add the entry\n"
        "to the JSON list in GATEWAY_API_KEYS.",
        file=sys.stderr,
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cognito-gateway", description="GraphQL admin gateway over Amazon Cognito user pools."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve POST /graphql (GraphiQL on GET), /healthz and /readyz")
    serve.add_argument("--host", help="interface to listen on (default: GATEWAY_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: GATEWAY_PORT or 8000)")
    serve.add_argument("--demo", action="store_true", help="run on the embedded, seeded Cognito stand-in (moto)")
    serve.set_defaults(run=_serve)
    export = commands.add_parser("export-schema", help="print the GraphQL SDL (schema.graphql is this output)")
    export.set_defaults(run=_export_schema)
    coverage = commands.add_parser("coverage", help="print the Cognito API coverage report (docs/coverage.md)")
    coverage.set_defaults(run=_coverage)
    api_key = commands.add_parser("api-key", help="make a service account's API key and its GATEWAY_API_KEYS entry")
    api_key.add_argument("--name", required=True, help="the service account (the caller's subject in audit records)")
    api_key.add_argument("--role", required=True, choices=["viewer", "operator", "admin"])
    api_key.add_argument(
        "--pool", dest="pools", action="extend", nargs="+", metavar="POOL_ID", help="limit the key to these user pools"
    )
    api_key.set_defaults(run=_api_key)
    fetch = commands.add_parser(
        "fetch-ide-assets",
        help="fetch GraphiQL's pinned assets from the npm registry (serve does it if they are missing)",
    )
    fetch.add_argument("--dir", type=Path, help="where to put them (default: GATEWAY_IDE_ASSETS_DIR or the user cache)")
    fetch.set_defaults(run=_fetch_ide_assets)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
