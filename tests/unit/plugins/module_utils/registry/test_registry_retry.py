# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry-After parsing and the backoff schedule."""

import random
from datetime import UTC, datetime, timedelta

import pytest

from ansible_collections.okd.machine_os.plugins.module_utils.registry.retry import (
    NO_RETRY,
    RetryPolicy,
    parse_retry_after,
)

NOW = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "value,expected",
    [
        ("120", 120.0),
        ("0", 0.0),
        (" 7 ", 7.0),
        (3, 3.0),
        ("1.5", 1.5),
        ("-4", 0.0),
        ("Sun, 22 Nov 2026 12:00:30 GMT", 30.0),
        ("Sunday, 22-Nov-26 12:01:00 GMT", 60.0),  # RFC 850 form
        ("Sun, 22 Nov 2026 11:00:00 GMT", 0.0),  # in the past
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value, now=NOW) == expected


def test_parse_retry_after_date_relative_to_now():
    when = datetime.now(UTC) + timedelta(seconds=100)
    seconds = parse_retry_after(when.strftime("%a, %d %b %Y %H:%M:%S GMT"))
    assert 95 <= seconds <= 100


def test_default_backoff_schedule():
    assert RetryPolicy().schedule() == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_backoff_is_capped():
    policy = RetryPolicy(retries=8, initial=1, factor=3, max_delay=20, jitter=0)
    assert policy.schedule() == [1, 3, 9, 20, 20, 20, 20, 20]
    assert [policy.backoff(n) for n in range(8)] == policy.schedule()


def test_jitter_stays_within_its_proportion():
    policy = RetryPolicy(initial=2, jitter=0.25)
    rng = random.Random(42)
    delays = [policy.backoff(1, rng) for _draw in range(200)]
    assert all(3.0 <= d <= 5.0 for d in delays)
    assert len(set(delays)) > 100  # jitter spreads retries of parallel workers


def test_retry_after_wins_and_is_capped():
    policy = RetryPolicy(jitter=0, max_retry_after=60)
    assert policy.delay(0, "3") == 3.0
    assert policy.delay(4, "0") == 0.0
    assert policy.delay(0, "3600") == 60
    assert policy.delay(2, None) == 2.0
    assert policy.delay(2, "garbage") == 2.0  # unparsable: the backoff


@pytest.mark.parametrize(
    "status,retried",
    [
        (408, True),
        (429, True),
        (500, True),
        (502, True),
        (503, True),
        (504, True),
        (400, False),
        (401, False),
        (403, False),
        (404, False),
        (501, False),
    ],
)
def test_retried_statuses(status, retried):
    assert RetryPolicy().should_retry_status(status, 0) is retried


def test_retries_run_out():
    policy = RetryPolicy(retries=2)
    assert [policy.should_retry_status(503, n) for n in range(4)] == [True, True, False, False]
    assert [policy.should_retry_error(n) for n in range(3)] == [True, True, False]
    assert not NO_RETRY.should_retry_error(0)
