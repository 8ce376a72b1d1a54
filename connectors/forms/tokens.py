"""The personal API token form: a name and how long the token lives."""

from __future__ import annotations

from django import forms

EXPIRY_CHOICES = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("90", "90 days"),
    ("365", "1 year"),
    ("0", "No expiry"),
]


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=100,
        help_text="What the token is for, e.g. GitHub Actions for the payments repo.",
        error_messages={"required": "Enter a name: it tells your tokens apart."},
    )
    days = forms.TypedChoiceField(
        label="Expiry",
        choices=EXPIRY_CHOICES,
        coerce=int,
        initial="90",
        help_text="After this the token stops working; you can revoke it at any time.",
    )

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Enter a name: it tells your tokens apart.")
        return name
