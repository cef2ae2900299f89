# gameday's bridge to Python activities: reads one request as JSON on stdin,
# calls module.func the way Chaos Toolkit does (configuration and secrets are
# injected when the function's signature names them), and writes the outcome
# as JSON to the file named by GAMEDAY_BRIDGE_RESULT. The function's own prints
# go to stdout/stderr, which gameday streams to the screen.
import importlib, inspect, json, os, sys, traceback, datetime, decimal, uuid

# chaoslib's exit_gracefully() / exit_ungracefully() signal their own process
# (SIGUSR1 / SIGUSR2), which under `chaos run` is the run itself. Here that is
# this bridge: pass the signal on to gameday, which ends the run as chaos does.
import signal as _signal


def _forward_exit_signal(signum, _frame):
    target = int(os.environ.get("GAMEDAY_PID") or 0) or os.getppid()
    try:
        os.kill(target, signum)
    except OSError:
        pass


for _s in ("SIGUSR1", "SIGUSR2"):
    if hasattr(_signal, _s):
        _signal.signal(getattr(_signal, _s), _forward_exit_signal)

def encode(o):
    if isinstance(o, (datetime.datetime, datetime.date)):
        return o.isoformat()
    if isinstance(o, (uuid.UUID, decimal.Decimal)):
        return str(o)
    if isinstance(o, bytes):
        return o.decode("utf-8", "replace")
    if isinstance(o, (set, tuple)):
        return list(o)
    if isinstance(o, Exception):
        return f"An exception was raised: {o.__class__.__name__}('{o}')"
    return repr(o)

# `chaos` is a script, so the working directory is not on its module path;
# `python -c` puts it first on ours: take it off, so the same modules load.
if sys.path and sys.path[0] in ("", os.getcwd()):
    sys.path.pop(0)


def main():
    req = json.load(sys.stdin)
    out_path = os.environ["GAMEDAY_BRIDGE_RESULT"]
    def finish(payload):
        with open(out_path, "w") as f:
            json.dump(payload, f, default=encode)
    try:
        mod = importlib.import_module(req["module"])
        func = getattr(mod, req["func"])
    except Exception as x:
        finish({"crash": traceback.format_exception_only(type(x), x)[0].strip()})
        return
    args = dict(req.get("arguments") or {})
    sig = inspect.signature(func)
    if req.get("declares_secrets") and "secrets" in sig.parameters:
        args["secrets"] = req.get("secrets") or {}
    if "configuration" in sig.parameters:
        args["configuration"] = req.get("configuration") or {}
    try:
        result = func(**args)
    except Exception as x:
        finish({"failed": traceback.format_exception_only(type(x), x)[0].strip(),
                "traceback": traceback.format_exception(type(x), x, x.__traceback__)})
        return
    try:
        json.dumps(result, default=encode)
    except Exception:
        result = repr(result)
    finish({"output": result})

main()
