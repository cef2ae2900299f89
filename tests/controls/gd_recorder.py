"""A control that records every hook it receives, one JSON line per call, to
the file named by GD_CONTROL_LOG. Used under both `chaos run` and gameday so
the two call sequences can be compared line for line."""
import json
import os


def _log(entry):
    with open(os.environ["GD_CONTROL_LOG"], "a") as f:
        f.write(json.dumps(entry, sort_keys=True) + "\n")


def _name(context):
    if isinstance(context, dict):
        return context.get("name") or context.get("title")
    return None


def _summary(level, state):
    if state is None:
        return None
    if level == "activity":
        return state.get("status")
    if level == "hypothesis":
        return state.get("steady_state_met")
    if level in ("method", "rollback"):
        return [r["activity"]["name"] for r in state]
    return state.get("status")


def _hook(scope, level):
    def hook(context, configuration=None, secrets=None, experiment=None,
             state=None, extensions=None, **arguments):
        _log({
            "f": f"{scope}_{level}_control",
            "context": _name(context),
            "arguments": arguments,
            "state": _summary(level, state),
            "experiment": experiment.get("title") if experiment else None,
            "configuration": configuration,
            "secrets": secrets,
            "extensions": extensions,
        })
        if (scope, level) == ("before", "activity") and \
                arguments.get("interrupt_on") == _name(context):
            from chaoslib.exceptions import InterruptExecution
            raise InterruptExecution(f"stopped before '{_name(context)}'")
    hook.__name__ = f"{scope}_{level}_control"
    return hook


for _scope in ("before", "after"):
    for _level in ("experiment", "hypothesis", "method", "rollback", "activity"):
        globals()[f"{_scope}_{_level}_control"] = _hook(_scope, _level)


def validate_control(control):
    _log({"f": "validate_control", "control": control.get("name")})


def configure_control(experiment=None, configuration=None, secrets=None, **arguments):
    _log({"f": "configure_control", "arguments": arguments,
          "experiment": experiment.get("title") if experiment else None,
          "configuration": configuration, "secrets": secrets})


def cleanup_control():
    _log({"f": "cleanup_control"})
