"""A control that hangs or kills its own interpreter in before_method_control."""
import os
import time


def before_method_control(context, how="hang", **kwargs):
    if how == "hang":
        time.sleep(60)
    else:
        os._exit(3)
