"""Helpers for the differential corpus: standard library only.

Both `chaos run` and `gameday run` find this module through PYTHONPATH.
"""
import json
import os


def add(a, b):
    return a + b


def constant(value):
    """Return the argument unchanged (after substitution by the runner)."""
    return value


def describe(value):
    """Report the Python type and value of a (substituted) argument."""
    return {"type": type(value).__name__, "value": value}


def dumps(value):
    return json.dumps(value, sort_keys=True)


def boom(message="boom"):
    raise ValueError(message)


def file_exists(path):
    return os.path.exists(path)


def config_value(key, configuration=None, secrets=None):
    """Read a key from the injected configuration and secrets."""
    configuration = configuration or {}
    secrets = secrets or {}
    return {
        "configuration": configuration.get(key),
        "secret": secrets.get(key),
    }


def under(value, limit=10):
    """A probe-style tolerance: is the probe's value below the limit?"""
    return value < limit


def leave(graceful=True):
    """What chaoslib.exit.exit_gracefully() / exit_ungracefully() do: signal
    the process this code runs in (under chaos, the run itself)."""
    import signal

    os.kill(os.getpid(), signal.SIGUSR1 if graceful else signal.SIGUSR2)
    import time

    time.sleep(2)
    return "still here"


_calls = {"n": 0}


def count():
    """Module state that must survive from one activity to the next, as
    chaoslib's own `count_generator` fixture relies on."""
    n = _calls["n"]
    _calls["n"] += 1
    return n


def chatty(word="hello"):
    """Prints, logs through chaostoolkit's logger, and returns."""
    import logging

    print(f"{word} from print")
    logging.getLogger("chaostoolkit").info(f"{word} from the logger")
    return word


def slow(seconds=30):
    import time

    time.sleep(seconds)
    return "woke"
