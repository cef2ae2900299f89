# gameday's bridge to Chaos Toolkit controls: one long-lived interpreter per
# run that imports the control modules and calls their hooks the way chaoslib
# does (keyword arguments injected when the function's signature names them).
#
# Protocol: one JSON request per line in, one JSON reply per line out. Both use
# private copies of the original stdin/stdout; fd 0 is then pointed at
# /dev/null and fd 1 at stderr, so a control that prints or reads the terminal
# cannot corrupt the protocol (its prints reach gameday as stderr lines).
import importlib, inspect, json, os, sys, traceback

# chaoslib's exit_gracefully() / exit_ungracefully() signal their own process
# (SIGUSR1 / SIGUSR2), which under `chaos run` is the run itself. Here that is
# this interpreter: pass the signal on to gameday, which ends the run as chaos
# does. The signals are blocked in every thread (threads inherit the mask, so
# this comes before any is started) and taken by one thread with sigwait:
# whichever thread they land on, they are passed on at once.
import signal as _signal

_EXIT_SIGNALS = {getattr(_signal, n) for n in ("SIGUSR1", "SIGUSR2") if hasattr(_signal, n)}


def _forward_exit_signals():
    target = int(os.environ.get("GAMEDAY_PID") or 0) or os.getppid()
    while True:
        signum = _signal.sigwait(_EXIT_SIGNALS)
        try:
            os.kill(target, signum)
        except OSError:
            pass


if _EXIT_SIGNALS and hasattr(_signal, "pthread_sigmask"):
    import threading as _threading

    _signal.pthread_sigmask(_signal.SIG_BLOCK, _EXIT_SIGNALS)
    _threading.Thread(target=_forward_exit_signals, name="gameday-exit-signals", daemon=True).start()

_proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
_proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
os.dup2(2, 1)
_null = os.open(os.devnull, os.O_RDONLY)
os.dup2(_null, 0)
os.close(_null)
# `chaos` is a script, so the working directory is not on its path: match it.
if sys.path and sys.path[0] in ("", os.getcwd()):
    sys.path.pop(0)

try:
    from chaoslib.exceptions import InterruptExecution as _CtkInterrupt
except Exception:
    _CtkInterrupt = None

_stored = {"experiment": None, "configuration": None, "secrets": None, "settings": None}
_modules = {}


def _is_interrupt(x):
    if _CtkInterrupt is not None and isinstance(x, _CtkInterrupt):
        return True
    return any(c.__name__ == "InterruptExecution" for c in type(x).__mro__)


def _describe(x):
    return traceback.format_exception_only(type(x), x)[-1].strip()


def _import(name):
    try:
        _modules[name] = importlib.import_module(name)
        return {"ok": True}
    except ImportError as x:
        return {"error": _describe(x), "kind": "import"}
    except BaseException as x:
        return {"error": _describe(x), "kind": "crash"}


def _injectable(name, req):
    # A value the request names itself (e.g. the settings chaoslib passes,
    # or not, depending on who calls `configure_control`).
    given = req.get("given") or {}
    if name in given:
        return given[name]
    if req.get("loader") and name in ("experiment", "extensions"):
        # chaoslib's loader hooks run before there is an experiment: it
        # passes None, and `experiment.get("extensions")` raises.
        if name == "extensions":
            raise AttributeError("'NoneType' object has no attribute 'get'")
        return None
    if name == "state":
        return req.get("state")
    if name == "extensions":
        exp = _stored["experiment"]
        return exp.get("extensions") if isinstance(exp, dict) else None
    if name == "event_registry":
        return None
    return _stored.get(name)


def _snapshot(x):
    try:
        return json.dumps(x, sort_keys=True, default=repr)
    except Exception:
        return None


_LISTS = (("hypothesis", ("steady-state-hypothesis", "probes")), ("method", ("method",)), ("rollbacks", ("rollbacks",)))


def _lists(exp):
    out = {}
    for name, path in _LISTS:
        x = exp
        for k in path:
            x = x.get(k) if isinstance(x, dict) else None
        if isinstance(x, list):
            out[name] = x
    return out


