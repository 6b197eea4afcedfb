"""Persisted documents (GraphQL over HTTP, Appendix A): a request may name a known document by ID instead of sending
its text, ``{"documentId": "sha256:<hex>", "variables": ...}``, over HTTP and in a websocket's ``subscribe``.

The known documents are files of one operation each (``<OperationName>.graphql``), identified by the SHA-256 of the
file's bytes: the console's (gateway/console/documents/) and those of ``GATEWAY_PERSISTED_DOCUMENTS_DIR`` (a team's
own dashboards). ``GATEWAY_PERSISTED_DOCUMENTS=required`` makes them an allow-list: a request that sends a
document's text is refused, so only the operations registered run (GraphiQL then runs nothing).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

CONSOLE_DOCUMENTS = Path(__file__).parent / "console" / "documents"
REQUIRED_MESSAGE = (
    "This gateway runs persisted documents only (GATEWAY_PERSISTED_DOCUMENTS=required): send a `documentId`, not a "
    "query's text."
)


class DocumentError(Exception):
    """A request's document reference the gateway refuses: ``code`` and a message for the client."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def document_id(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def manifest(directory: Path = CONSOLE_DOCUMENTS) -> Mapping[str, str]:
    """Each operation's document ID by its name (the file's): what the console's page tells the console. Read once:
    the documents ship with the gateway."""
    return MappingProxyType({path.stem: document_id(path.read_text()) for path in sorted(directory.glob("*.graphql"))})


class PersistedDocuments:
    """The documents of ``directories`` (read once, at start), and whether only they run (``required``)."""

    def __init__(self, directories: Iterable[Path], *, required: bool = False) -> None:
        self.required = required
        self._texts: dict[str, str] = {}
        for directory in directories:
            for path in sorted(directory.glob("*.graphql")):
                text = path.read_text()
                self._texts[document_id(text)] = text

    def __len__(self) -> int:
        return len(self._texts)

    def resolve(self, request: Mapping[str, Any]) -> dict[str, Any] | None:
        """``request`` with the text of the document it names in ``query``; None when it names none and sends its
        own text (allowed unless ``required``). Raises :class:`DocumentError` for an unknown ID, both an ID and a
        text, or a text where only persisted documents run."""
        reference = request.get("documentId")
        if reference is None:
            if self.required and request.get("query") is not None:
                raise DocumentError("PERSISTED_DOCUMENT_REQUIRED", REQUIRED_MESSAGE)
            return None
        if request.get("query") is not None:
            raise DocumentError("BAD_REQUEST", "Send either `documentId` or `query`, not both.")
        text = self._texts.get(reference) if isinstance(reference, str) else None
        if text is None:
            raise DocumentError("PERSISTED_DOCUMENT_NOT_FOUND", "No persisted document has this `documentId`.")
        return {**{key: value for key, value in request.items() if key != "documentId"}, "query": text}
