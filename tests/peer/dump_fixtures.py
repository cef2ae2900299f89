"""Write every experiment of chaostoolkit-lib's own test fixtures as JSON.

Usage: python dump_fixtures.py LIB_TESTS_DIR OUT_DIR

LIB_TESTS_DIR is the `tests/` directory of chaostoolkit-lib's source
distribution (the peer's own suite); its `fixtures/experiments.py` defines the
experiments as Python dicts. Each one that is a whole experiment (a mapping
with a `method` or a `title`) is written to OUT_DIR/<Name>.json, so that both
`chaos run` and `gameday run` can be run on the very same document.
"""
import copy
import json
import os
import sys

tests, out = sys.argv[1], sys.argv[2]
sys.path.insert(0, tests)
from fixtures import experiments  # noqa: E402  (the peer's module)

os.makedirs(out, exist_ok=True)
written = 0
for name in sorted(vars(experiments)):
    value = getattr(experiments, name)
    if name.startswith("_") or not isinstance(value, dict):
        continue
    if "method" not in value and "title" not in value:
        continue
    try:
        text = json.dumps(copy.deepcopy(value), indent=2, default=str)
    except (TypeError, ValueError):
        continue
    with open(os.path.join(out, f"{name}.json"), "w") as f:
        f.write(text)
    written += 1
print(written)
