"""A Chaos Toolkit control for the differential corpus: it interrupts the run
just before the activity named in its `stop_before` argument."""
try:
    from chaoslib.exceptions import InterruptExecution
except ImportError:  # gameday's bridge recognises the class by its name
    class InterruptExecution(Exception):
        pass


def before_activity_control(context, stop_before=None, **kwargs):
    if context.get("name") == stop_before:
        raise InterruptExecution(f"stopped before '{stop_before}'")
