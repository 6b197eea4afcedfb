"""``searchUsers``: the directory index's searches (DESIGN.md section 8) as a connection with an exact
``totalCount`` and facets. Answered from the index's in-memory columns of the pool (``directory.columns``, caught up
with the database before each search), or from SQL while those load: no field here calls Cognito (they declare
nothing, so the query-cost limit counts them as free); a node's fields the index lacks (devices, MFA settings...)
load through the usual loaders, and its ``groups`` come from the index."""

import dataclasses
from collections.abc import Callable
from typing import Annotated, Any, Optional, Union

import strawberry

from gateway.auth import Role
from gateway.cognito.errors import invalid_parameter
from gateway.directory import search as index_search
from gateway.directory.column_search import ColumnSearch
from gateway.directory.records import IndexState as StoredIndexState
from gateway.directory.records import PoolIndex
from gateway.graphql.context import Context, Info
from gateway.graphql.errors import ERROR_TYPES, CognitoError, ErrorFault, ServiceError
from gateway.graphql.index import IndexStatus
from gateway.graphql.pagination import Edge, PageInfo, Position, selected_node_fields, selected_object_fields
from gateway.graphql.permissions import requires
from gateway.graphql.users import User, user_from

SearchOperator = strawberry.enum(index_search.SearchOperator, description="How a condition compares.")
SortDirection = strawberry.enum(index_search.SortDirection)


@strawberry.input(description="One condition; conditions AND together.")
class UserConditionInput:
    field: str = strawberry.field(
        description="An attribute name (email, custom:tier) or username, userStatus, enabled, group, "
        "userCreateDate, userLastModifiedDate."
    )
    operator: SearchOperator  # type: ignore[valid-type]
    value: Optional[str] = None
    values: Optional[list[str]] = None


@strawberry.input(description="A sort key; ties go by username. A missing value sorts last either way.")
class UserSortInput:
    field: str
    direction: SortDirection = SortDirection.ASC  # type: ignore[valid-type]


@strawberry.type
class FacetValue:
    value: str
    count: int


@strawberry.type(description="A field's values among all matches, by count then value, at most 100.")
class Facet:
    field: str
    values: list[FacetValue]


@strawberry.type(
    description="The pool's directory index is not READY: retryable while it syncs, not when it is not indexed."
)
class IndexNotReadyError(CognitoError):
    index_status: IndexStatus


@strawberry.type(description="Users found in the directory index.")
class UserSearchConnection:
    nodes: list[User]
    page_info: PageInfo
    total_count: int = strawberry.field(description="Every match, exactly.")
    index_status: IndexStatus
    compiled: strawberry.Private[index_search.CompiledSearch | ColumnSearch]
    cursor: strawberry.Private[Callable[[index_search.Hit], str]]
    hits: strawberry.Private[list[index_search.Hit]]

    @strawberry.field
    def edges(self) -> list[Edge[User]]:
        # Sealed when asked for: a page's 50 cursors cost more than its nodes.
        return [Edge(cursor=self.cursor(hit), node=node) for hit, node in zip(self.hits, self.nodes, strict=True)]

    @strawberry.field(description="Counts of each field's values over all matches.")
    async def facets(self, fields: list[str]) -> list[Facet]:
        try:
            found = await self.compiled.facets(fields)
        except index_search.InvalidSearch as error:
            raise invalid_parameter(str(error)) from None
        return [
            Facet(field=f.field, values=[FacetValue(value=v.value, count=v.count) for v in f.values]) for f in found
        ]


InvalidParameterError = ERROR_TYPES["InvalidParameterException"]
SearchUsersResult = Optional[
    Annotated[
        Union[UserSearchConnection, IndexNotReadyError, InvalidParameterError, ServiceError],  # type: ignore[valid-type]
        strawberry.union("SearchUsersResult"),
    ]
]


def _node(
    context: Context,
    user_pool_id: str,
    hit: index_search.Hit,
    groups: dict[str, dict[str, Any]] | None,
    with_attributes: bool,
) -> User:
    user = hit.user
    node = user_from(
        {
            "Username": user.username,
            # Only when selected: 50 nodes' attributes as GraphQL objects cost more than the search.
            "Attributes": [{"Name": name, "Value": value} for name, value in user.attributes.items()]
            if with_attributes
            else None,
            "UserStatus": user.user_status,
            "Enabled": user.enabled,
            "UserCreateDate": user.user_create_date,
            "UserLastModifiedDate": user.user_last_modified_date,
        },
        user_pool_id,
    )
    if groups is not None:
        # The index knows the user's groups: User.groups finds them in the request's loader, with no call.
        context.loaders.groups_of_user.prime(
            (user_pool_id, user.username), [groups[name] for name in sorted(user.groups or ())]
        )
    return node


