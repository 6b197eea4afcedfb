"""schema.graphql at the repository root is exactly what `cognito-gateway export-schema` prints."""

from pathlib import Path

from gateway.graphql.schema import schema_sdl

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schema.graphql"


def test_schema_file_is_current():
    assert SCHEMA_FILE.read_text() == schema_sdl(), (
        "schema.graphql is stale: regenerate it with `cognito-gateway export-schema > schema.graphql`"
    )
