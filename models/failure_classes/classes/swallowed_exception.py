# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
# `ruleid` lines must be flagged, `ok` lines are look-alikes from real, well-maintained code that must not be.
import logging
import sys

log = logging.getLogger(__name__)


def load_config(path):
    # ruleid: hindsight.catalog.swallowed_exception
    try:
        cfg = parse(path)
    except Exception:
        pass
    return cfg["name"]


def send_receipt(repo, mailer, order_id):
    # ruleid: hindsight.catalog.swallowed_exception
    try:
        customer = repo.get_customer(order_id)
    except Exception as exc:
        log.warning("no customer: %s", exc)
    message = render(customer["email"], order_id)
    return mailer.send(message)


def checked_next(path):
    # ruleid: hindsight.catalog.swallowed_exception
    try:
        user = lookup(path)
    except BaseException:
        pass
    if user.active:
        return user


def load_config_default(path):
    # ok: hindsight.catalog.swallowed_exception
    try:
        cfg = parse(path)
    except FileNotFoundError:
        pass
    return cfg


def handled_with_default(path):
    # ok: hindsight.catalog.swallowed_exception
    try:
        cfg = parse(path)
    except Exception:
        cfg = {}
    return cfg["name"]


def reraised(path):
    # ok: hindsight.catalog.swallowed_exception
    try:
        cfg = parse(path)
    except Exception as exc:
        raise RuntimeError(path) from exc
    return cfg


def best_effort_close(stream):
    # Process boundary / cleanup (werkzeug, click): swallowing is deliberate, nothing is used after.
    # ok: hindsight.catalog.swallowed_exception
    try:
        stream.close()
    except Exception:
        pass


def keep_string_on_failure(key, raw):
    # Fallback value set before the try (flask config): deliberate.
    value = raw
    # ok: hindsight.catalog.swallowed_exception
    try:
        value = loads(value)
    except Exception:
        pass
    return {key: value}


def capture(func):
    result = exception = None
    # ok: hindsight.catalog.swallowed_exception
    try:
        result = func()
    except BaseException as exc:
        exception = exc
    return result, exception


def main(path):
    # ok: hindsight.catalog.swallowed_exception
    try:
        data = read(path)
    except Exception as error:
        print(f"Unable to read {path!r}; {error}", file=sys.stderr)
        sys.exit(-1)
    print(data)


def worker_loop(queue):
    while True:
        # ok: hindsight.catalog.swallowed_exception
        try:
            job = queue.get()
        except Exception:
            log.exception("worker failed; next job")
            continue
        run(job)


def bare(path):
    # ruleid: hindsight.catalog.swallowed_exception
    try:
        cfg = parse(path)
    except:
        pass
    return cfg.name