@dataclasses.dataclass(frozen=True)
class Wanted:
    """What the query selects of a search's connection: work it does not need is not done."""

    page: bool = True  # nodes, edges or pageInfo
    total: bool = True
    groups: bool = True  # the nodes' groups
    attributes: bool = True  # the nodes' attributes

    @classmethod
    def of(cls, info: Info) -> "Wanted":
        selected, on_nodes = selected_object_fields(info), selected_node_fields(info)
        return cls(
            page=bool(selected.keys() & {"nodes", "edges", "pageInfo"}),
            total="totalCount" in selected,
            groups="groups" in on_nodes,
            attributes=bool(on_nodes & {"attributes", "attribute"}),
        )


def not_ready(pool: PoolIndex) -> IndexNotReadyError:
    """What a search of a pool whose index is not READY answers (retryable while it syncs)."""
    syncing = pool.state is StoredIndexState.SYNCING
    return IndexNotReadyError(
        message=f"The directory index of {pool.user_pool_id} is {pool.state.value}"
        + (": try again when its sync is done." if syncing else ": index it first (indexUserPool)."),
        code="IndexNotReady",
        fault=ErrorFault.CLIENT,
        retryable=syncing,
        request_id=None,
        metadata=None,
        index_status=IndexStatus.of(pool),
    )


async def search_users(
    context: Context, search: index_search.Search, wanted: Wanted = Wanted()
) -> Union[UserSearchConnection, IndexNotReadyError]:
    index = context.index
    if index is None:  # the schema executed outside the app
        raise RuntimeError("searchUsers needs the app's directory index")
    try:
        compiled = index_search.CompiledSearch(index.repository.database, search)
    except index_search.InvalidSearch as error:
        raise invalid_parameter(str(error)) from None
    pool = await index.states.state(search.user_pool_id)
    if pool.state is not StoredIndexState.READY:
        return not_ready(pool)
    # The pool's in-memory columns answer when they are loaded (and brought up to date); SQL answers meanwhile, and
    # always when they are off (GATEWAY_INDEX_IN_MEMORY).
    columns = (
        await index.columns.columns(pool.user_pool_id, pool.revision, removals_from=pool.removals_from)
        if index.columns
        else None
    )
    searcher = compiled if columns is None else ColumnSearch(compiled, columns)
    page = await searcher.page(with_attributes=wanted.attributes) if wanted.page else index_search.Page([], False)
    total = await searcher.total_count() if wanted.total else 0
    groups = await searcher.groups_of(page) if wanted.groups else None
    listing = search.listing()

    def cursor(hit: index_search.Hit) -> str:
        return context.cursors.seal(Position(hit.position, 0), listing)

    hits = page.hits
    return UserSearchConnection(
        nodes=[_node(context, search.user_pool_id, hit, groups, wanted.attributes) for hit in hits],
        page_info=PageInfo(
            has_next_page=page.has_next_page,
            has_previous_page=False,
            start_cursor=cursor(hits[0]) if hits else None,
            end_cursor=cursor(hits[-1]) if hits else None,
        ),
        total_count=total,
        index_status=IndexStatus.of(pool),
        compiled=searcher,
        cursor=cursor,
        hits=hits,
    )


@strawberry.type
class SearchQueries:
    @strawberry.field(
        description="Search, sort, count and facet a pool's users in the gateway's directory index (no Cognito "
        "call). `first` is 1..500.",
        extensions=[requires(Role.VIEWER)],
    )
    async def search_users(
        self,
        info: Info,
        user_pool_id: strawberry.ID,
        text: Optional[str] = None,
        where: Optional[list[UserConditionInput]] = None,
        sort: Optional[list[UserSortInput]] = None,
        first: int = index_search.DEFAULT_FIRST,
        after: Optional[str] = None,
    ) -> SearchUsersResult:
        search = index_search.Search(
            user_pool_id=str(user_pool_id),
            text=text,
            conditions=[
                index_search.Condition(c.field, index_search.SearchOperator(c.operator.value), c.value, c.values)
                for c in where or ()
            ],
            sort=[index_search.Sort(s.field, index_search.SortDirection(s.direction.value)) for s in sort or ()],
            first=first,
        )
        if after is not None:
            opened = info.context.cursors.open(after, search.listing(), 0)
            search = dataclasses.replace(search, after=opened.token)
        return await search_users(info.context, search, Wanted.of(info))
