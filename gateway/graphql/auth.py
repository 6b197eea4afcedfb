"""Auth flows: sign-in (admin and client side) and its challenges, sign-up, password recovery, token refresh and
revocation, client-credentials tokens, and an end user's feedback on an auth event.

For internal tooling that tests sign-in. Every mutation is named after its Cognito operation, takes
``input: <Operation>Input!`` made from the request shape, and answers ``<Operation>Result``: the
``<Operation>Payload`` with every member of Cognito's response (a challenge is part of the payload:
``challengeName session challengeParameters``), or a typed error.

``SECRET_HASH``. When the app client has a secret, the gateway computes ``SECRET_HASH`` itself and adds it
(``AuthParameters.SECRET_HASH``, ``ChallengeResponses.SECRET_HASH``, the ``SecretHash`` member; the secret itself
as RevokeToken's and GetTokensFromRefreshToken's ``ClientSecret``, GetClientToken's ``Secret``). It reads the secret
with DescribeUserPoolClient (through the request's loaders) and never logs or returns it. The admin operations name their pool; the client-side ones (InitiateAuth, SignUp...)
name only the app client, so their inputs take one field beyond the request's members, an optional
``userPoolId``: given, the gateway fills in the hash (and calls the pool's region); absent, the request is sent
as it is, and a caller of a client with a secret passes ``secretHash`` / ``SECRET_HASH`` itself. A hash the
caller gives is always kept. Given ``userPoolId``, the client must be that pool's, or the flow is not called:
the grant and the audit go by the pool named, Cognito by the client's. GetClientToken's ``Secret``, required by
Cognito, is optional in its input for that reason: without it, the gateway needs ``userPoolId`` to read it.

Every flow needs the admin role: most return tokens, and the others act for an end user (sign-up, recovery,
UpdateAuthEventFeedback with the token Cognito emailed). The tokens answered, like every member the model marks
sensitive, are fields only admins read; the audit records inputs, with their secrets (refresh token, client secret,
feedback token) as ``REDACTED``.

``USER_SRP_AUTH``. ``initiateAuth(input: {authFlow: USER_SRP_AUTH, userPoolId, authParameters: {USERNAME,
PASSWORD}})`` runs the whole SRP exchange: the gateway sends ``SRP_A`` (never the password), answers
``PASSWORD_VERIFIER`` with the proof computed from the password, and returns the tokens or the next challenge
(NEW_PASSWORD_REQUIRED, an MFA...). With ``SRP_A`` instead of ``PASSWORD`` the request is passed through, and
the caller answers ``PASSWORD_VERIFIER`` with ``respondToAuthChallenge`` itself.
"""

from collections.abc import Awaitable, Callable
from typing import Any, Optional

import strawberry
from strawberry.types.field import StrawberryField

from gateway.auth import AccessDenied, Role
from gateway.cognito import model
from gateway.cognito.auth_crypto import PASSWORD_VERIFIER, SrpLogin, secret_hash
from gateway.cognito.errors import CognitoException, invalid_parameter
from gateway.cognito.model import region_of
from gateway.directory.writes import also_reads
from gateway.graphql.clients import describe_client
from gateway.graphql.context import Context, Info
from gateway.graphql.declarations import calls
from gateway.graphql.operations import mutation_field, payload_type
from gateway.graphql.shapes import from_cognito, input_type, python_name, summary, to_cognito
from gateway.graphql.users import User, UserChange, load_user

# Flows that take no USERNAME: the gateway reads one only to compute SECRET_HASH, and does not send it.
_REFRESH_FLOWS = frozenset({"REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"})

# --- the app client's secret ------------------------------------------------------------------------


async def _client_secret(context: Context, user_pool_id: Optional[str], client_id: str) -> Optional[str]:
    """The app client's secret (``None`` for a public client, or when the pool is not named)."""
    if not user_pool_id:
        return None
    return (await describe_client(context, user_pool_id, client_id)).get("ClientSecret")


