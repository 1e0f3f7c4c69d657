# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
import time

import requests


def call_with_retry(url):
    # ruleid: hindsight.catalog.retry_without_backoff
    for attempt in range(5):
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            continue


def call_with_backoff(url):
    # ok: hindsight.catalog.retry_without_backoff
    for attempt in range(5):
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            time.sleep(0.5 * 2**attempt)


def reraise(items):
    # ok: hindsight.catalog.retry_without_backoff
    for item in items:
        try:
            handle(item)
        except ValueError:
            log(item)
            raise


def poll(url):
    # ruleid: hindsight.catalog.retry_without_backoff
    while True:
        try:
            return requests.get(url, timeout=5)
        except ConnectionError:
            pass


def charge(url, body):
    # ruleid: hindsight.catalog.retry_without_backoff
    session = retrying_session(Retry(total=4, backoff_factor=0, status_forcelist=[503]))
    # ruleid: hindsight.catalog.retry_without_backoff
    other = retrying_session(urllib3.util.Retry(total=3))
    # ok: hindsight.catalog.retry_without_backoff
    good = retrying_session(Retry(total=4, backoff_factor=0.25, status_forcelist=[503]))
    return session, other, good
