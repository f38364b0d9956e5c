"""Run a piece of PDF reading in a forked child limited in time and memory.

Pure module: no Django. PDFium and pdfminer inflate streams without a bound, so a 2 MB file
whose content stream inflates to 2 GiB (a "PDF bomb") takes gigabytes in whatever process reads
it, and a pathological page can spin inside C code. The child gets an address-space limit
(``RLIMIT_AS``) of what it inherited plus ``memory_limit_mb``, and the parent kills it at the
deadline; either way only the child dies, and the caller gets its ``error`` type with a reason.
Results come back pickled through a pipe.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import pickle
import resource
import selectors
import signal
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NoReturn, TypeVar

T = TypeVar("T")

# What reading one paper needs on top of what the worker already holds, measured on the 25 corpus
# PDFs (the largest child grew by about 140 MB); a bomb stops here instead of at gigabytes.
DEFAULT_MEMORY_LIMIT_MB = 512
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
# A child killed by a signal after using this share of its memory budget ran out of memory: PDFium
# aborts on a failed allocation rather than raising.
_OUT_OF_MEMORY_SHARE = 0.75


@dataclass(frozen=True)
class Limits:
    timeout_seconds: float
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB


def isolation_enabled() -> bool:
    return hasattr(os, "fork") and os.environ.get("PDF_PARSE_ISOLATION", "fork").lower() != "none"


def run_isolated(work: Callable[[], T], *, deadline: float, limits: Limits, error: type[Exception]) -> T:
    """``work()``'s result, computed in a forked child under ``limits``.

    ``work`` reports bad input by raising ``error`` (its message is passed back); a child that is
    killed, crashes, runs out of memory or passes ``deadline`` (a ``time.monotonic()`` value)
    raises ``error`` here with a reason. Runs ``work`` in-process when fork is unavailable.
    """
    read_fd, write_fd = os.pipe()
    rss_at_fork = _resident_bytes()
    try:
        pid = _fork()
    except OSError:
        os.close(read_fd)
        os.close(write_fd)
        return work()
    if pid == 0:  # child: never returns, never raises into the caller's stack
        _run_in_child(read_fd, write_fd, work, limits, error)

    os.close(write_fd)
    chunks, timed_out, wait_status, peak_rss = _read_child(pid, read_fd, deadline)
    if timed_out:
        raise error(f"timed out after {limits.timeout_seconds:g} s")
    if not chunks:
        raise error(_crash_reason(wait_status, peak_rss - rss_at_fork, limits))
    kind, value = pickle.loads(b"".join(chunks))
    if kind == "error":
        raise error(value)
    return value  # type: ignore[no-any-return]


def _crash_reason(wait_status: int, grown: int, limits: Limits) -> str:
    if os.WIFSIGNALED(wait_status):
        if grown >= _OUT_OF_MEMORY_SHARE * (limits.memory_limit_mb << 20):
            return f"too large: ran out of memory (over {limits.memory_limit_mb} MB) while reading"
        sig = os.WTERMSIG(wait_status)
        name = signal.Signals(sig).name if sig in signal.Signals._value2member_map_ else str(sig)
        return f"parser crashed: killed by signal {name}"
    return f"parser crashed: exit status {os.waitstatus_to_exitcode(wait_status)}"


def _resident_bytes() -> int:
    return _statm_bytes(1)


def _address_space_bytes() -> int:
    return _statm_bytes(0)


def _statm_bytes(field: int) -> int:
    """A field of /proc/self/statm (0: address space, 1: resident set) in bytes; 0 where there is none."""
    try:
        with open("/proc/self/statm", "rb") as statm:
            return int(statm.read().split()[field]) * _PAGE
    except (OSError, IndexError, ValueError):
        return 0


def _fork() -> int:
    with warnings.catch_warnings():
        # Python 3.12+ warns when a multi-threaded process forks; the child only reads and
        # leaves through os._exit, so the locks other threads might hold do not matter.
        warnings.simplefilter("ignore", DeprecationWarning)
        return os.fork()


def _limit_child(limits: Limits) -> None:
    # PDFium aborts when an allocation fails; the reason is reported by the parent, not as a
    # traceback dump of the child on the worker's stderr.
    faulthandler.disable()
    # If the parent dies without killing us, the kernel still ends us.
    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGALRM, signal.SIG_DFL)
        signal.alarm(int(min(max(limits.timeout_seconds, 0.0), 86400.0)) + 10)
    # Relative to what the child inherited: a worker's address space (threads' arenas, mapped
    # libraries) is far larger than its resident memory, and is the same before and after fork.
    inherited = _address_space_bytes()
    if inherited and limits.memory_limit_mb > 0:
        cap = inherited + (limits.memory_limit_mb << 20)
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (cap, cap))


def _run_in_child(
    read_fd: int, write_fd: int, work: Callable[[], Any], limits: Limits, error: type[Exception]
) -> NoReturn:
    """The forked child: run, write the pickled result (or the error) to the pipe, and leave."""
    status = 0
    try:
        os.close(read_fd)
        _limit_child(limits)
        try:
            result: tuple[str, Any] = ("ok", work())
        except error as exc:
            result = ("error", str(exc))
        except MemoryError:
            result = ("error", f"too large: ran out of memory (over {limits.memory_limit_mb} MB) while reading")
        payload = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(write_fd, "wb") as pipe:
            pipe.write(payload)
    except BaseException:  # noqa: B036 - the child must reach os._exit whatever happens
        status = 1
    finally:
        os._exit(status)


def _read_child(pid: int, read_fd: int, deadline: float) -> tuple[list[bytes], bool, int, int]:
    """What the child wrote before the deadline, whether the deadline passed first, the child's
    wait status and its peak resident bytes; the child is reaped (and killed first unless it
    finished)."""
    chunks: list[bytes] = []
    timed_out = finished = False
    # selectors (epoll) rather than select(): a worker with many sockets may hold fds > 1023.
    with selectors.DefaultSelector() as selector:
        selector.register(read_fd, selectors.EVENT_READ)
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                if not selector.select(remaining):
                    continue
                chunk = os.read(read_fd, 1 << 20)
                if not chunk:
                    finished = True
                    break
                chunks.append(chunk)
        finally:
            selector.unregister(read_fd)
            os.close(read_fd)
            # Timed out, or interrupted while waiting (a Celery soft time limit, Ctrl-C): the
            # child must not outlive this call.
            if not finished:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            _, wait_status, usage = os.wait4(pid, 0)
    return chunks, timed_out, wait_status, usage.ru_maxrss * 1024
