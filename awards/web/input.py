"""What the app reads from a request, made safe to store before any view sees it.

NUL characters are taken out of every form field, query parameter and uploaded file's name:
PostgreSQL refuses them in text (so a stray one would be a server error, not a form error), nobody
types them, and they can hide text from someone reading it later. Everything else the person sent is
kept as it was; limits and formats are the forms' and the domain's business.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.utils import cached_property

NUL = "\x00"


def without_nul(values):
    if not any(NUL in key or (isinstance(value, str) and NUL in value) for key, value in values.items(multi=True)):
        return values
    return ImmutableMultiDict(
        [
            (key.replace(NUL, ""), value.replace(NUL, "") if isinstance(value, str) else value)
            for key, value in values.items(multi=True)
        ]
    )


class CleanRequest(Request):
    """The Flask request, with NUL characters taken out of what it carries (see the module's docstring)."""

    @cached_property
    def args(self):
        return without_nul(super().args)

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        self.__dict__["form"] = without_nul(self.__dict__["form"])
        for upload in self.__dict__["files"].values():
            if upload.filename and NUL in upload.filename:
                upload.filename = upload.filename.replace(NUL, "")
