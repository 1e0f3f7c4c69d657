# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
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
