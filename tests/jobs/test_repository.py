"""The jobs' repository on both engines: an export's file is its parts in the order of their items, whatever order
the windows were recorded in (a resumed export records its remaining windows later, and a part is numbered by its
first item's position)."""

from gateway.jobs.records import ExportFormat, ItemOutcome, JobAction, JobSpec, Selection
from gateway.jobs.repository import JobRepository, Outcome


async def test_an_exports_parts_read_back_in_the_order_of_their_items(database):
    repository = JobRepository(database)
    usernames = [f"user-{n}" for n in range(7)]
    spec = JobSpec("us-east-1_Pool", JobAction.EXPORT, Selection(usernames=usernames), format=ExportFormat.JSONL)
    job = await repository.create(spec, "ops@example.com")
    await repository.add_items(job.id, usernames, ItemOutcome.PENDING)

    for window in ([3, 4, 5], [0, 1, 2], [6]):  # out of order, as no runner records them, to show the order is kept
        part = "".join(f"{usernames[position]}\n" for position in window).encode()
        await repository.record(job.id, [Outcome(position, ItemOutcome.DONE) for position in window], export_part=part)

    file = b"".join([part async for part in repository.export_parts(job.id)])
    assert file.decode().splitlines() == usernames
    assert (await repository.get(job.id)).done == 7
