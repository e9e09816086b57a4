"""`collectstatic` compresses a static file when it changed, not at every `make run`."""

import brotli
from django.core.files.base import ContentFile

from capsante.ui.staticfiles import CompressedOnceStaticFilesStorage

STYLE = "body { font-family: Marianne, arial, sans-serif; }\n" * 200


def compressed(storage, names) -> list[str]:
    paths = {name: (storage, name) for name in names}
    return sorted(name for _, name, done in storage.post_process(paths) if done)


def test_unchanged_files_are_not_compressed_again_and_a_changed_one_is(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    storage = CompressedOnceStaticFilesStorage(location=tmp_path)
    for name in ("dsfr.css", "capsante.css"):
        storage.save(name, ContentFile(STYLE.encode()))
    names = ["capsante.css", "dsfr.css"]
    first = compressed(storage, names)
    assert first == ["capsante.css.br", "capsante.css.gz", "dsfr.css.br", "dsfr.css.gz"]
    assert compressed(storage, names) == []

    # What collectstatic does with a changed file: a new copy, hence a new modification time.
    storage.delete("capsante.css")
    storage.save("capsante.css", ContentFile((STYLE + "h1 { color: #000091; }\n").encode()))
    assert compressed(storage, names) == ["capsante.css.br", "capsante.css.gz"]
    served = brotli.decompress((tmp_path / "capsante.css.br").read_bytes()).decode()
    assert served.endswith("h1 { color: #000091; }\n")


def test_source_maps_are_collected_but_not_compressed(tmp_path, settings):
    settings.STATIC_ROOT = tmp_path
    storage = CompressedOnceStaticFilesStorage(location=tmp_path)
    storage.save("api.js", ContentFile(STYLE.encode()))
    storage.save("api.js.map", ContentFile(STYLE.encode()))
    assert compressed(storage, ["api.js", "api.js.map"]) == ["api.js.br", "api.js.gz"]
    assert (tmp_path / "api.js.map").exists()
