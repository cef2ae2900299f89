"""A control whose validate_control refuses the experiment."""
from chaoslib.exceptions import InvalidActivity


def validate_control(control):
    raise InvalidActivity(f"control '{control['name']}' needs a 'channel' argument")
