"""Relay connections over Cognito's token pagination.

A position in a list is (Cognito's page token, items to skip in that page), so every edge has a cursor to resume
after it, and the position after a page's last item is simply Cognito's next token. A cursor is a position sealed
by :class:`CursorSeal`: it reveals nothing of the token (whose own encoding may name other pools) and cannot be
forged, altered, or used on another list.
"""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Optional, TypeVar

import strawberry
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESSIV
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField
from strawberry.utils.str_converters import to_snake_case

from gateway.cognito import model
from gateway.cognito.errors import invalid_parameter
from gateway.graphql.shapes import from_cognito, python_name

T = TypeVar("T")

PAGE_SIZE = 60  # the contract's default and bound of `first`: one Cognito page of most list operations
# A list whose items are filtered for the caller (`userPools` for a grant on some pools) reads further Cognito
# pages to fill a page, at most this many per request (300 pools at 60 a page); the query cost counts them all.
FILTERED_PAGES = 5


@strawberry.type(description="Relay's page information. Connections page forward only: hasPreviousPage is false.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: Optional[str] = strawberry.field(description="The first edge's cursor; null on an empty page.")
    end_cursor: Optional[str] = strawberry.field(
        description="Where the next page starts: the last edge's cursor, or past the items this page read."
    )


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type
class Connection(Generic[T]):
    edges: list[Edge[T]]
    nodes: list[T]
    page_info: PageInfo


@dataclass(frozen=True, slots=True)
class Position:
    token: Optional[str]
    skip: int


class CursorSeal:
    """Seals positions into cursors and opens them, with AES-SIV (authenticated encryption, RFC 5297) under the
    gateway's cursor key (``GATEWAY_CURSOR_KEY``; a random key per app when unset). The list a cursor belongs to
    (operation, region and parameters) is its associated data, so a cursor opens on that list only. AES-SIV is
    deterministic: one position of one list is always the same cursor, as Cognito's tokens were."""

    def __init__(self, secret: Optional[str] = None) -> None:
        if secret is None:
            key = AESSIV.generate_key(512)
        else:  # any long secret string: the key is derived from it
            key = HKDF(algorithm=hashes.SHA256(), length=64, salt=None, info=b"cognito-gateway cursors").derive(
                secret.encode()
            )
        self._cipher = AESSIV(key)

    def seal(self, position: Position, listing: bytes) -> str:
        raw = json.dumps([position.token, position.skip], separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(self._cipher.encrypt(raw, [listing])).decode().rstrip("=")

    def open(self, cursor: str, listing: bytes, limit: int) -> Position:
        try:
            sealed = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            token, skip = json.loads(self._cipher.decrypt(sealed, [listing]))
            if not (token is None or isinstance(token, str)) or type(skip) is not int or not 0 <= skip <= limit:
                raise ValueError
        except (ValueError, TypeError, binascii.Error, InvalidTag):
            raise invalid_parameter(f"'{cursor[:100]}' is not a cursor this gateway gave out for this list") from None
        return Position(token, skip)


def check_first(first: int, limit: int = PAGE_SIZE) -> None:
    if not 1 <= first <= limit:
        raise invalid_parameter(f"first must be between 1 and {limit} (one Cognito page), got {first}")


# fetch(token, limit) -> (items, next token)
PageFetcher = Callable[[Optional[str], int], Awaitable[tuple[Sequence[Any], Optional[str]]]]


C = TypeVar("C", bound=Connection[Any])

# expand(items of one page) -> the items the nodes are built from (described in full, given their pool...)
Expand = Callable[[list[Any]], Awaitable[list[Any]]]


@dataclass
class Page:
    edges: list[tuple[Any, str]]  # (item, cursor after it)
    has_next_page: bool
    end_cursor: Optional[str]


async def list_connection(
    context: Any,
    connection: type[C],
    operation: str,
    node: Callable[[Any], Any],
    first: int,
    after: Optional[str],
    *,
    expand: Optional[Expand] = None,
    keep: Optional[Callable[[Any], bool]] = None,
    region: Optional[str] = None,
    **params: Any,
) -> C:
    """One page of a Cognito list operation as a connection, through the request's loaders.

    The model says how the operation pages: its page-size member (``Limit`` or ``MaxResults``) and its
    bound, its token member (``NextToken`` or ``PaginationToken``) and the list member of its answer.
    ``keep`` drops items the caller may not see; the page is then filled from further Cognito pages
    (:func:`paginate`). Without it, a page is one call.
    """
    shape = model.operation(operation)
    size_member = "Limit" if "Limit" in shape.input_shape.members else "MaxResults"
    token_member = "PaginationToken" if "PaginationToken" in shape.input_shape.members else "NextToken"
    [items_member] = [name for name, member in shape.output_shape.members.items() if member.type_name == "list"]

    async def fetch(token: Optional[str], limit: int) -> tuple[Sequence[Any], Optional[str]]:
        request = {**params, size_member: limit}
        if token:
            request[token_member] = token
        page = await context.loaders.read(operation, region=region, **request)
        return page.get(items_member) or [], page.get(token_member)

    listing = json.dumps([operation, region, params], sort_keys=True, default=str).encode()
    page = await paginate(fetch, first, after, model.page_size_limit(operation), context.cursors, listing, keep=keep)
    items = [item for item, _ in page.edges]
    if expand and items:
        items = await expand(items)
    edges = [Edge(cursor=cursor, node=node(item)) for item, (_, cursor) in zip(items, page.edges)]
    return connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=False,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=page.end_cursor,
        ),
    )


