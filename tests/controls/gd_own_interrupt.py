"""A control that stops the run with its own InterruptExecution class (as a
control does when chaoslib is not importable), or with a subclass of
chaoslib's under another name."""


class InterruptExecution(Exception):
    pass


def before_activity_control(context, how="own", **kwargs):
    if how == "own":
        raise InterruptExecution("own class says stop")
    from chaoslib.exceptions import InterruptExecution as Base

    class OperatorSaidNo(Base):
        pass

    raise OperatorSaidNo("subclass says stop")


def after_activity_control(context, **kwargs):
    raise ValueError("an ordinary failure is only reported")
