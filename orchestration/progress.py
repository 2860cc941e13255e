"""Progress of long runs on the terminal.

The CLI runs jobs in process with Dagster's console log at WARNING (dbt's and GX's own output goes
to the run's log file), so a 20-minute province run would otherwise print nothing until it ends.
Steps announce their progress with `report(context, message)`; the `progress` logger, which the
CLI enables, prints exactly those lines to the terminal, with the time. In the UI they are
ordinary INFO lines of the run's log.
"""

from __future__ import annotations

import logging
import sys
import time

from dagster import logger

MARK = "» "


def report(context, message: str) -> None:
    """A progress line of a step: in the run's log, and on the terminal of a CLI run."""
    context.log.info(MARK + message)


class _ProgressHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None) or {}
        message = str(meta.get("orig_message") or record.getMessage())
        if message.startswith(MARK):
            stream = sys.__stdout__
            stream.write(f"  {time.strftime('%H:%M:%S')} {message[len(MARK):]}\n")
            stream.flush()


@logger(description="Prints the steps' progress lines (drgdip.progress.report) to the terminal.")
def progress_logger(init_context) -> logging.Logger:
    log = logging.getLogger("drgdip.progress")
    log.setLevel(logging.INFO)
    log.propagate = False
    if not any(isinstance(h, _ProgressHandler) for h in log.handlers):
        log.addHandler(_ProgressHandler())
    return log
