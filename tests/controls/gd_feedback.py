"""A control that changes the configuration it is given, as real controls
do (e.g. to hand a token or an address to later activities): one key in
`configure_control`, another just before the activity named `second`."""


def configure_control(configuration=None, **kwargs):
    configuration["from_configure"] = "configured"


def before_activity_control(context, configuration=None, **kwargs):
    if context.get("name") == "second":
        configuration["word"] = "changed"
