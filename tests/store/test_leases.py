"""A lease's release waits for its claims still landing: a claim (a whole write) runs on when its caller is cancelled,
and landing after the release it would take the lease back."""

import asyncio

from gateway.store.leases import Lease


async def test_a_claim_under_way_when_its_caller_is_cancelled_lands_before_the_release():
    order: list[str] = []
    gate = asyncio.Event()

    async def claim() -> bool:
        await gate.wait()  # the database's answer, still on its way
        order.append("claimed")
        return True

    async def release() -> None:
        order.append("released")

    lease = Lease(claim, release)
    holder = asyncio.create_task(lease.claim())
    await asyncio.sleep(0)
    holder.cancel()  # the holder stops (a restart) while its claim is under way
    releasing = asyncio.create_task(lease.release())
    await asyncio.sleep(0.01)
    assert order == []  # the release waits for the claim
    gate.set()
    await releasing

    assert order == ["claimed", "released"]
    assert holder.cancelled()


async def test_a_failed_claim_does_not_hold_the_release_back():
    async def claim() -> bool:
        raise ConnectionError("the database away a moment")

    released = []

    async def release() -> None:
        released.append(True)

    lease = Lease(claim, release)
    try:
        await lease.claim()
    except ConnectionError:
        pass
    await lease.release()

    assert released == [True]
