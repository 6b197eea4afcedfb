"""Request limits checked before execution: tokens (by the parser), depth, aliases and repeated selections
(on the parsed document, before validation), and the query cost, the worst-case number of Cognito calls an
operation may make, estimated from its selections and page sizes. The rules are built once per schema so that
the validation cache keeps hitting."""

from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cache
from typing import Any, Optional

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    is_union_type,
    validate,
)
from strawberry.extensions import ValidationCache
from strawberry.extensions.base_extension import SchemaExtension

from gateway.directory.search import MAX_FIRST as SEARCH_MAX_FIRST
from gateway.graphql.declarations import declaration, declared_fields
from gateway.graphql.pagination import PAGE_SIZE

# --- what calls Cognito ----------------------------------------------------------------------------
# Read from the fields' declarations (gateway.graphql.declarations): a declared field is one call per parent object
# (`pages` calls when declared so). A nested field with no arguments goes through a per-request loader, so two of them
# reading the same operation on one parent (preferredMfaSetting and userMfaSettingList) are one call. A connection
# declared `each_node` may describe every node, one call each: counted whenever the nodes are selected (the worst
# case).
LIST_SIZE = PAGE_SIZE  # the items assumed in a list that is not a connection (a user's groups)
# Counting stops at this multiple of a limit: nested lists multiply, and a count past 64 bits could not be
# written in the response (orjson refuses it). A count at the ceiling is reported as "<ceiling> or more".
SATURATION = 1000
# The bound of `first` where it is not the field's default (which it is for every Cognito-backed connection).
FIRST_BOUNDS: Mapping[tuple[str, str], int] = {("Query", "searchUsers"): SEARCH_MAX_FIRST}
# Fields that a connection's resolver answers for its nodes with no call, by the connection type, as paths from it:
# a search primes the groups loader of its nodes from the directory index (gateway.graphql.search).
PRIMED: Mapping[str, frozenset[str]] = {"UserSearchConnection": frozenset({"nodes.groups", "edges.node.groups"})}
NOTHING_PRIMED: frozenset[str] = frozenset()


def over(count: int, ceiling: int) -> str:
    return f"{count} or more" if count >= ceiling else str(count)


@cache
def described_connections(schema: GraphQLSchema) -> frozenset[str]:
    """The connection types whose nodes may each be described by a call (declared ``each_node``); a root field's
    connection is a member of its result union."""
    named = [get_named_type(field.type) for _, _, field, call in declared_fields(schema) if call.each_node is not None]
    members = [member for item in named for member in (item.types if is_union_type(item) else [item])]
    return frozenset(member.name for member in members if "nodes" in member.fields)


# --- the cost rule ---------------------------------------------------------------------------------


class CostOverLimit(GraphQLError):
    """``QUERY_TOO_COSTLY``; ``pages_from_variables`` when a ``first`` from a variable was costed at its bound."""

    pages_from_variables = False