async def _check_client_of_pool(context: Context, user_pool_id: str, client_id: str, role: Role) -> None:
    """Refuses a client-side flow whose app client is not the named pool's. The caller's grant is checked,
    and the audit written, against the pool named; Cognito acts on the client's own pool. A grant limited to
    some pools is refused (FORBIDDEN) whatever the reason, since the client may be another pool's; a grant on
    every pool sees Cognito's answer (ResourceNotFound). One read, shared with SECRET_HASH's lookup."""
    try:
        client = await describe_client(context, user_pool_id, client_id)
    except CognitoException as error:
        if error.code != "ResourceNotFoundException" or context.caller.may_everywhere(role):
            raise
        client = {}
    if client.get("UserPoolId") != user_pool_id:
        raise AccessDenied(f"Forbidden: {client_id} is not an app client of user pool {user_pool_id}.")


def _string_map(value: Any, field: str) -> dict[str, str]:
    """A ``JSON`` input that must be Cognito's string map (``authParameters``, ``challengeResponses``)."""
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(item, str) for item in (*value, *value.values())):
        raise invalid_parameter(f"{field} must be an object whose values are strings")
    return dict(value)


async def _with_secret_hash(
    context: Context, user_pool_id: Optional[str], client_id: str, parameters: dict[str, str], field: str
) -> dict[str, str]:
    """``parameters`` (auth parameters or challenge responses) with ``SECRET_HASH`` when the client has a secret."""
    if parameters.get("SECRET_HASH"):
        return parameters
    secret = await _client_secret(context, user_pool_id, client_id)
    if secret is None:
        return parameters
    username = parameters.get("USERNAME")
    if not username:
        raise invalid_parameter(
            f"{field}.USERNAME is needed: the app client has a secret, and SECRET_HASH is computed from the username"
        )
    return {**parameters, "SECRET_HASH": secret_hash(username, client_id, secret)}


async def _with_client_secret(
    context: Context, request: dict[str, Any], member: str, user_pool_id: Optional[str]
) -> dict[str, Any]:
    """``request`` with the app client's secret as ``member`` (``ClientSecret``, ``Secret``), unless it has one."""
    if request.get(member):
        return request
    secret = await _client_secret(context, user_pool_id, request["ClientId"])
    return request if secret is None else {**request, member: secret}


def _with_map(request: dict[str, Any], member: str, value: dict[str, str]) -> dict[str, Any]:
    request = dict(request)
    if value:
        request[member] = value
    else:
        request.pop(member, None)
    return request


def _region(user_pool_id: Optional[str]) -> Optional[str]:
    """The region of a client-side call: the pool's when given, else the default one."""
    return region_of(user_pool_id) if user_pool_id else None


# --- types -------------------------------------------------------------------------------------------

_POOL_FIELD = (
    "The user pool of the app client. Not a member of the Cognito request: given, the gateway checks the client is "
    "the pool's, adds what the client's secret gives (SECRET_HASH, or the secret itself) for a client with one, "
    "drives USER_SRP_AUTH, and calls Cognito in the pool's region."
)


# Members Cognito requires that the gateway fills in when the input names the pool: optional in the input.
_FILLED_IN: dict[str, tuple[str, ...]] = {"GetClientToken": ("Secret",)}
_FILLED_IN_FIELD = "Optional with userPoolId: the gateway then reads the app client's secret and sends it."


def _input(operation: str, *, optional_pool: bool) -> type:
    """``<Operation>Input`` from the request shape; client-side operations gain an optional ``userPoolId``."""
    shape = model.operation(operation).input_shape
    base = input_type(shape.name, name=f"{operation}Input")
    if not optional_pool:
        return base
    annotations: dict[str, Any] = {"user_pool_id": Optional[strawberry.ID]}
    namespace: dict[str, Any] = {
        "__module__": __name__,
        "__annotations__": annotations,
        "user_pool_id": strawberry.field(default=strawberry.UNSET, description=_POOL_FIELD),
    }
    for member in _FILLED_IN.get(operation, ()):
        annotations[python_name(member)] = Optional[str]
        namespace[python_name(member)] = strawberry.field(default=strawberry.UNSET, description=_FILLED_IN_FIELD)
    # The members stay the base's (``__cognito_members__``), so ``to_cognito`` never sends ``userPoolId``.
    cls = type(f"{operation}Input", (base,), namespace)
    return strawberry.input(cls, name=f"{operation}Input", description=summary(shape.documentation))


