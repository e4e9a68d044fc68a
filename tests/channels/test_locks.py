"""KeyedLocks: one conversation's work in arrival order, other conversations at once."""

import asyncio

from channels.locks import KeyedLocks


def test_work_for_one_key_runs_in_arrival_order_and_other_keys_do_not_wait():
    async def scenario():
        locks, events = KeyedLocks(), []

        async def work(key, name, seconds):
            async with locks.hold(key):
                events.append(f"start {name}")
                await asyncio.sleep(seconds)
                events.append(f"end {name}")

        first = asyncio.create_task(work("a", "a1", 0.5))
        await asyncio.sleep(0.01)
        second = asyncio.create_task(work("a", "a2", 0))
        other = asyncio.create_task(work("b", "b1", 0))
        await asyncio.sleep(0.05)
        assert events == ["start a1", "start b1", "end b1"]  # b did not wait for a
        assert len(locks) == 1  # b's lock is gone; a's is held and waited for
        await asyncio.gather(first, second, other)
        return events, len(locks)

    events, remaining = asyncio.run(scenario())
    assert events == ["start a1", "start b1", "end b1", "end a1", "start a2", "end a2"]
    assert remaining == 0  # nothing kept once nobody holds or waits


def test_a_failure_inside_releases_the_lock():
    async def scenario():
        locks = KeyedLocks()
        try:
            async with locks.hold("a"):
                raise RuntimeError("boom")
        except RuntimeError:
            pass
        async with locks.hold("a"):  # would wait forever if the lock were still held
            pass
        return len(locks)

    assert asyncio.run(asyncio.wait_for(scenario(), timeout=5)) == 0
