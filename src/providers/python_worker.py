# gameday's Python worker: one long-lived interpreter per run, in which
# python activities run the way chaoslib runs them in-process. Modules are
# imported once and kept, so module state, cached clients and driver sessions
# persist from one activity to the next, as under `chaos run`.
#
# Protocol, over the Unix socket named by GAMEDAY_WORKER_SOCKET, one JSON
# object per line each way:
#   in:  {"id": n, "module", "func", "arguments", "configuration", "secrets",
#         "declares_secrets"}
#   out: {"id": n, "stream": "stdout"|"stderr", "text": ...}   (live output)
#        {"id": n, "result": {"output": ...} | {"failed": msg, "traceback": [...]}
#                            | {"crash": msg}}
# Each call runs in its own thread (background activities run at once, as in
# chaos). What a call prints or logs through Python is sent as its own
# output, at most GAMEDAY_OUTPUT_CAP bytes per call, then marked truncated;
# what reaches the process's file descriptors directly (C extensions,
# subprocesses) goes to the worker's stdout/stderr, which gameday reads too.
import datetime
import decimal
import importlib
import inspect
import io
import json
import logging
import os
import signal
import socket
import sys
import threading
import traceback
import uuid

# chaoslib's exit_gracefully() / exit_ungracefully() signal their own process
# (SIGUSR1 / SIGUSR2), which under `chaos run` is the run itself. Here that is
# this interpreter: pass the signal on to gameday, which ends the run as chaos
# does. The signals are blocked in every thread (threads inherit the mask, so
# this comes before any is started) and taken by one thread with sigwait:
# whichever thread they land on, they are passed on at once.
import signal as _signal

_EXIT_SIGNALS = {getattr(_signal, n) for n in ("SIGUSR1", "SIGUSR2") if hasattr(_signal, n)}


# Calls running now (id -> record); a signal that arrives while some run
# goes back with their replies, so gameday learns of it before their
# results and ends the run exactly where chaos would. One that arrives with
# no call running is passed on to gameday's pid.
_running = {}
_running_lock = __import__("threading").Lock()
_signal_seq = [0]


_real_kill = os.kill


def _note_exit_signal(signum):
    with _running_lock:
        _signal_seq[0] += 1
        for call in _running.values():
            call["signals"].append([_signal_seq[0], int(signum)])
        attached = bool(_running)
    if not attached:
        target = int(os.environ.get("GAMEDAY_PID") or 0) or os.getppid()
        try:
            _real_kill(target, signum)
        except OSError:
            pass


def _kill(pid, sig):
    # chaoslib's exit functions signal this very process from the calling
    # thread: note it there and then, so the call's reply carries it.
    if pid in (0, os.getpid()) and sig in _EXIT_SIGNALS:
        _note_exit_signal(sig)
        call = getattr(_local, "call", None)
        if call is not None and call.get("foreground"):
            # Under chaos this call runs in the main thread, where the
            # signal handler raises at once: the call ends here, unfinished.
            call["interrupted"] = True
            raise SystemExit(20 if sig == _signal.SIGUSR1 else 30)
        return None
    return _real_kill(pid, sig)


os.kill = _kill


def _forward_exit_signals():
    # The same signals sent from outside (or by C code).
    while True:
        _note_exit_signal(_signal.sigwait(_EXIT_SIGNALS))


if _EXIT_SIGNALS and hasattr(_signal, "pthread_sigmask"):
    import threading as _threading

    _signal.pthread_sigmask(_signal.SIG_BLOCK, _EXIT_SIGNALS)
    _threading.Thread(target=_forward_exit_signals, name="gameday-exit-signals", daemon=True).start()

# `chaos` is a script, so the working directory is not on its module path;
# `python -c` puts it first on ours: take it off, so the same modules load.
if sys.path and sys.path[0] in ("", os.getcwd()):
    sys.path.pop(0)

CAP = int(os.environ.get("GAMEDAY_OUTPUT_CAP") or 8 * 1024 * 1024)
TRUNCATED = "\n[gameday: output truncated]\n"

_sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
_sock.connect(os.environ["GAMEDAY_WORKER_SOCKET"])
_in = _sock.makefile("r", encoding="utf-8", errors="replace")
_out = _sock.makefile("w", encoding="utf-8", errors="replace")
_send_lock = threading.Lock()
_local = threading.local()


