"""The app's Jinja environment: Flask's, with a template's globals whose keys Jinja can compare quickly.

Every `{% from "…/macro.html" import … %}` runs at render time, and GOV.UK Frontend's macros import their own
parts each time they are called (an input imports its label, hint and error message): 20 to 75 imports a page.
Each import asks Jinja (`Template._get_default_module`) whether the importing context has globals the imported
template lacks, as `set - template.globals.keys()`. A template's globals are a `ChainMap` (its own over the
environment's), whose keys view answers that one key at a time in Python: about 50 µs an import with this
app's 38 globals, against 2 µs for a dict's keys (docs/performance.md, "Templates' imports"). Here `keys()`
gives the merged keys as a dict's view, made from the maps as they are now, so the answer is the same (a global
added to the environment later is still seen) and computed in C.
"""

from __future__ import annotations

from collections import ChainMap
from typing import Any

from flask.templating import Environment


class _Globals(ChainMap):
    def keys(self):
        merged: dict[str, Any] = {}
        for mapping in reversed(self.maps):
            merged.update(mapping)
        return merged.keys()


class AwardsEnvironment(Environment):
    def make_globals(self, d):
        return _Globals({} if d is None else d, self.globals)
