"""The thread crossings of bench/threads/threads_bench.c, in asyncio.

Prints the same "name value unit" lines:
  to_thread_roundtrip         await asyncio.to_thread(f), one at a time (median us)
  to_thread_64_tasks          64 tasks each awaiting to_thread in a loop (jobs/s)
  call_threadsafe             a thread calls loop.call_soon_threadsafe n times;
                              each callback spawns a task, as weft's call does (calls/s)
  spawn_threadsafe_roundtrip  a thread: run_coroutine_threadsafe(c, loop).result()
                              (median us)

usage: threads_asyncio.py [N] [asyncio|uvloop]
"""
import asyncio
import sys
import threading
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
FLAVOUR = sys.argv[2] if len(sys.argv) > 2 else "asyncio"


def empty():
    return 0


def median(v):
    v.sort()
    return v[len(v) // 2]


async def seq(n):
    pc = time.perf_counter
    v = []
    for _ in range(n):
        t0 = pc()
        await asyncio.to_thread(empty)
        v.append(pc() - t0)
    print(f"to_thread_roundtrip {median(v) * 1e6:.2f} us")


async def par(n, c=64):
    per = n // c

    async def worker():
        for _ in range(per):
            await asyncio.to_thread(empty)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(c)))
    dt = time.perf_counter() - t0
    print(f"to_thread_64_tasks {per * c / dt:.0f} jobs/s")


async def calls(n):
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    count = 0

    async def counted():
        nonlocal count
        count += 1
        if count == n:
            done.set_result(None)

    def spawn():
        loop.create_task(counted())

    def poster():
        for _ in range(n):
            loop.call_soon_threadsafe(spawn)

    t0 = time.perf_counter()
    th = threading.Thread(target=poster)
    th.start()
    await done
    dt = time.perf_counter() - t0
    await asyncio.to_thread(th.join)
    print(f"call_threadsafe {n / dt:.0f} calls/s")


async def trips(n):
    loop = asyncio.get_running_loop()

    async def answer():
        return 1

    result = {}

    def tripper():
        pc = time.perf_counter
        v = []
        for _ in range(n):
            t0 = pc()
            assert asyncio.run_coroutine_threadsafe(answer(), loop).result() == 1
            v.append(pc() - t0)
        result["us"] = median(v) * 1e6

    th = threading.Thread(target=tripper)
    th.start()
    await asyncio.to_thread(th.join)
    print(f"spawn_threadsafe_roundtrip {result['us']:.2f} us")


async def main():
    await seq(N)
    await par(N)
    await calls(N)
    await trips(N // 4)


if FLAVOUR == "uvloop":
    import uvloop
    uvloop.install()
asyncio.run(main())