def _encode(o):
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


def _send(msg):
    line = json.dumps(msg, default=_encode) + "\n"
    with _send_lock:
        _out.write(line)
        _out.flush()


class _CallStream(io.TextIOBase):
    """sys.stdout / sys.stderr: text written by a call's thread is that
    call's output; anything else goes where it went before."""

    def __init__(self, name, fallback):
        self.name = name
        self.fallback = fallback

    def writable(self):
        return True

    def write(self, text):
        call = getattr(_local, "call", None)
        if call is None:
            return self.fallback.write(text)
        if not text:
            return 0
        room = CAP - call["sent"]
        if room <= 0:
            if not call["truncated"]:
                call["truncated"] = True
                _send({"id": call["id"], "stream": self.name, "text": TRUNCATED})
            return len(text)
        piece = text if len(text) <= room else text[:room]
        call["sent"] += len(piece)
        _send({"id": call["id"], "stream": self.name, "text": piece})
        if len(piece) < len(text) and not call["truncated"]:
            call["truncated"] = True
            _send({"id": call["id"], "stream": self.name, "text": TRUNCATED})
        return len(text)

    def flush(self):
        if getattr(_local, "call", None) is None:
            self.fallback.flush()


sys.stdout = _CallStream("stdout", sys.__stdout__)
sys.stderr = _CallStream("stderr", sys.__stderr__)

# Drivers log through chaostoolkit's own logger: shown as the call's
# stderr, at INFO, as on chaos's console. chaos configures that logger
# only, not the root: other libraries' records (urllib3's "Retrying …")
# stay as quiet as under chaos (logzero prints through its own handler).
_handler = logging.StreamHandler(sys.stderr)
_handler.setFormatter(logging.Formatter("[%(asctime)s %(levelname)s] %(message)s", "%Y-%m-%d %H:%M:%S"))
_ctk_logger = logging.getLogger("chaostoolkit")
_ctk_logger.addHandler(_handler)
_ctk_logger.setLevel(logging.INFO)




def _run(req):
    try:
        mod = importlib.import_module(req["module"])
        func = getattr(mod, req["func"])
    except Exception as x:
        return {"crash": traceback.format_exception_only(type(x), x)[0].strip()}
    args = dict(req.get("arguments") or {})
    try:
        params = inspect.signature(func).parameters
    except (TypeError, ValueError):
        params = {}
    if req.get("declares_secrets") and "secrets" in params:
        args["secrets"] = req.get("secrets") or {}
    if "configuration" in params:
        args["configuration"] = req.get("configuration") or {}
    try:
        result = func(**args)
    except Exception as x:
        return {
            "failed": traceback.format_exception_only(type(x), x)[0].strip(),
            "traceback": traceback.format_exception(type(x), x, x.__traceback__),
        }
    try:
        json.dumps(result, default=_encode)
    except Exception:
        result = repr(result)
    return {"output": result}


def _call(req):
    _local.call = {
        "id": req["id"],
        "sent": 0,
        "truncated": False,
        "signals": [],
        "foreground": bool(req.get("foreground")),
    }
    with _running_lock:
        _running[req["id"]] = _local.call
    try:
        result = _run(req)
    except SystemExit as x:
        if _local.call.get("interrupted"):
            # Our own exit-signal stand-in (see _kill) reached the top: the
            # call was cut short. A driver that caught it ran on and returned.
            result = {"interrupted": True}
        else:
            result = {"crash": traceback.format_exception_only(type(x), x)[-1].strip()}
    except BaseException as x:  # KeyboardInterrupt and the like in a driver
        result = {"crash": traceback.format_exception_only(type(x), x)[-1].strip()}
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except Exception:
            pass
        call = _local.call
        _local.call = None
    with _running_lock:
        _running.pop(req["id"], None)
    reply = {"id": req["id"], "result": result}
    if call and call["signals"]:
        reply["exit_signals"] = call["signals"]
    _send(reply)


def main():
    for line in _in:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
        except ValueError:
            continue
        threading.Thread(target=_call, args=(req,), daemon=True).start()


main()
