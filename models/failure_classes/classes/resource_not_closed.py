# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
import socket
import sys
import tempfile


def read_header(path):
    # ruleid: hindsight.catalog.resource_not_closed
    fh = open(path)
    return fh.readline()


def count_lines(paths):
    total = 0
    for path in paths:
        # ruleid: hindsight.catalog.resource_not_closed
        fh = open(path)
        total += sum(1 for _ in fh)
    return total


def read_header_closed(path):
    # ok: hindsight.catalog.resource_not_closed
    fh = open(path)
    try:
        return fh.readline()
    finally:
        fh.close()


def read_header_with(path):
    # ok: hindsight.catalog.resource_not_closed
    with open(path) as fh:
        return fh.readline()


def opener(path):
    # ok: hindsight.catalog.resource_not_closed
    fh = open(path)
    return fh


def tty_or_stdin(isatty):
    # Opened in one branch, closed after it (click's getchar).
    if not isatty:
        # ok: hindsight.catalog.resource_not_closed
        f = open("/dev/tty")
        fd = f.fileno()
    else:
        fd = sys.stdin.fileno()
        f = None
    try:
        return fd
    finally:
        if f is not None:
            f.close()


def load_bytecode(filename, bucket):
    # Opened in a try, used as a context manager afterwards (jinja2's bytecode cache).
    try:
        # ok: hindsight.catalog.resource_not_closed
        f = open(filename, "rb")
    except FileNotFoundError:
        return
    with f:
        bucket.load_bytecode(f)


def send_file(environ, path, file=None):
    # Handed to a wrapper that owns it (werkzeug's send_file).
    if file is None:
        # ok: hindsight.catalog.resource_not_closed
        file = open(path, "rb")
    return wrap_file(environ, file)


def has_ipv6(host):
    sock = None
    try:
        # ok: hindsight.catalog.resource_not_closed
        sock = socket.socket(socket.AF_INET6)
        sock.bind((host, 0))
    except OSError:
        pass
    if sock:
        sock.close()


class Storage:
    def __init__(self, path):
        # ok: hindsight.catalog.resource_not_closed
        stream = open(path, "rb")
        self.stream = stream


class Writer:
    def handle(self, name):
        # ruleid: hindsight.catalog.resource_not_closed
        self._handles[name] = open(name, "a")
        return self._handles[name]