def _username(request: dict[str, Any]) -> Optional[str]:
    """The user a request names: its ``Username``, else ``USERNAME`` of its auth parameters or challenge responses."""
    for member in ("AuthParameters", "ChallengeResponses"):
        if isinstance(request.get(member), dict) and isinstance(request[member].get("USERNAME"), str):
            return request[member]["USERNAME"]
    return request.get("Username")


@strawberry.type
class UserOfClient:
    """The identifiers a client-side user operation names, and the user, read lazily."""

    client_id: str
    username: str
    user_pool_id: Optional[strawberry.ID] = strawberry.field(default=None, description="The userPoolId of the input.")

    @strawberry.field(
        description="The user, read after the operation (AdminGetUser); null without userPoolId.",
        extensions=calls("AdminGetUser", role=Role.VIEWER),
    )
    async def user(self, info: Info) -> Optional[User]:
        if not self.user_pool_id:
            return None
        return await load_user(info.context, self.user_pool_id, self.username)


@strawberry.type
class RevokedToken:
    client_id: str


AdminInitiateAuthPayload = payload_type("AdminInitiateAuth")
AdminRespondToAuthChallengePayload = payload_type("AdminRespondToAuthChallenge")
InitiateAuthPayload = payload_type("InitiateAuth")
RespondToAuthChallengePayload = payload_type("RespondToAuthChallenge")
_USER_OPERATIONS = ("SignUp", "ConfirmSignUp", "ResendConfirmationCode", "ForgotPassword", "ConfirmForgotPassword")
USER_PAYLOADS: dict[str, type] = {operation: payload_type(operation, UserOfClient) for operation in _USER_OPERATIONS}
RevokeTokenPayload = payload_type("RevokeToken", RevokedToken)
GetTokensFromRefreshTokenPayload = payload_type("GetTokensFromRefreshToken")
GetClientTokenPayload = payload_type("GetClientToken")
# Cognito answers nothing: the user named, read lazily (its authEvents show the feedback).
UpdateAuthEventFeedbackPayload = payload_type("UpdateAuthEventFeedback", UserChange)

# run(context, request parameters, user pool ID or None) -> payload
Run = Callable[[Context, dict[str, Any], Optional[str]], Awaitable[Any]]


def _auth_mutation(operation: str, payload: type, run: Run, *, also: tuple[str, ...] = ()) -> StrawberryField:
    """An auth flow's mutation: an admin's, which may read the app client (its secret, its pool) first."""
    role = Role.ADMIN
    op = model.operation(operation)
    names_pool = "UserPoolId" in op.input_shape.members
    input_cls = _input(operation, optional_pool=not names_pool)

    async def resolve(info: Info, input: Any) -> Any:
        request = to_cognito(input)
        user_pool_id = request.get("UserPoolId") if names_pool else (input.user_pool_id or None)
        if not names_pool and user_pool_id:  # an operation naming its pool has Cognito check the client
            await _check_client_of_pool(info.context, user_pool_id, request["ClientId"], role)
        result = await run(info.context, request, user_pool_id)
        # Signing in or up, or a new password, changes the user: drop what this request read of it.
        written = {"UserPoolId": user_pool_id, "Username": _username(request)}
        # Nothing pool-level changes by signing in or up: the shared cache stays.
        info.context.loaders.forget_written({key: value for key, value in written.items() if value})
        await info.context.update_index(operation, user_pool_id, request, None)
        return result

    # The union holds exactly the operation's errors (the contract): a code it lacks, such as one of
    # DescribeUserPoolClient's or of the SRP answer's, is a ServiceError with its real code.
    reads_client = ("DescribeUserPoolClient",) if "ClientId" in op.input_shape.members else ()
    return mutation_field(
        operation, input_cls, payload, resolve, role=role, also=(*reads_client, *also, *also_reads(operation))
    )


# --- sign-in -----------------------------------------------------------------------------------------


