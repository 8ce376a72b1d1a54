"""A password strength rule next to Django's four: zxcvbn's estimate of how guessable it is.

Django's validators count characters and look a password up in a list; `dev2dev2dev2` passes
them all. zxcvbn sees repeats, keyboard walks, dates and dictionary words, and says why.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

# zxcvbn scores 0 (guessable in under 10^3 tries) to 4 (over 10^10); 3 is "safely unguessable".
DEFAULT_MIN_SCORE = 3
MAX_CHECKED_CHARS = 100  # zxcvbn's time grows with length; a longer password is long enough


class StrengthValidator:
    """Refuses a password zxcvbn scores below `min_score`, with its warning and suggestions."""

    def __init__(self, min_score: int = DEFAULT_MIN_SCORE) -> None:
        self.min_score = min_score

    def validate(self, password: str, user: object = None) -> None:
        hints = [
            str(value)
            for attribute in ("username", "email", "first_name", "last_name")
            if (value := getattr(user, attribute, None))
        ]
        result = zxcvbn(password[:MAX_CHECKED_CHARS], user_inputs=hints)
        if result["score"] >= self.min_score:
            return
        feedback = result["feedback"]
        advice = " ".join(part for part in [feedback["warning"], *feedback["suggestions"]] if part)
        raise ValidationError(
            "This password is too easy to guess. %(advice)s",
            code="password_too_guessable",
            params={"advice": advice or "Add another word or two. Uncommon words are better."},
        )

    def get_help_text(self) -> str:
        return (
            "Your password can't be easy to guess: no repeats such as abcabc, keyboard "
            "patterns such as qwerty, or common words and dates alone."
        )
