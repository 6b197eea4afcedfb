"""Terms documents (terms of use, privacy policy) of app clients, which moto 5.2.5 lacks.

CreateTerms, DescribeTerms, DescribeTermsByClient, ListTerms, UpdateTerms and
DeleteTerms are responder methods that :func:`gateway.demo.extensions.install`
adds to moto's ``CognitoIdpResponse``.  Requests are checked against the
botocore model first (TermsName, TermsSource, Enforcement, the Links map's
languages and size, ListTerms' MaxResults); the documents live on moto's pool
object, so ``POST /moto-api/reset`` drops them.

As in Cognito: a document belongs to one app client and its name is unique
there (TermsExistsException, on Create and on a rename by Update); a document
needs its links (the model requires them in TermsType); Update changes only
the members it is sent; ListTerms pages the pool's documents in creation
order.  Documents of a deleted app client go with it.
"""

from __future__ import annotations

import copy
import datetime
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Final

from moto.cognitoidp.exceptions import InvalidParameterException, ResourceNotFoundError
from moto.cognitoidp.models import CognitoIdpUserPool
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow

from gateway.demo.exceptions import TermsExistsException
from gateway.demo.request_checks import checked_request
from gateway.demo.requests import Operations, paginate, pool_and_client, pool_state, with_token

__all__ = ["OPERATIONS"]

OPERATIONS: Final = Operations()

_STATE_ATTRIBUTE: Final = "_gateway_terms"
# LinkUrlType's pattern is "visible characters only" in Java's \p{...} classes, which re cannot read.
_LINK: Final = re.compile(r"[^\s\x00-\x1f\x7f]+")


@dataclass
class _Terms:
    terms_id: str
    client_id: str
    name: str
    source: str
    enforcement: str
    links: dict[str, str]
    created: datetime.datetime
    modified: datetime.datetime

    def to_json(self, pool_id: str) -> dict[str, Any]:
        return {
            "TermsId": self.terms_id,
            "UserPoolId": pool_id,
            "ClientId": self.client_id,
            "TermsName": self.name,
            "TermsSource": self.source,
            "Enforcement": self.enforcement,
            "Links": dict(self.links),
            "CreationDate": self.created,
            "LastModifiedDate": self.modified,
        }

    def summary(self) -> dict[str, Any]:
        """TermsDescriptionType, ListTerms' item."""
        return {
            "TermsId": self.terms_id,
            "TermsName": self.name,
            "Enforcement": self.enforcement,
            "CreationDate": self.created,
            "LastModifiedDate": self.modified,
        }


@dataclass
class _PoolTerms:
    by_id: dict[str, _Terms] = field(default_factory=dict)  # insertion order = creation order


def _documents(pool: CognitoIdpUserPool) -> dict[str, _Terms]:
    """The pool's terms documents, without those of deleted app clients."""
    by_id = pool_state(pool, _STATE_ATTRIBUTE, _PoolTerms).by_id
    for gone in [terms_id for terms_id, terms in by_id.items() if terms.client_id not in pool.clients]:
        by_id.pop(gone, None)
    return by_id


def _checked_links(links: dict[str, str]) -> dict[str, str]:
    for language, url in links.items():
        if not _LINK.fullmatch(url):
            raise InvalidParameterException(f"The link for {language} is not a valid URL: {url!r}")
    return dict(links)


def _document(response: CognitoIdpResponse, request: dict[str, Any]) -> tuple[CognitoIdpUserPool, _Terms]:
    pool = response.backend.describe_user_pool(request["UserPoolId"])
    terms = _documents(pool).get(request["TermsId"])
    if terms is None:
        raise ResourceNotFoundError(f"Terms {request['TermsId']} does not exist.")
    return pool, terms


def _name_taken(pool: CognitoIdpUserPool, client_id: str, name: str, other_than: str | None = None) -> bool:
    return any(
        terms.client_id == client_id and terms.name == name and terms.terms_id != other_than
        for terms in _documents(pool).values()
    )


@OPERATIONS.add
def create_terms(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, client = pool_and_client(self, request["UserPoolId"], request["ClientId"])
    if not request.get("Links"):
        raise InvalidParameterException("Links are required: a terms document needs at least one link.")
    links = _checked_links(request["Links"])
    if _name_taken(pool, client.id, request["TermsName"]):
        raise TermsExistsException(client.id, request["TermsName"])
    now = utcnow()
    terms = _Terms(
        terms_id=str(uuid.uuid4()),
        client_id=client.id,
        name=request["TermsName"],
        source=request["TermsSource"],
        enforcement=request["Enforcement"],
        links=links,
        created=now,
        modified=now,
    )
    _documents(pool)[terms.terms_id] = terms
    return ActionResult({"Terms": terms.to_json(pool.id)})


@OPERATIONS.add
def describe_terms(self: CognitoIdpResponse) -> ActionResult:
    pool, terms = _document(self, checked_request(self))
    return ActionResult({"Terms": terms.to_json(pool.id)})


@OPERATIONS.add
def describe_terms_by_client(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, client = pool_and_client(self, request["UserPoolId"], request["ClientId"])
    for terms in _documents(pool).values():
        if terms.client_id == client.id and terms.name == request["TermsName"]:
            return ActionResult({"Terms": terms.to_json(pool.id)})
    raise ResourceNotFoundError(f"Terms {request['TermsName']} do not exist for app client {client.id}.")


@OPERATIONS.add
def list_terms(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)  # MaxResults 1..60
    pool = self.backend.describe_user_pool(request["UserPoolId"])
    page, token = paginate(
        list(_documents(pool).values()),
        lambda terms: terms.terms_id,
        limit=request.get("MaxResults"),
        token=request.get("NextToken"),
        limit_member="maxResults",
    )
    return ActionResult(with_token({"Terms": [terms.summary() for terms in page]}, "NextToken", token))


@OPERATIONS.add
def update_terms(self: CognitoIdpResponse) -> ActionResult:
    request = checked_request(self)
    pool, terms = _document(self, request)
    name = request.get("TermsName", terms.name)
    if _name_taken(pool, terms.client_id, name, other_than=terms.terms_id):
        raise TermsExistsException(terms.client_id, name)
    links = _checked_links(request["Links"]) if "Links" in request else copy.deepcopy(terms.links)
    terms.name = name
    terms.source = request.get("TermsSource", terms.source)
    terms.enforcement = request.get("Enforcement", terms.enforcement)
    terms.links = links
    terms.modified = utcnow()
    return ActionResult({"Terms": terms.to_json(pool.id)})


@OPERATIONS.add
def delete_terms(self: CognitoIdpResponse) -> ActionResult:
    pool, terms = _document(self, checked_request(self))
    _documents(pool).pop(terms.terms_id, None)
    return EmptyResult()
