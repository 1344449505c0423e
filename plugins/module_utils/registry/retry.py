# Copyright: (c) 2026, okd.machine_os contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""When to retry a registry request and how long to wait (pure functions).

Retried: HTTP 408, 429, 500, 502, 503, 504 and connection-level failures (refused,
reset, timed out). The wait is an exponential backoff (``initial * factor**attempt``,
capped at ``max_delay``, with optional proportional jitter), unless the answer carries
``Retry-After`` (seconds or an HTTP date), which wins, capped at ``max_retry_after``.
oc-mirror v2 retries the same statuses (``--retry-times`` 5, exponential backoff);
``oc image mirror`` retries only refused streams.
"""

import math
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
DEFAULT_RETRIES = 5  # the registry_retries option's default


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` value, or None when absent or unparsable.

    ``value`` is either delay-seconds (``"120"``) or an HTTP-date
    (``"Wed, 21 Oct 2015 07:28:00 GMT"``); a date in the past gives 0.
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if text.isdigit():
        return float(int(text))
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is not None:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = datetime.now(UTC) if now is None else now
    return max(0.0, (when - now).total_seconds())


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry (``retries`` = attempts after the first) and the waits between."""

    retries: int = DEFAULT_RETRIES
    initial: float = 0.5
    factor: float = 2.0
    max_delay: float = 30.0
    max_retry_after: float = 120.0
    jitter: float = 0.1

    def backoff(self, attempt, rng=None):
        """The wait before retry number ``attempt`` (0-based), without Retry-After."""
        delay = min(self.max_delay, self.initial * (self.factor**attempt))
        if self.jitter:
            rng = rng or random
            delay *= 1.0 + self.jitter * (2.0 * rng.random() - 1.0)
        return max(0.0, min(self.max_delay, delay))

    def schedule(self):
        """The backoff waits of every retry, without jitter: for docs and tests."""
        return [min(self.max_delay, self.initial * (self.factor**n)) for n in range(self.retries)]

    def delay(self, attempt, retry_after=None, rng=None):
        """The wait before retry ``attempt``: Retry-After (capped) if the server sent it."""
        seconds = parse_retry_after(retry_after)
        if seconds is not None:
            return min(seconds, self.max_retry_after)
        return self.backoff(attempt, rng)

    def should_retry_status(self, status, attempt):
        """Whether an answer with ``status`` on attempt ``attempt`` (0-based) is retried."""
        return status in RETRY_STATUSES and attempt < self.retries

    def should_retry_error(self, attempt):
        """Whether a connection-level failure on attempt ``attempt`` is retried."""
        return attempt < self.retries


NO_RETRY = RetryPolicy(retries=0)
