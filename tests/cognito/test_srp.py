"""The client side of Cognito's auth crypto, checked against values computed independently here.

The SRP test plays Cognito's part from the published SRP-6a math (RFC 5054's 3072-bit group, SHA-256,
Cognito's HKDF info "Caldera Derived Key" and its PASSWORD_VERIFIER message layout), so a proof the
client computed from the right password verifies and one from a wrong password does not.
"""

import base64
import hashlib
import hmac
import re
import secrets
from datetime import datetime, timedelta, timezone

import pytest

from gateway.cognito.auth_crypto import SrpLogin, secret_hash

# RFC 5054 appendix A, the 3072-bit group (the one Cognito uses), and its generator.
N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510"
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C"
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
G = 2
POOL_ID = "eu-west-1_AbCdEf123"
CLIENT_ID = "3n4b5urk1ft4fl3mg5e62d9ado"


def padded(value: int) -> bytes:
    """A number as Cognito hashes it: big-endian, with a leading zero byte when the high bit is set."""
    raw = value.to_bytes((value.bit_length() + 7) // 8 or 1, "big")
    return b"\x00" + raw if raw[0] & 0x80 else raw


def sha256(*parts: bytes) -> bytes:
    return hashlib.sha256(b"".join(parts)).digest()


def as_int(data: bytes) -> int:
    return int.from_bytes(data, "big")


class CognitoServer:
    """Cognito's half of SRP for one user: the verifier it stores, B, and the proof check."""

    def __init__(self, user_id: str, password: str) -> None:
        self.user_id = user_id
        self.salt = secrets.randbits(128) | (1 << 127)
        pool_name = POOL_ID.split("_")[1]
        inner = sha256(f"{pool_name}{user_id}:{password}".encode()).hex()
        x = as_int(sha256(padded(self.salt), bytes.fromhex(inner)))
        self.verifier = pow(G, x, N)
        self.k = as_int(sha256(padded(N), padded(G)))
        self.b = secrets.randbits(1024)
        self.big_b = (self.k * self.verifier + pow(G, self.b, N)) % N
        self.secret_block = base64.b64encode(secrets.token_bytes(64)).decode()

    def challenge(self) -> dict[str, str]:
        return {
            "SALT": format(self.salt, "x"),
            "SRP_B": format(self.big_b, "x"),
            "SECRET_BLOCK": self.secret_block,
            "USER_ID_FOR_SRP": self.user_id,
            "USERNAME": self.user_id,
        }

    def verify(self, srp_a: str, answer: dict[str, str]) -> bool:
        big_a = int(srp_a, 16)
        assert big_a % N != 0
        u = as_int(sha256(padded(big_a), padded(self.big_b)))
        s = pow(big_a * pow(self.verifier, u, N), self.b, N)
        prk = hmac.new(padded(u), padded(s), hashlib.sha256).digest()
        key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
        message = (
            POOL_ID.split("_")[1].encode()
            + self.user_id.encode()
            + base64.b64decode(answer["PASSWORD_CLAIM_SECRET_BLOCK"])
            + answer["TIMESTAMP"].encode()
        )
        expected = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        return hmac.compare_digest(expected, answer["PASSWORD_CLAIM_SIGNATURE"])


# --- SECRET_HASH -----------------------------------------------------------------------------------


def test_secret_hash_is_the_base64_hmac_sha256_of_username_and_client_id():
    secret = "1q2w3e4r5t6y7u8i9o0pazsxdcfvgbhnjmkl1q2w3e4r5t6y7u8i"
    expected = base64.b64encode(
        hmac.new(secret.encode(), ("alice" + CLIENT_ID).encode(), digestmod=hashlib.sha256).digest()
    ).decode()

    assert secret_hash("alice", CLIENT_ID, secret) == expected


def test_secret_hash_known_value():
    # echo -n "alice3n4b5urk1ft4fl3mg5e62d9ado" | openssl dgst -sha256 -hmac "s3cr3t" -binary | base64
    assert secret_hash("alice", CLIENT_ID, "s3cr3t") == "OgOFGkuQSd33VmcztUgjVc+HHsYTmRTcnTjpqEJd5rU="


def test_secret_hash_handles_non_ascii_usernames():
    expected = base64.b64encode(
        hmac.new("clé".encode(), ("zoë" + CLIENT_ID).encode(), hashlib.sha256).digest()
    ).decode()

    assert secret_hash("zoë", CLIENT_ID, "clé") == expected


# --- SRP -------------------------------------------------------------------------------------------


def test_auth_parameters_carry_username_and_a_well_formed_srp_a_but_no_password():
    login = SrpLogin(POOL_ID, CLIENT_ID, "alice", "Passw0rd!")

    parameters = login.auth_parameters()

    assert set(parameters) == {"USERNAME", "SRP_A"}
    assert parameters["USERNAME"] == "alice"
    assert re.fullmatch(r"[0-9a-f]+", parameters["SRP_A"])
    big_a = int(parameters["SRP_A"], 16)
    assert 1 < big_a < N and big_a % N != 0
    assert "Passw0rd!" not in repr(login) and "Passw0rd!" not in str(parameters)


def test_each_login_draws_a_fresh_secret_a():
    first = SrpLogin(POOL_ID, CLIENT_ID, "alice", "Passw0rd!").srp_a
    second = SrpLogin(POOL_ID, CLIENT_ID, "alice", "Passw0rd!").srp_a

    assert first != second


def test_the_proof_from_the_right_password_verifies_on_the_server_side():
    server = CognitoServer("0c8f1a2e-4b6d-4e21-9c3a-5d7e9f1b2c3d", "Passw0rd!")
    login = SrpLogin(POOL_ID, CLIENT_ID, "alice", "Passw0rd!")
    srp_a = login.srp_a

    answer = login.password_verifier(server.challenge())

    assert set(answer) == {"USERNAME", "TIMESTAMP", "PASSWORD_CLAIM_SECRET_BLOCK", "PASSWORD_CLAIM_SIGNATURE"}
    assert answer["USERNAME"] == server.user_id  # Cognito's internal name, from the challenge
    assert answer["PASSWORD_CLAIM_SECRET_BLOCK"] == server.secret_block
    assert server.verify(srp_a, answer)


def test_the_proof_from_a_wrong_password_does_not_verify():
    server = CognitoServer("0c8f1a2e-4b6d-4e21-9c3a-5d7e9f1b2c3d", "Passw0rd!")
    login = SrpLogin(POOL_ID, CLIENT_ID, "alice", "Wr0ngPass!")
    srp_a = login.srp_a

    assert not server.verify(srp_a, login.password_verifier(server.challenge()))


def test_the_proof_is_bound_to_the_pool():
    server = CognitoServer("some-user-id", "Passw0rd!")
    login = SrpLogin("eu-west-1_OtherPool", CLIENT_ID, "alice", "Passw0rd!")
    srp_a = login.srp_a

    assert not server.verify(srp_a, login.password_verifier(server.challenge()))


def test_timestamp_is_cognitos_format_in_utc_now():
    server = CognitoServer("some-user-id", "Passw0rd!")

    timestamp = SrpLogin(POOL_ID, CLIENT_ID, "alice", "Passw0rd!").password_verifier(server.challenge())["TIMESTAMP"]

    # "Tue Jan 7 09:05:02 UTC 2025": the day without a leading zero.
    match = re.fullmatch(
        r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun) ([A-Z][a-z]{2}) ([1-9]\d?) (\d\d:\d\d:\d\d) UTC (\d{4})", timestamp
    )
    assert match, timestamp
    parsed = datetime.strptime(timestamp.replace(" UTC", ""), "%a %b %d %H:%M:%S %Y").replace(tzinfo=timezone.utc)
    assert abs(datetime.now(timezone.utc) - parsed) < timedelta(minutes=1)


def test_a_challenge_without_its_parameters_is_refused():
    login = SrpLogin(POOL_ID, CLIENT_ID, "alice", "Passw0rd!")

    with pytest.raises(ValueError, match="SRP_B"):
        login.password_verifier({"SALT": "ab", "SECRET_BLOCK": "AAAA", "USER_ID_FOR_SRP": "alice"})


def test_a_pool_id_is_required():
    with pytest.raises(ValueError):
        SrpLogin("not-a-pool", CLIENT_ID, "alice", "Passw0rd!")


def test_the_srp_helper_never_calls_cognito_itself():
    login = SrpLogin(POOL_ID, CLIENT_ID, "alice", "Passw0rd!")

    with pytest.raises(RuntimeError):
        login._srp.client.initiate_auth()  # the stand-in AWSSRP got instead of a boto3 client
