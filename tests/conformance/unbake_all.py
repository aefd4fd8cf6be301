#!/usr/bin/env python3
"""Unbake badge images with openbadges-bakery, the reference implementation, offline.

Run it with the validator's own interpreter (see scripts/setup-validator-venv); it must
not import badgesite:

    .cache/validator-venv/bin/python tests/conformance/unbake_all.py FILE [...]

Output on stdout: a JSON object mapping each FILE to the payload bakery found in it
(null when it found none).
"""

import json
import sys

import openbadges_bakery


def main(paths):
    found = {}
    for path in paths:
        with open(path, "rb") as image:
            payload = openbadges_bakery.unbake(image)
        found[path] = payload.decode("utf-8") if isinstance(payload, bytes) else payload
    json.dump(found, sys.stdout, indent=2)


if __name__ == "__main__":
    main(sys.argv[1:])