async def _auth_parameters(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> dict[str, str]:
    parameters = _string_map(request.get("AuthParameters"), "authParameters")
    parameters = await _with_secret_hash(context, user_pool_id, request["ClientId"], parameters, "authParameters")
    if request["AuthFlow"] in _REFRESH_FLOWS:
        parameters.pop("USERNAME", None)
    return parameters


async def _admin_initiate_auth(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> Any:
    parameters = await _auth_parameters(context, request, user_pool_id)
    response = await context.cognito.call("AdminInitiateAuth", **_with_map(request, "AuthParameters", parameters))
    return from_cognito(AdminInitiateAuthPayload, response)


async def _initiate_auth(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> Any:
    parameters = _string_map(request.get("AuthParameters"), "authParameters")
    if request["AuthFlow"] == "USER_SRP_AUTH" and "PASSWORD" in parameters:
        return await _srp_sign_in(context, request, parameters, user_pool_id)
    parameters = await _auth_parameters(context, request, user_pool_id)
    response = await context.cognito.call(
        "InitiateAuth", region=_region(user_pool_id), **_with_map(request, "AuthParameters", parameters)
    )
    return from_cognito(InitiateAuthPayload, response)


async def _srp_sign_in(
    context: Context, request: dict[str, Any], parameters: dict[str, str], user_pool_id: Optional[str]
) -> Any:
    """USER_SRP_AUTH driven by the gateway: InitiateAuth with SRP_A, then the PASSWORD_VERIFIER answer."""
    if not user_pool_id:
        raise invalid_parameter(
            "USER_SRP_AUTH with authParameters.PASSWORD needs userPoolId: the password proof is bound to the user pool"
        )
    username = parameters.get("USERNAME")
    if not username:
        raise invalid_parameter("authParameters.USERNAME is required for USER_SRP_AUTH")
    client_id = request["ClientId"]
    region = _region(user_pool_id)
    login = SrpLogin(user_pool_id, client_id, username, parameters.pop("PASSWORD"))
    parameters = {**parameters, **login.auth_parameters()}  # other parameters (DEVICE_KEY...) go along
    parameters = await _with_secret_hash(context, user_pool_id, client_id, parameters, "authParameters")
    started = await context.cognito.call(
        "InitiateAuth", region=region, **_with_map(request, "AuthParameters", parameters)
    )
    if started.get("ChallengeName") != PASSWORD_VERIFIER:
        return from_cognito(InitiateAuthPayload, started)

    try:
        answers = login.password_verifier(started.get("ChallengeParameters") or {})
    except ValueError as error:
        raise CognitoException(
            f"The PASSWORD_VERIFIER challenge could not be answered: {error}",
            code="SrpChallengeError",
            fault="SERVER",
            retryable=False,
        ) from error
    if parameters.get("DEVICE_KEY"):
        answers["DEVICE_KEY"] = parameters["DEVICE_KEY"]
    answers = await _with_secret_hash(context, user_pool_id, client_id, answers, "challengeResponses")
    respond: dict[str, Any] = {"ClientId": client_id, "ChallengeName": PASSWORD_VERIFIER, "ChallengeResponses": answers}
    if started.get("Session"):
        respond["Session"] = started["Session"]
    for member in ("ClientMetadata", "AnalyticsMetadata", "UserContextData"):
        if member in request:
            respond[member] = request[member]
    finished = await context.cognito.call("RespondToAuthChallenge", region=region, **respond)
    return from_cognito(InitiateAuthPayload, finished)


def _respond_to_challenge(operation: str, payload: type) -> Run:
    async def run(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> Any:
        answers = _string_map(request.get("ChallengeResponses"), "challengeResponses")
        answers = await _with_secret_hash(context, user_pool_id, request["ClientId"], answers, "challengeResponses")
        region = None if "UserPoolId" in request else _region(user_pool_id)
        response = await context.cognito.call(
            operation, region=region, **_with_map(request, "ChallengeResponses", answers)
        )
        return from_cognito(payload, response)

    return run


# --- sign-up, confirmation, password recovery, revocation ----------------------------------------------


def _user_operation(operation: str) -> Run:
    """An operation that names a user by client and username, and takes a ``SecretHash``."""
    payload = USER_PAYLOADS[operation]

    async def run(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> Any:
        client_id, username = request["ClientId"], request["Username"]
        if not request.get("SecretHash"):
            secret = await _client_secret(context, user_pool_id, client_id)
            if secret is not None:
                request = {**request, "SecretHash": secret_hash(username, client_id, secret)}
        response = await context.cognito.call(operation, region=_region(user_pool_id), **request)
        fields = {"client_id": client_id, "username": username, "user_pool_id": user_pool_id}
        return from_cognito(payload, response, fields=fields)

    return run


async def _revoke_token(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> Any:
    request = await _with_client_secret(context, request, "ClientSecret", user_pool_id)
    response = await context.cognito.call("RevokeToken", region=_region(user_pool_id), **request)
    return from_cognito(RevokeTokenPayload, response, fields={"client_id": request["ClientId"]})


# --- tokens without signing in: a refresh token's, the client's own (client credentials) ----------------------


async def _get_tokens_from_refresh_token(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> Any:
    request = await _with_client_secret(context, request, "ClientSecret", user_pool_id)
    response = await context.cognito.call("GetTokensFromRefreshToken", region=_region(user_pool_id), **request)
    return from_cognito(GetTokensFromRefreshTokenPayload, response)


async def _get_client_token(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> Any:
    if not request.get("Secret") and not user_pool_id:
        raise invalid_parameter("secret is required without userPoolId: the gateway reads it only from the pool named")
    request = await _with_client_secret(context, request, "Secret", user_pool_id)
    if not request.get("Secret"):
        raise invalid_parameter(
            f"App client {request['ClientId']} has no secret: client credentials need a confidential app client"
        )
    response = await context.cognito.call("GetClientToken", region=_region(user_pool_id), **request)
    return from_cognito(GetClientTokenPayload, response)


# --- an end user's feedback on an auth event ------------------------------------------------------------------


async def _update_auth_event_feedback(context: Context, request: dict[str, Any], user_pool_id: Optional[str]) -> Any:
    await context.cognito.call("UpdateAuthEventFeedback", **request)
    return UpdateAuthEventFeedbackPayload(user_pool_id=request["UserPoolId"], username=request["Username"])


@strawberry.type
class AuthMutations:
    admin_initiate_auth = _auth_mutation("AdminInitiateAuth", AdminInitiateAuthPayload, _admin_initiate_auth)
    admin_respond_to_auth_challenge = _auth_mutation(
        "AdminRespondToAuthChallenge",
        AdminRespondToAuthChallengePayload,
        _respond_to_challenge("AdminRespondToAuthChallenge", AdminRespondToAuthChallengePayload),
    )
    # USER_SRP_AUTH with a password: the gateway answers PASSWORD_VERIFIER itself.
    initiate_auth = _auth_mutation(
        "InitiateAuth", InitiateAuthPayload, _initiate_auth, also=("RespondToAuthChallenge",)
    )
    respond_to_auth_challenge = _auth_mutation(
        "RespondToAuthChallenge",
        RespondToAuthChallengePayload,
        _respond_to_challenge("RespondToAuthChallenge", RespondToAuthChallengePayload),
    )
    sign_up = _auth_mutation("SignUp", USER_PAYLOADS["SignUp"], _user_operation("SignUp"))
    confirm_sign_up = _auth_mutation("ConfirmSignUp", USER_PAYLOADS["ConfirmSignUp"], _user_operation("ConfirmSignUp"))
    resend_confirmation_code = _auth_mutation(
        "ResendConfirmationCode",
        USER_PAYLOADS["ResendConfirmationCode"],
        _user_operation("ResendConfirmationCode"),
    )
    forgot_password = _auth_mutation(
        "ForgotPassword", USER_PAYLOADS["ForgotPassword"], _user_operation("ForgotPassword")
    )
    confirm_forgot_password = _auth_mutation(
        "ConfirmForgotPassword",
        USER_PAYLOADS["ConfirmForgotPassword"],
        _user_operation("ConfirmForgotPassword"),
    )
    revoke_token = _auth_mutation("RevokeToken", RevokeTokenPayload, _revoke_token)
    get_tokens_from_refresh_token = _auth_mutation(
        "GetTokensFromRefreshToken", GetTokensFromRefreshTokenPayload, _get_tokens_from_refresh_token
    )
    get_client_token = _auth_mutation("GetClientToken", GetClientTokenPayload, _get_client_token)
    # The operation's own casing, like adminUpdateAuthEventFeedback.
    update_auth_event_feedback = _auth_mutation(
        "UpdateAuthEventFeedback", UpdateAuthEventFeedbackPayload, _update_auth_event_feedback
    )