class QueryCost(ValidationRule):
    """Refuses an operation whose worst-case number of Cognito calls is over ``max_cost``.

    A connection holds its ``first`` nodes. Validation runs once per document, whatever the variables, so
    there a ``first`` from a variable counts as the field's default, which is also its bound; an operation
    that is over the limit only so is costed again with the request's ``variables`` (:func:`recost`). Costs
    saturate at ``SATURATION`` times the limit."""

    max_cost: int
    variables: Optional[Mapping[str, Any]] = None  # a request's values: set only when costing again

    def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
        root = self.context.schema.get_root_type(node.operation)
        if root is None:
            return
        self._memo: dict[tuple[Any, ...], int] = {}
        self._ceiling = SATURATION * self.max_cost
        self._pages_from_variables = False
        self._variable_defaults = {
            definition.variable.name.value: definition.default_value for definition in node.variable_definitions or ()
        }
        cost = self._unit_cost([node.selection_set], root, None, NOTHING_PRIMED, root=True)
        if cost > self.max_cost:
            error = CostOverLimit(
                f"The query may make {over(cost, self._ceiling)} Cognito calls, over the limit of {self.max_cost}:"
                " ask for smaller pages (`first`) or fewer nested lists.",
                node,
                extensions={"code": "QUERY_TOO_COSTLY", "cost": cost, "maxCost": self.max_cost},
            )
            error.pages_from_variables = self._pages_from_variables and self.variables is None
            self.report_error(error)

    def _unit_cost(
        self,
        selection_sets: Sequence[SelectionSetNode],
        parent: GraphQLNamedType,
        page: int | None,
        primed: frozenset[str],
        root: bool = False,
    ) -> int:
        """The calls the selections make for one object of ``parent``; ``page`` is its ``first`` if it is a
        connection; ``primed``: the paths from here to fields answered with no call (see :data:`PRIMED`).
        Memoized, so that a fragment reached along many paths is walked once; a fragment cycle (reported by another
        rule) costs nothing more when it comes round. At most the ceiling."""
        key = (tuple(map(id, selection_sets)), parent.name, page, primed)
        if key not in self._memo:
            self._memo[key] = 0
            self._memo[key] = min(self._compute(selection_sets, parent, page, primed, root), self._ceiling)
        return self._memo[key]

    def _compute(
        self,
        selection_sets: Sequence[SelectionSetNode],
        parent: GraphQLNamedType,
        page: int | None,
        primed: frozenset[str],
        root: bool,
    ) -> int:
        # As execution does: fields of one response key on one type are one field, selections merged.
        fields: dict[tuple[str, str], tuple[GraphQLNamedType, list[FieldNode]]] = {}
        self._collect(selection_sets, parent, fields, set())
        calls: set[tuple[str, str]] = set()  # (type, operation or response key): one call each
        described: set[str] = set()
        described_types = described_connections(self.context.schema)
        total = 0
        for (type_name, response_key), (owner, nodes) in fields.items():
            name = nodes[0].name.value
            definition = getattr(owner, "fields", {}).get(name)
            if definition is None:  # __typename, or an unknown field another rule reports
                continue
            paths = primed | PRIMED.get(type_name, NOTHING_PRIMED)
            call = None if name in paths else declaration(definition)
            if call is not None:
                loaded = not root and not definition.args  # through a loader: one call per operation
                calls.add((type_name, call.operation if loaded else response_key))
                total += call.pages - 1
            if type_name in described_types and name in ("nodes", "edges"):
                described.add(type_name)
            children = [field.selection_set for field in nodes if field.selection_set]
            if children:
                fan_out = (page or LIST_SIZE) if is_list_type(get_nullable_type(definition.type)) else 1
                child_page = self._first(nodes[0], definition, FIRST_BOUNDS.get((type_name, name)))
                child_primed = frozenset(path.removeprefix(name + ".") for path in paths if path.startswith(name + "."))
                total += fan_out * self._unit_cost(children, get_named_type(definition.type), child_page, child_primed)
        return total + len(calls) + len(described) * (page or 0)

    def _collect(
        self,
        selection_sets: Iterable[SelectionSetNode],
        parent: GraphQLNamedType,
        fields: dict[tuple[str, str], tuple[GraphQLNamedType, list[FieldNode]]],
        spread: set[str],
    ) -> None:
        for selection_set in selection_sets:
            for selection in selection_set.selections:
                if isinstance(selection, FieldNode):
                    key = (parent.name, (selection.alias or selection.name).value)
                    fields.setdefault(key, (parent, []))[1].append(selection)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    owner = self.context.schema.get_type(condition.name.value) if condition else parent
                    if owner is not None:
                        self._collect([selection.selection_set], owner, fields, spread)
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
                    spread.add(selection.name.value)  # twice on one level is the same fields: merged
                    fragment = self.context.get_fragment(selection.name.value)
                    owner = fragment and self.context.schema.get_type(fragment.type_condition.name.value)
                    if owner is not None:
                        self._collect([fragment.selection_set], owner, fields, spread)

    def _first(self, node: FieldNode, definition: Any, bound: int | None) -> int | None:
        """The page size of a connection field: its ``first`` when known, its default when not given, else its
        ``bound`` (by default the field's default: a Cognito page)."""
        argument = definition.args.get("first")
        if argument is None:
            return None
        default = argument.default_value if isinstance(argument.default_value, int) else None
        if bound is None:
            bound = default if default is not None else PAGE_SIZE
        if not any(given.name.value == "first" for given in node.arguments or ()):
            return min(default, bound) if default is not None else bound
        for given in node.arguments or ():
            if given.name.value == "first":
                value = given.value
                if isinstance(value, VariableNode):
                    self._pages_from_variables = True
                    value = self._variable(value.name.value)
                if isinstance(value, IntValueNode):
                    # Past the bound the resolver refuses before calling: no more than the bound is ever read.
                    return max(0, min(int(value.value), bound))
                if isinstance(value, int) and not isinstance(value, bool):
                    return max(0, min(value, bound))
        return bound

    def _variable(self, name: str) -> Any:
        """A variable's value in the request being costed again (or its default); None in validation."""
        if self.variables is None:
            return None
        return self.variables[name] if name in self.variables else self._variable_defaults.get(name)


