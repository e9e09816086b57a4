"""Static files as `make run` serves them: compressed once, not at every start."""

from pathlib import Path

from whitenoise.compress import Compressor
from whitenoise.storage import CompressedStaticFilesStorage

# Source maps are fetched by a developer's browser tools alone; brotli spent a third of a fresh
# `collectstatic` on them (20 of 67 s of CPU, the API pages' two maps making 5 MB).
NOT_COMPRESSED = ("map",)


class CompressedOnceStaticFilesStorage(CompressedStaticFilesStorage):
    """WhiteNoise's compressed storage, which compresses only what changed.

    `collectstatic` hands every file to `post_process`, copied or not, and WhiteNoise compresses
    each again: 28 s of every `make run` on two cores for the same bytes. WhiteNoise gives its
    `.br` and `.gz` the modification time of their source, and `collectstatic` copies a changed
    file with a new one, so a compressed copy with its source's time is up to date.
    """

    def create_compressor(self, **kwargs) -> Compressor:
        if kwargs.get("extensions") is None:
            kwargs["extensions"] = (*Compressor.SKIP_COMPRESS_EXTENSIONS, *NOT_COMPRESSED)
        return super().create_compressor(**kwargs)

    def post_process(self, paths, dry_run=False, **options):
        if dry_run:
            # Nothing was copied, so there is nothing to compress (and nothing to read the time
            # of: `collectstatic --dry-run` on a new folder stopped on the first file).
            return
        changed = {path: value for path, value in paths.items() if not self._up_to_date(path)}
        yield from super().post_process(changed, dry_run=dry_run, **options)

    def _up_to_date(self, path: str) -> bool:
        source = Path(self.path(path))
        copies = [source.with_name(source.name + suffix) for suffix in (".br", ".gz")]
        mtime = source.stat().st_mtime
        return any(c.exists() and c.stat().st_mtime == mtime for c in copies)
