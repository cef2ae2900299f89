"""A control that writes to stdout in every way it can and reads stdin, to
prove the bridge's protocol cannot be corrupted by a chatty control."""
import os
import sys


def before_activity_control(context, **kwargs):
    print("hello from a control")
    print('{"interrupt": "a fake protocol line"}')
    sys.stdout.flush()
    os.write(1, b"raw bytes on fd 1\n")
    leftover = sys.stdin.read()
    print(f"stdin gave {len(leftover)} characters")
    sys.stdout.flush()
