"""The media type of a GraphQL response, chosen from the request's ``Accept`` header as GraphQL over HTTP asks
(its "Body" section, with RFC 9110's content negotiation).

Written out rather than taken from Werkzeug or python-mimeparse: Werkzeug's ``MIMEAccept`` does not match
``application/graphql-response+json;charset=utf-8`` to the type, and python-mimeparse raises on a bad ``q``.
"""

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

# What each is sent as: the spec asks for the encoding on its own type; `application/json` has no charset
# parameter (RFC 8259: JSON is UTF-8).
CONTENT_TYPES = {GRAPHQL_RESPONSE: f"{GRAPHQL_RESPONSE}; charset=utf-8", JSON: JSON}

_RANGES = {  # the media ranges that cover each type, most specific first
    GRAPHQL_RESPONSE: (GRAPHQL_RESPONSE, "application/*", "*/*"),
    JSON: (JSON, "application/*", "*/*"),
}


def response_media_type(accept: str | None) -> str | None:
    """The type to answer in, or None when ``accept`` allows neither (the caller answers 406).

    Each type takes the weight (``q``) of the most specific range that covers it; ``q=0`` refuses it. The
    heavier wins; at equal weight a type the client names beats one only a wildcard covers, then the one named
    first. A wildcard alone (``*/*``, ``application/*``) and a missing header give ``application/json``, what a
    client written before ``application/graphql-response+json`` expects."""
    if accept is None or not accept.strip():
        return JSON
    found: dict[str, tuple[int, float, int]] = {}  # type -> (specificity, q, position) of its best range
    for position, member in enumerate(accept.split(",")):
        media_range, *parameters = (part.strip() for part in member.split(";"))
        weight = _weight(parameters)
        if weight is None:
            continue  # not a valid member: ignored
        for media_type, ranges in _RANGES.items():
            if media_range.lower() in ranges:
                specificity = len(ranges) - ranges.index(media_range.lower())
                if specificity > found.get(media_type, (0, 0.0, 0))[0]:
                    found[media_type] = (specificity, weight, position)
    acceptable = [
        (weight, specificity == len(_RANGES[media_type]), -position, media_type == JSON, media_type)
        for media_type, (specificity, weight, position) in found.items()
        if weight > 0
    ]
    return max(acceptable)[-1] if acceptable else None


def _weight(parameters: list[str]) -> float | None:
    """The member's ``q`` (1 when absent); None when it is malformed or asks for a charset other than UTF-8."""
    weight = 1.0
    for parameter in parameters:
        name, _, value = parameter.partition("=")
        name, value = name.strip().lower(), value.strip().strip('"').lower()
        if name == "q":
            try:
                weight = float(value)
            except ValueError:
                return None
            if not 0 <= weight <= 1:  # also false for nan
                return None
        elif name == "charset" and value not in ("utf-8", "utf8"):
            return None
    return weight