def recost(execution_context: Any, rule: type[QueryCost]) -> None:
    """Costs again, with the request's variables, an operation refused only for a ``first`` taken from a
    variable. The validation cache's error list is shared: it is replaced, never changed in place."""
    errors = execution_context.pre_execution_errors or []
    if not any(isinstance(error, CostOverLimit) and error.pages_from_variables for error in errors):
        return
    with_values = type(rule.__name__, (rule,), {"variables": execution_context.variables or {}})
    recosted = validate(execution_context.schema._schema, execution_context.graphql_document, [with_values])
    execution_context.pre_execution_errors = [
        *(error for error in errors if not isinstance(error, CostOverLimit)),
        *recosted,
    ]


# --- repeated selections ---------------------------------------------------------------------------
# graphql-core's OverlappingFieldsCanBeMergedRule compares every pair of fields that share a response key in
# one selection set: 450 copies of `me { subject }` took seconds to validate. They are counted here first, in
# one pass over the document, as execution merges them: through fragments, and into the children of parents
# that share a key. The pass walks at most as many fields as the token limit lets a document write out.


def repeated_selections(document: DocumentNode, max_repeats: int, max_fields: int) -> GraphQLError | None:
    """The refusal of a document that selects one response key more than ``max_repeats`` times in one
    (merged) selection set, or whose fragments expand to more than ``max_fields`` field selections. The
    operations are walked, then the fragments none of them spreads (validated all the same)."""
    fragments = {node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)}
    expanded: set[str] = set()
    budget = max_fields

    def walk(root: SelectionSetNode) -> GraphQLError | None:
        nonlocal budget
        # A group: the selection sets that merge into one, and the fragments being expanded above it.
        groups: list[tuple[list[SelectionSetNode], frozenset[str]]] = [([root], frozenset())]
        while groups:
            selection_sets, expanding = groups.pop()
            by_key: dict[str, list[FieldNode]] = {}
            spread = set(expanding)  # a fragment in a cycle (another rule reports it) is not expanded again
            while selection_sets:
                for selection in selection_sets.pop().selections:
                    if isinstance(selection, FieldNode):
                        by_key.setdefault((selection.alias or selection.name).value, []).append(selection)
                    elif isinstance(selection, InlineFragmentNode):
                        selection_sets.append(selection.selection_set)
                    elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in spread:
                        spread.add(selection.name.value)
                        fragment = fragments.get(selection.name.value)
                        if fragment is not None:
                            expanded.add(selection.name.value)
                            selection_sets.append(fragment.selection_set)
            for key, fields in by_key.items():
                if len(fields) > max_repeats:
                    return GraphQLError(
                        f"`{key}` is selected {len(fields)} times in one selection set (fragments and repeated"
                        f" parents included); at most {max_repeats} are allowed: select each field once.",
                        fields[: max_repeats + 1],
                        extensions={
                            "code": "TOO_MANY_SELECTIONS",
                            "selections": len(fields),
                            "maxSelections": max_repeats,
                        },
                    )
                budget -= len(fields)
                children = [field.selection_set for field in fields if field.selection_set]
                if children:
                    groups.append((children, frozenset(spread)))
            if budget < 0:
                return GraphQLError(
                    f"The document selects more than {max_fields} fields once its fragments are expanded.",
                    extensions={"code": "TOO_MANY_SELECTIONS", "maxExpandedFields": max_fields},
                )
        return None

    for node in document.definitions:
        if isinstance(node, OperationDefinitionNode) and (refusal := walk(node.selection_set)):
            return refusal
    for name, fragment in fragments.items():
        if name not in expanded and (refusal := walk(fragment.selection_set)):
            return refusal
    return None