@dataclass(frozen=True)
class PoolList(Generic[C]):
    """The list of a pool's items of one kind (``operation`` takes the pool's ``UserPoolId``), as a connection of
    ``node_type``: what both the root field (``resourceServers(userPoolId:)``) and the pool's own field
    (``UserPool.resourceServers``) answer; ``first`` defaults to :attr:`page_size` in both."""

    connection: type[C]
    operation: str
    node_type: type

    @property
    def page_size(self) -> int:
        """One page of the operation (not 60 for all: ListResourceServers pages up to 50)."""
        return model.page_size_limit(self.operation)

    async def page(
        self, context: Any, user_pool_id: str, first: int, after: Optional[str], *, expand: Optional[Expand] = None
    ) -> C:
        """One page of the pool's items, each given its pool (ListTerms's summaries leave it out)."""
        return await list_connection(
            context,
            self.connection,
            self.operation,
            lambda item: from_cognito(self.node_type, {"UserPoolId": user_pool_id, **item}),
            first,
            after,
            expand=expand,
            UserPoolId=user_pool_id,
        )


async def paginate(
    fetch: PageFetcher,
    first: int,
    after: Optional[str],
    limit: int,
    cursors: CursorSeal,
    listing: bytes,
    *,
    keep: Optional[Callable[[Any], bool]] = None,
) -> Page:
    """``first`` items after the cursor ``after``, checked (and opened) before any call.

    Without ``keep``: one Cognito call. When a cursor points inside a Cognito page and ``skip + first``
    exceeds one page, the page is shorter than ``first`` (Relay allows fewer).

    With ``keep``: whole Cognito pages are read until ``first`` kept items and one more (so that the last
    page says ``hasNextPage: false``) or the end, at most :data:`FILTERED_PAGES` of them. A walk that stops
    there says ``hasNextPage: true``, and its end cursor resumes past what it read (the page may then be
    empty, when those pages held nothing the caller may see).
    """
    check_first(first, limit)
    position = cursors.open(after, listing, limit) if after else Position(None, 0)
    taken: list[tuple[Any, Position]] = []
    reads_left = FILTERED_PAGES if keep else 1
    has_next, resume = False, None
    while True:
        items, next_token = await fetch(position.token, limit if keep else min(limit, position.skip + first))
        reads_left -= 1
        if _take(items, position, next_token, first, keep, taken):
            has_next = True
            break
        if not next_token:
            break
        position = Position(next_token, 0)
        if not reads_left:
            has_next, resume = True, position
            break
    edges = [(item, cursors.seal(after_item, listing)) for item, after_item in taken]
    if resume is not None:
        end_cursor = cursors.seal(resume, listing)
    else:
        end_cursor = edges[-1][1] if edges else after
    return Page(edges, has_next, end_cursor)


def _take(
    items: Sequence[Any],
    page: Position,
    next_token: Optional[str],
    first: int,
    keep: Optional[Callable[[Any], bool]],
    taken: list[tuple[Any, Position]],
) -> bool:
    """Adds to ``taken`` the kept items of one Cognito page read from ``page.token``, from ``page.skip`` on, each
    with the position after it, up to ``first``; True if one more kept item follows them."""
    for index in range(page.skip, len(items)):
        if keep is not None and not keep(items[index]):
            continue
        if len(taken) == first:
            return True
        last = index + 1 == len(items)
        taken.append(
            (items[index], Position(next_token, 0) if last and next_token else Position(page.token, index + 1))
        )
    return False


# --- lists that give a summary of each item -------------------------------------------------------
# ListUserPools, ListUserPoolClients and ListIdentityProviders give a few members of each item; the
# nodes are the full types, described through a loader only when the query selects more than that.


def summary_fields(summary_shape: str, *resolved: str) -> frozenset[str]:
    """The node fields a list's summary shape answers, plus fields resolved on their own (``users``)."""
    members = {python_name(member) for member in model.shape(summary_shape).members}
    return frozenset(members | set(resolved) | {"__typename"})


def _node_fields(selections: Iterable[Any], depth: str = "connection") -> set[str]:
    """Snake-case names selected on the nodes of a connection (through ``nodes`` or ``edges.node``)."""
    names: set[str] = set()
    for selection in selections:
        if isinstance(selection, (FragmentSpread, InlineFragment)):
            names |= _node_fields(selection.selections, depth)
        elif isinstance(selection, SelectedField):
            if depth == "node":
                names.add(to_snake_case(selection.name))
            elif depth == "connection" and selection.name == "nodes":
                names |= _node_fields(selection.selections, "node")
            elif depth == "connection" and selection.name == "edges":
                names |= _node_fields(selection.selections, "edge")
            elif depth == "edge" and selection.name == "node":
                names |= _node_fields(selection.selections, "node")
    return names


def selected_object_fields(info: Any) -> dict[str, list[dict[str, Any]]]:
    """What the field being resolved selects on the object it returns (through fragments): the camel-case
    name of each field, with the arguments of each selection of it."""
    selected: dict[str, list[dict[str, Any]]] = {}

    def walk(selections: Iterable[Any]) -> None:
        for selection in selections:
            if isinstance(selection, (FragmentSpread, InlineFragment)):
                walk(selection.selections)
            elif isinstance(selection, SelectedField):
                selected.setdefault(selection.name, []).append(selection.arguments)

    for field in info.selected_fields:
        walk(field.selections)
    return selected


def selected_node_fields(info: Any) -> set[str]:
    """Snake-case names the connection being resolved selects on its nodes.

    A field selected twice under one name is one field with several selections: all of them count.
    """
    return set().union(*(_node_fields(field.selections) for field in info.selected_fields))


def selects_beyond(info: Any, available: frozenset[str]) -> bool:
    """Whether the connection being resolved selects, on its nodes, a field outside ``available``."""
    return bool(selected_node_fields(info) - available)
