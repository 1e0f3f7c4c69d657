# ruff: noqa
# Annotated examples for the semgrep rule of the same name (`semgrep scan --test`); deliberately bad code.
def read_header(path):
    # ruleid: hindsight.catalog.resource_not_closed
    fh = open(path)
    return fh.readline()


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


class Writer:
    def handle(self, name):
        # ruleid: hindsight.catalog.resource_not_closed
        self._handles[name] = open(name, "a")
        return self._handles[name]
