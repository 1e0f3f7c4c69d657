# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
import urllib.request

import requests


def fetch_price(url):
    # ruleid: hindsight.catalog.missing_http_timeout
    resp = requests.get(url)
    # ok: hindsight.catalog.missing_http_timeout
    resp = requests.get(url, timeout=10)
    # ok: hindsight.catalog.missing_http_timeout
    resp = requests.post(url, json={}, **opts)
    return resp


def with_session(url):
    s = requests.Session()
    # ruleid: hindsight.catalog.missing_http_timeout
    s.post(url, json={"a": 1})
    # ok: hindsight.catalog.missing_http_timeout
    s.post(url, json={"a": 1}, timeout=5)
    # ruleid: hindsight.catalog.missing_http_timeout
    urllib.request.urlopen(url)
    # ok: hindsight.catalog.missing_http_timeout
    urllib.request.urlopen(url, timeout=3)
    # ok: hindsight.catalog.missing_http_timeout
    cache.get(url)


def look_alikes(client, url, kwargs):
    # httpx clients carry a default timeout (5 s); a dict or cache `.get` is not HTTP.
    # ok: hindsight.catalog.missing_http_timeout
    client.get(url)
    # ok: hindsight.catalog.missing_http_timeout
    kwargs.get("timeout")
    # ok: hindsight.catalog.missing_http_timeout
    return requests.request("GET", url, timeout=(3.05, 27))