def _inserted(before, exp):
    # What a hook inserted into the experiment's lists (chaosaddons' repeat
    # control inserts copies after the activity). `before` holds the old
    # items themselves, so no id can be reused while we compare.
    changes = []
    for name, lst in _lists(exp).items():
        old = [id(a) for a in before.get(name, [])]
        now = [id(a) for a in lst]
        if now == old:
            continue
        olds = set(old)
        if [i for i in now if i in olds] != old:
            changes.append({"list": name, "unsupported": True})
            continue
        group = None
        for pos, a in enumerate(lst):
            if id(a) in olds:
                continue
            if group is not None and group["at"] + len(group["steps"]) == pos:
                group["steps"].append(a)
            else:
                group = {"list": name, "at": pos, "steps": [a]}
                changes.append(group)
    return changes


def _call(req):
    mod = _modules.get(req["module"])
    func = getattr(mod, req["func"], None) if mod is not None else None
    if not func:
        return {"ok": True, "declared": False}
    arguments = dict(req.get("arguments") or {})
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        params = {}
    try:
        for name in req.get("inject", []):
            if name in params:
                arguments[name] = _injectable(name, req)
    except Exception as x:
        return {"error": _describe(x), "message": str(x)}
    args = []
    if "control" in req:
        args.append(req["control"])
    if ("context" in req or req.get("context_is_experiment")) and "context" in arguments:
        # chaoslib calls func(context=..., **arguments): Python refuses that.
        return {"error": f"TypeError: {req['func']}() got multiple values for keyword argument 'context'"}
    if req.get("context_is_experiment"):
        arguments["context"] = _stored["experiment"]
    elif "context" in req:
        arguments["context"] = req["context"]
    # What the hook may change and chaos would keep: the state it is handed,
    # the activity (its context) and the experiment's lists of steps.
    watched = {}
    if "state" in params and req.get("state") is not None:
        watched["state"] = _snapshot(req["state"])
    if "context" in req and not req.get("context_is_experiment"):
        watched["context"] = _snapshot(req["context"])
    lists = None
    if "experiment" in params or req.get("context_is_experiment"):
        lists = {name: list(lst) for name, lst in _lists(_stored["experiment"]).items()}
    try:
        func(*args, **arguments)
    except BaseException as x:
        if _is_interrupt(x) or isinstance(x, (SystemExit, KeyboardInterrupt)):
            msg = str(x) if _is_interrupt(x) else _describe(x)
            reply = {"interrupt": msg}
        else:
            reply = {"error": _describe(x), "message": str(x)}
        return _with_changes(_with_scope(reply, params), req, watched, lists)
    return _with_changes(_with_scope({"ok": True, "declared": True}, params), req, watched, lists)


def _with_changes(reply, req, watched, lists):
    for key, before in watched.items():
        if before is not None and _snapshot(req[key]) != before:
            reply[key] = req[key]
    if lists is not None:
        inserted = _inserted(lists, _stored["experiment"])
        if inserted:
            reply["inserted"] = inserted
    return reply


def _with_scope(reply, params):
    # Under chaos the configuration and secrets a control is given are the
    # run's own dicts: hand them back, so gameday uses what it changed.
    if "configuration" in params or "secrets" in params:
        conf, secrets = _stored.get("configuration"), _stored.get("secrets")
        reply["configuration"] = conf if isinstance(conf, dict) else {}
        reply["secrets"] = secrets if isinstance(secrets, dict) else {}
    return reply


def _handle(req):
    op = req.get("op")
    if op == "init":
        for k in _stored:
            _stored[k] = req.get(k)
        return {"ok": True, "chaoslib": _CtkInterrupt is not None}
    if op == "import":
        return _import(req["module"])
    if op == "call":
        return _call(req)
    return {"error": f"unknown request {op!r}"}


def main():
    for line in _proto_in:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            if req.get("op") == "exit":
                return
            reply = _handle(req)
        except BaseException as x:
            reply = {"error": _describe(x)}
        _proto_out.write(json.dumps(reply, default=repr) + "\n")
        _proto_out.flush()


main()
