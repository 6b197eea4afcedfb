"""Each fault of bench.faults.FaultProxy does what it says, seen by a boto3 client with one attempt."""

import threading
import time
from collections import Counter

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError, ReadTimeoutError

from bench.faults import FaultProxy, Faults
from gateway.demo.server import DEMO_CREDENTIALS, DEMO_REGION


@pytest.fixture
def proxy(backend, cognito):
    proxy = FaultProxy(backend.endpoint_url).start()
    yield proxy
    proxy.stop()


def client(proxy, read_timeout: float = 5):
    config = Config(retries={"total_max_attempts": 1}, read_timeout=read_timeout, connect_timeout=2)
    return boto3.client(
        "cognito-idp", region_name=DEMO_REGION, endpoint_url=proxy.endpoint_url, config=config, **DEMO_CREDENTIALS
    )


def pools(cognito) -> list[str]:
    return [pool["Name"] for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]]


def test_without_faults_calls_are_forwarded_and_counted(proxy, cognito):
    proxy.faults.latency = 0.05
    started = time.perf_counter()
    client(proxy).create_user_pool(PoolName="through")
    assert time.perf_counter() - started >= 0.05
    assert pools(cognito) == ["through"]
    assert proxy.calls() == Counter({"CreateUserPool": 1})
    assert proxy.fault_counts() == Counter()


@pytest.mark.parametrize(
    ("fault", "code", "status"),
    [("throttle", "TooManyRequestsException", 400), ("error500", "InternalErrorException", 500)],
)
def test_error_answers_are_cognitos(proxy, cognito, fault, code, status):
    proxy.faults.rules["CreateUserPool"] = fault
    with pytest.raises(ClientError) as raised:
        client(proxy).create_user_pool(PoolName="never")
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert pools(cognito) == []  # the call never reached the upstream
    assert proxy.fault_counts() == Counter({("CreateUserPool", fault): 1})


@pytest.mark.parametrize(("fault", "reached"), [("refuse", False), ("reset", False), ("reset_after_forward", True)])
def test_closed_connections(proxy, cognito, fault, reached):
    proxy.faults.rules["CreateUserPool"] = fault
    with pytest.raises(ConnectionClosedError):
        client(proxy).create_user_pool(PoolName="maybe")
    assert pools(cognito) == (["maybe"] if reached else [])


@pytest.mark.parametrize(("fault", "reached"), [("hang", False), ("hang_after_forward", True)])
def test_hangs_until_the_client_gives_up(proxy, cognito, fault, reached):
    proxy.faults.rules["CreateUserPool"] = fault
    with pytest.raises(ReadTimeoutError):
        client(proxy, read_timeout=0.3).create_user_pool(PoolName="maybe")
    assert pools(cognito) == (["maybe"] if reached else [])


def test_release_ends_a_hang(proxy):
    proxy.faults.rules["ListUserPools"] = "hang"
    errors = []

    def call():
        try:
            client(proxy).list_user_pools(MaxResults=1)
        except Exception as error:
            errors.append(error)

    caller = threading.Thread(target=call)
    caller.start()
    time.sleep(0.2)
    assert caller.is_alive()
    proxy.release()
    caller.join(timeout=30)  # released: it ends at once; the bound only catches a hang
    assert not caller.is_alive() and isinstance(errors[0], ConnectionClosedError)


def test_rates_are_drawn_from_the_seed(backend, cognito):
    def run(seed: int) -> list[str]:
        proxy = FaultProxy(backend.endpoint_url, Faults(rates={"throttle": 0.3, "error500": 0.2}), seed=seed).start()
        boto, outcomes = client(proxy), []
        try:
            for _ in range(40):
                try:
                    boto.list_user_pools(MaxResults=1)
                    outcomes.append("ok")
                except ClientError as error:
                    outcomes.append(error.response["Error"]["Code"])
            assert proxy.fault_counts()[("ListUserPools", "throttle")] == outcomes.count("TooManyRequestsException")
            return outcomes
        finally:
            proxy.stop()

    first = run(7)
    assert first == run(7) != run(8)
    assert 4 <= first.count("TooManyRequestsException") <= 20 and 2 <= first.count("InternalErrorException") <= 16
