# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes from real, well-maintained code that must not be.
import asyncio
import time

import requests


def call_with_retry(url):
    for attempt in range(5):
        # ruleid: hindsight.catalog.retry_without_backoff
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            continue


def call_with_backoff(url):
    for attempt in range(5):
        # ok: hindsight.catalog.retry_without_backoff
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException:
            time.sleep(0.5 * 2**attempt)


def call_with_sleep_after(url):
    for attempt in range(5):
        # ok: hindsight.catalog.retry_without_backoff
        try:
            return requests.get(url, timeout=5)
        except requests.RequestException as exc:
            log(exc)
        time.sleep(min(30, 0.5 * 2**attempt))


async def call_async(client, url):
    while True:
        # ok: hindsight.catalog.retry_without_backoff
        try:
            return await client.get(url)
        except ConnectionError:
            await asyncio.sleep(1)


def poll(url):
    while True:
        # ruleid: hindsight.catalog.retry_without_backoff
        try:
            resp = requests.get(url, timeout=5)
            break
        except ConnectionError as exc:
            log(exc)
    return resp


def counted(url):
    tries = 0
    while tries < 3:
        # ruleid: hindsight.catalog.retry_without_backoff
        try:
            return requests.get(url, timeout=5)
        except requests.Timeout:
            tries += 1


def last_attempt_reraises(url):
    for attempt in range(3):
        # ok: hindsight.catalog.retry_without_backoff
        try:
            return requests.get(url, timeout=5)
        except requests.Timeout:
            raise


def parse_ints(parts):
    # Parse loop (httpx, werkzeug): iterating data, not attempts.
    out = []
    for part in parts:
        # ok: hindsight.catalog.retry_without_backoff
        try:
            out.append(int(part))
        except ValueError:
            continue
    return out


def parse_links(value):
    links = []
    for val in value.split(","):
        # ok: hindsight.catalog.retry_without_backoff
        try:
            url, params = val.split(";", 1)
        except ValueError:
            url, params = val, ""
        links.append(url)
    return links


def first_decodable(raw):
    for encoding in ["ascii", "utf-8"]:
        # ok: hindsight.catalog.retry_without_backoff
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue


def read_headers(f, count):
    for index in range(count):
        # ok: hindsight.catalog.retry_without_backoff
        try:
            data = f.read(index)
        except OSError:
            continue
        handle(data)


def cleanup(files):
    for filename in files:
        # ok: hindsight.catalog.retry_without_backoff
        try:
            remove(filename)
        except OSError:
            pass


def next_free_port(base):
    for port in range(base, base + 10):
        # ok: hindsight.catalog.retry_without_backoff
        try:
            return bind(port)
        except OSError:
            return None


def charge(url, body):
    # ruleid: hindsight.catalog.retry_without_backoff
    session = retrying_session(Retry(total=4, backoff_factor=0, status_forcelist=[503]))
    # ruleid: hindsight.catalog.retry_without_backoff
    other = retrying_session(urllib3.util.Retry(total=3))
    # ok: hindsight.catalog.retry_without_backoff
    good = retrying_session(Retry(total=4, backoff_factor=0.25, status_forcelist=[503]))
    # ok: hindsight.catalog.retry_without_backoff
    no_retries = retrying_session(Retry(0, read=False))
    # ok: hindsight.catalog.retry_without_backoff
    copied = Retry(**params)
    return session, other, good, no_retries, copied


def send_until_done(conn, sock, data):
    while True:
        # ok: hindsight.catalog.retry_without_backoff
        try:
            return conn.send(data)
        except WantWriteError as e:
            if not wait_for_write(sock):
                raise TimeoutError() from e
            continue


def adapter_with_variable():
    # ruleid: hindsight.catalog.retry_without_backoff
    retry = Retry(total=5, status_forcelist=[502, 503])
    return HTTPAdapter(max_retries=retry)


# ok: hindsight.catalog.retry_without_backoff
Retry.DEFAULT = Retry(3)
