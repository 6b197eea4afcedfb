"""Relay connections over Cognito's token pagination.

A cursor is an opaque wrapper of (Cognito's page token, items to skip in that page), so every edge has a
cursor to resume after it, and the cursor of a page's last item is simply Cognito's next token.
"""

import base64
import binascii
import json
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Optional, TypeVar

import strawberry
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField
from strawberry.utils.str_converters import to_snake_case

from gateway.cognito import model
from gateway.cognito.errors import invalid_parameter
from gateway.graphql.shapes import python_name

T = TypeVar("T")

PAGE_SIZE = 60  # the contract's default and bound of `first`: one Cognito page of most list operations


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: Optional[str]


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


def encode_cursor(position: Position) -> str:
    raw = json.dumps([position.token, position.skip], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> Position:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        token, skip = json.loads(raw)
        if not (token is None or isinstance(token, str)) or not isinstance(skip, int) or not 0 <= skip <= PAGE_SIZE:
            raise ValueError
    except (ValueError, TypeError, binascii.Error):
        raise invalid_parameter(f"'{cursor}' is not a cursor this gateway gave out") from None
    return Position(token, skip)


def check_first(first: int, limit: int = PAGE_SIZE) -> None:
    if not 1 <= first <= limit:
        raise invalid_parameter(f"first must be between 1 and {limit} (one Cognito page), got {first}")


# fetch(token, limit) -> (items, next token)
PageFetcher = Callable[[Optional[str], int], Awaitable[tuple[Sequence[Any], Optional[str]]]]


C = TypeVar("C", bound=Connection[Any])

# expand(items of one page) -> the items the nodes are built from (described in full, given their pool...)
Expand = Callable[[list[Any]], Awaitable[list[Any]]]


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
    """One page of a Cognito list operation as a connection: one call, through the request's loaders.

    The model says how the operation pages: its page-size member (``Limit`` or ``MaxResults``) and its
    bound, its token member (``NextToken`` or ``PaginationToken``) and the list member of its answer.
    ``keep`` drops items the caller may not see (a page may then hold fewer than ``first``).
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
        items = page.get(items_member) or []
        if keep is not None:
            items = [item for item in items if keep(item)]
        return (await expand(items) if expand and items else items), page.get(token_member)

    return await paginate(connection, fetch, first, after, node, model.page_size_limit(operation))


async def paginate(
    connection: type[C],
    fetch: PageFetcher,
    first: int,
    after: Optional[str],
    node: Callable[[Any], Any],
    limit: int = PAGE_SIZE,
) -> C:
    """One Cognito call for one page of ``first`` items after the cursor ``after``.

    ``first`` and ``after`` are checked before any call. When a cursor points inside a Cognito page and
    ``skip + first`` exceeds one page, the page is shorter than ``first`` (Relay allows fewer).
    """
    check_first(first, limit)
    start = decode_cursor(after) if after else Position(None, 0)
    page_limit = min(limit, start.skip + first)
    items, next_token = await fetch(start.token, page_limit)
    taken = list(items)[start.skip :]
    edges = [
        Edge(cursor=encode_cursor(Position(start.token, start.skip + index + 1)), node=node(item))
        for index, item in enumerate(taken)
    ]
    if edges and next_token:
        # The last edge of a full page resumes at Cognito's next token.
        edges[-1].cursor = encode_cursor(Position(next_token, 0))
    return connection(
        edges=edges,
        nodes=[edge.node for edge in edges],
        page_info=PageInfo(has_next_page=bool(next_token), end_cursor=edges[-1].cursor if edges else after),
    )


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
