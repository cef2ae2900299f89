"""A driver-like module: one line through chaostoolkit's logger (chaos
shows it), one through urllib3's (chaos keeps it quiet)."""
import logging

import urllib3  # noqa: F401  (as a driver would: it sets up its quiet logger)


def noisy():
    logging.getLogger("chaostoolkit").info("from-the-chaostoolkit-logger")
    logging.getLogger("urllib3.connectionpool").warning("Retrying from-urllib3")
    return True
