"""The JSON log switches off the caller lookup through the knob the logging HOWTO documents."""

import json
import logging

from edge.observability.logs import configure_logging


def test_configured_logging_skips_the_caller_lookup_and_still_writes_json(capsys):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    configure_logging("INFO")
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)

    keep = Keep()
    logging.getLogger().addHandler(keep)
    try:
        logging.getLogger("edge.test").info("table %s fired", 12)
    finally:
        root.handlers[:] = handlers  # not the handler writing to this test's captured stdout
        root.setLevel(level)
    # With the knob honoured, no frame was walked: the record names no file, line or function.
    assert (records[0].pathname, records[0].lineno, records[0].funcName) == \
        ("(unknown file)", 0, "(unknown function)")
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["msg"] == "table 12 fired" and line["logger"] == "edge.test"
