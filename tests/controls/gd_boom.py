"""A control module that cannot even be imported."""
raise RuntimeError("this module refuses to load")
