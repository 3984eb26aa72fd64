"""Pieces the member's and the staff's forms share."""

from django import forms


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the user pick several files at once."""

    allow_multiple_selected = True
