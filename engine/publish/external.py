"""Fetching a site's outside links (``check --links --external``).

Each URL is fetched once, however many pages use it, and reported once
(with how many pages use it), several at a time.  Before the full run, one
URL per host (up to :data:`PROBE_HOSTS` hosts) is fetched: when not one of
them could even be connected to (name lookup failed, no route, refused,
timed out), the computer is offline, or behind a proxy that is down, and
the check says that once instead of failing every link.  Without this an
offline run printed a warning per use of every link, 424 of them for this
site, each after its own failed lookup.
"""

from __future__ import annotations

import errno
import socket
import ssl
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlsplit

from .. import NAME, __version__

#: hosts tried before the full run; one host down does not make the network unreachable
PROBE_HOSTS = 8
#: URLs fetched at once
WORKERS = 8
USER_AGENT = f"{NAME}-linkcheck/{__version__}"
#: errnos of a connection that never got to a server
NO_ROUTE = {errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ECONNREFUSED, errno.ETIMEDOUT,
            errno.ENETDOWN, errno.EADDRNOTAVAIL}


class Outcome(Enum):
    OK = "ok"                   # a 2xx/3xx answer
    FAILED = "failed"           # a server answered, and not well (HTTP 404, a TLS error ...)
    UNREACHED = "unreached"     # no server was reached at all: no evidence the network works
    INVALID = "invalid"         # not a URL that can be fetched


@dataclass
class Fetched:
    url: str
    outcome: Outcome
    message: str = ""


@dataclass
class ExternalReport:
    """What fetching the outside links found."""

    failed: list[Fetched] = field(default_factory=list)     # sorted by URL
    checked: int = 0
    #: set when no probed host could be reached: the reason, and nothing else was fetched
    unreachable: str = ""


def _unreached(reason: object) -> bool:
    """Whether an error means no server was reached (as opposed to a server saying no)."""
    if isinstance(reason, (socket.gaierror, TimeoutError, socket.timeout)):
        return True
    if isinstance(reason, ssl.SSLError):
        return False
    if isinstance(reason, OSError) and reason.errno in NO_ROUTE:
        return True
    return False


def fetch(url: str, timeout: float) -> Fetched:
    """HEAD *url*, then GET when HEAD is refused; never raises."""
    headers = {"User-Agent": USER_AGENT}
    for method in ("HEAD", "GET"):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method=method, headers=headers),
                                        timeout=timeout) as resp:
                if resp.status < 400:
                    return Fetched(url, Outcome.OK)
                return Fetched(url, Outcome.FAILED, f"HTTP {resp.status}")
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (403, 405, 429, 501):
                continue
            return Fetched(url, Outcome.FAILED, f"HTTP {exc.code}")
        except urllib.error.URLError as exc:
            reason = exc.reason
            text = getattr(reason, "strerror", None) or str(reason)
            outcome = Outcome.UNREACHED if _unreached(reason) else Outcome.FAILED
            return Fetched(url, outcome, f"cannot fetch: {text}")
        except (TimeoutError, socket.timeout):
            return Fetched(url, Outcome.UNREACHED, f"cannot fetch: no answer within {timeout:g} s")
        except (OSError, ValueError) as exc:       # ValueError: e.g. a URL with a bad port
            outcome = Outcome.UNREACHED if _unreached(exc) else (
                Outcome.INVALID if isinstance(exc, ValueError) else Outcome.FAILED)
            return Fetched(url, outcome, f"cannot fetch: {exc}")
    return Fetched(url, Outcome.FAILED, "refused")


def probes(urls: list[str]) -> list[str]:
    """The first URL of each of the first PROBE_HOSTS hosts (in URL order)."""
    chosen: dict[str, str] = {}
    for url in urls:
        try:
            host = urlsplit(url).netloc.lower()
        except ValueError:
            continue
        if host and host not in chosen:
            chosen[host] = url
            if len(chosen) == PROBE_HOSTS:
                break
    return list(chosen.values())


def check_external(urls: list[str], timeout: float = 10.0, workers: int = WORKERS) -> ExternalReport:
    """Fetch every URL once: the probes first, the rest only if the network is reachable."""
    urls = sorted(set(urls))
    report = ExternalReport()
    if not urls:
        return report
    first = probes(urls)
    with ThreadPoolExecutor(max(1, min(workers, len(urls)))) as pool:
        done = {r.url: r for r in pool.map(lambda u: fetch(u, timeout), first)}
        evidence = [r for r in done.values() if r.outcome is not Outcome.INVALID]
        if evidence and all(r.outcome is Outcome.UNREACHED for r in evidence):
            hosts = len(evidence)
            report.unreachable = (f"could not connect to {'any of the ' if hosts > 1 else 'the '}"
                                  f"{hosts} host{'s' if hosts != 1 else ''} tried "
                                  f"({evidence[0].message.removeprefix('cannot fetch: ')})")
            return report
        rest = [u for u in urls if u not in done]
        done.update((r.url, r) for r in pool.map(lambda u: fetch(u, timeout), rest))
    report.checked = len(done)
    report.failed = [done[u] for u in urls if done[u].outcome is not Outcome.OK]
    return report
