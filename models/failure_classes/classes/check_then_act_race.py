# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes (many from real, well-maintained code) that must not be.
import os


def ensure_dir(path):
    # ruleid: hindsight.catalog.check_then_act_race
    if not os.path.exists(path):
        os.makedirs(path)
    # ok: hindsight.catalog.check_then_act_race
    os.makedirs(path, exist_ok=True)


def claim(path):
    # ruleid: hindsight.catalog.check_then_act_race
    if not os.path.exists(path):
        with open(path, "w") as fh:
            fh.write("mine")
    # ok: hindsight.catalog.check_then_act_race
    if os.path.exists(path):
        print("exists")


def ensure_spool(spool):
    # ruleid: hindsight.catalog.check_then_act_race
    if not spool.exists(): spool.mkdir(parents=True)
    # ok: hindsight.catalog.check_then_act_race
    spool.mkdir(parents=True, exist_ok=True)
    return spool


def remove_stale_socket(server_address):
    # A server cleaning up its own stale socket file at start (werkzeug): one process, not flagged.
    # ok: hindsight.catalog.check_then_act_race
    if os.path.exists(server_address):
        os.unlink(server_address)


def make_cache_dir(root):
    # ok: hindsight.catalog.check_then_act_race
    if not root.exists():
        root.mkdir(parents=True, exist_ok=True)
