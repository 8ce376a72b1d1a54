"""Static files as `make serve` serves them: whitenoise's hashed, compressed files, each URL
worked out once per process."""

from __future__ import annotations

from whitenoise.storage import CompressedManifestStaticFilesStorage

# The names a process's templates ask for; more are answered without being kept.
KEPT_URLS = 256


class StaticStorage(CompressedManifestStaticFilesStorage):
    """Every page asks for the same few URLs (stylesheets, scripts, the icon), and working
    one out (the manifest's hashed name, then joining and quoting it) cost a catalog page 7% of
    its time. The manifest is read once, when the process starts, so a name's URL stays the same
    for the life of the process; collectstatic's own rewriting of CSS does not go through url().
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name: str | None, force: bool = False) -> str:
        if force or name is None:
            return super().url(name, force)
        found = self._urls.get(name)
        if found is None:
            found = super().url(name)  # a missing file raises, and nothing is kept
            if len(self._urls) < KEPT_URLS:
                self._urls[name] = found
        return found