# --- depth and aliases --------------------------------------------------------------------------


class _FragmentsOnce:
    """Measures each operation over its selections, measuring each fragment once however often it is
    spread: a document of fragments that spread fragments takes time linear in its size. (Strawberry's
    own depth and alias limiters re-walk a fragment at every spread: exponential in such a document.)
    Run on the parsed document before validation, which costs ~60 µs a field: a refusal skips it."""

    def __init__(self, fragments: Mapping[str, FragmentDefinitionNode], limit: int) -> None:
        self._definitions = fragments
        self.limit = limit
        self._fragments: dict[str, int] = {}

    def refusal(self, operation: OperationDefinitionNode) -> GraphQLError | None:
        return self.check(operation, self.measure(operation.selection_set))

    def fragment(self, name: str) -> int:
        if name not in self._fragments:
            self._fragments[name] = 0  # a cycle (NoFragmentCycles reports it) adds nothing
            fragment = self._definitions.get(name)
            self._fragments[name] = self.measure(fragment.selection_set) if fragment else 0
        return self._fragments[name]

    def measure(self, selection_set: SelectionSetNode) -> int:
        raise NotImplementedError

    def check(self, operation: OperationDefinitionNode, measured: int) -> GraphQLError | None:
        raise NotImplementedError


class QueryDepth(_FragmentsOnce):
    """The nesting of fields with selections (``{ user { username } }`` is 1); introspection is not counted."""

    def measure(self, selection_set: SelectionSetNode) -> int:
        deepest = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                if selection.selection_set and not selection.name.value.startswith("__"):
                    deepest = max(deepest, 1 + self.measure(selection.selection_set))
            elif isinstance(selection, InlineFragmentNode):
                deepest = max(deepest, self.measure(selection.selection_set))
            elif isinstance(selection, FragmentSpreadNode):
                deepest = max(deepest, self.fragment(selection.name.value))
        return deepest

    def check(self, operation: OperationDefinitionNode, depth: int) -> GraphQLError | None:
        if depth <= self.limit:
            return None
        name = operation.name.value if operation.name else "anonymous"
        return GraphQLError(
            f"'{name}' is {depth} levels deep: it exceeds maximum operation depth of {self.limit}.",
            operation,
            extensions={"code": "QUERY_TOO_DEEP", "depth": depth, "maxDepth": self.limit},
        )


