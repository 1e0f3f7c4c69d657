# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
def load_config(path):
    # ruleid: hindsight.catalog.swallowed_exception
    try:
        cfg = parse(path)
    except Exception:
        pass
    return cfg["name"]


def load_config_default(path):
    # ok: hindsight.catalog.swallowed_exception
    try:
        cfg = parse(path)
    except FileNotFoundError:
        cfg = {}
    return cfg


def bare(path):
    # ruleid: hindsight.catalog.swallowed_exception
    try:
        return parse(path)
    except:
        return None


def logged(path):
    # ok: hindsight.catalog.swallowed_exception
    try:
        return parse(path)
    except Exception as exc:
        raise RuntimeError(path) from exc