class AliasCount(_FragmentsOnce):
    """Aliased fields as executed: a fragment's aliases count once per spread, up to ``SATURATION`` times the
    limit."""

    def measure(self, selection_set: SelectionSetNode) -> int:
        return min(self._count(selection_set), SATURATION * self.limit)

    def _count(self, selection_set: SelectionSetNode) -> int:
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += bool(selection.alias) + (
                    self.measure(selection.selection_set) if selection.selection_set else 0
                )
            elif isinstance(selection, InlineFragmentNode):
                total += self.measure(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def check(self, operation: OperationDefinitionNode, aliases: int) -> GraphQLError | None:
        if aliases <= self.limit:
            return None
        return GraphQLError(
            f"{over(aliases, SATURATION * self.limit)} aliases found. Allowed: {self.limit}",
            operation,
            extensions={"code": "TOO_MANY_ALIASES", "aliases": aliases, "maxAliases": self.limit},
        )


def depth_and_aliases(document: DocumentNode, max_depth: int, max_aliases: int) -> list[GraphQLError]:
    """The refusals of the operations of ``document`` that are too deep or hold too many aliases."""
    fragments = {node.name.value: node for node in document.definitions if isinstance(node, FragmentDefinitionNode)}
    measures = (QueryDepth(fragments, max_depth), AliasCount(fragments, max_aliases))
    operations = [node for node in document.definitions if isinstance(node, OperationDefinitionNode)]
    return [refusal for operation in operations for measure in measures if (refusal := measure.refusal(operation))]


# --- assembly --------------------------------------------------------------------------------------


def limits_extension(
    *,
    max_depth: int,
    max_aliases: int,
    max_tokens: int,
    max_query_cost: int,
    max_field_selections: int,
    introspection: bool,
) -> type[SchemaExtension]:
    """One extension for every limit (and introspection off): the parser's token bound, the checks of depth,
    aliases and repeated selections on the parsed document, and the validation rules. The rule classes are made
    here, once, as the validation cache is keyed by them; one extension rather than one per limit, as each costs
    Strawberry a few µs per request and phase. It goes after :class:`ValidationCacheAfterChecks` in the schema's
    extensions."""
    cost_rule = type("QueryCost", (QueryCost,), {"max_cost": max_query_cost})
    rules: tuple[type[ValidationRule], ...] = (cost_rule,)
    if not introspection:
        rules += (NoSchemaIntrospectionCustomRule,)

    class RequestLimits(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            context = self.execution_context
            context.parse_options["max_tokens"] = max_tokens
            context.validation_rules = (*context.validation_rules, *rules)
            yield

        def on_parse(self) -> Iterator[None]:
            yield
            # Before validation, which costs ~60 µs a field and is quadratic in repeated selections: a refusal
            # here skips it.
            context = self.execution_context
            document = context.graphql_document
            if document is not None and not context.pre_execution_errors:
                refusals = depth_and_aliases(document, max_depth, max_aliases)
                repeated = repeated_selections(document, max_field_selections, max_tokens)
                if refusals or repeated:
                    context.pre_execution_errors = [*refusals, *([repeated] if repeated else [])]

        def on_validate(self) -> Iterator[None]:
            # Validation errors are already in, from the validation cache.
            context = self.execution_context
            recost(context, cost_rule)
            # Strawberry runs the first operation of a document that holds several when no operationName is
            # given; the spec says to refuse it.
            if context._provided_operation_name is None and context.graphql_document is not None:
                operations = [d for d in context.graphql_document.definitions if isinstance(d, OperationDefinitionNode)]
                if len(operations) > 1:
                    refusal = GraphQLError(
                        "The document holds several operations: name the one to run in operationName.",
                        operations,
                        extensions={"code": "OPERATION_NAME_REQUIRED"},
                    )
                    context.pre_execution_errors = [*(context.pre_execution_errors or ()), refusal]
            yield

    return RequestLimits


class ValidationCacheAfterChecks(ValidationCache):
    """Strawberry's validation cache, which does not validate a document the request limits refused once it
    was parsed."""

    def on_validate(self) -> Iterator[None]:
        if self.execution_context.pre_execution_errors:
            yield
        else:
            yield from super().on_validate()


# Strawberry's limiters report plain errors; their messages tell which limit it was.
_LIMIT_CODES = (("Document contains more than", "TOO_MANY_TOKENS"),)


def add_limit_code(error: GraphQLError) -> None:
    for fragment, code in _LIMIT_CODES:
        if fragment in error.message and not (error.extensions or {}).get("code"):
            error.extensions = {**(error.extensions or {}), "code": code}
