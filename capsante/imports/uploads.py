"""Uploads bounded in size while they arrive, before they reach the disk whole.

Django writes an upload to a temporary file as it reads the request, and a form checks its size
only once it is all there: a file of 50 GB would fill the data folder first. This handler,
first of FILE_UPLOAD_HANDLERS, counts the bytes of each file as they come and stops the upload
as soon as one passes IMPORT_MAX_UPLOAD_BYTES; the form then says so, naming the file. The
reverse proxy should refuse such a body even earlier (client_max_body_size, docs/exploitation).
"""

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, StopUpload

from capsante.ingest.parsing import size_text

# What the import form accepts, by the end of the file's name (its type as users know it).
ACCEPTED_SUFFIXES = (
    ".csv",
    ".txt",
    ".tsv",
    ".json",
    ".ndjson",
    ".jsonl",
    ".hl7",
    ".xlsx",
    ".zip",
    ".gz",
)


def too_large_message(name: str, size: int | None = None) -> str:
    weight = f" pèse {size_text(size)} :" if size else " est trop volumineux :"
    return (
        f"« {name} »{weight} un fichier déposé fait "
        f"{size_text(settings.IMPORT_MAX_UPLOAD_BYTES)} au plus. Compressez-le (ZIP ou gzip) "
        "ou découpez-le par département."
    )


def type_message(name: str) -> str:
    return (
        f"« {name} » n'est pas d'un type accepté : CSV, TXT, TSV, JSON, NDJSON, HL7, XLSX, "
        "ou l'un d'eux compressé en ZIP ou gzip (.gz)."
    )


def accepted(name: str) -> bool:
    return name.lower().endswith(ACCEPTED_SUFFIXES)


class BoundedUploadHandler(FileUploadHandler):
    def new_file(self, field_name, file_name, *args, **kwargs):
        self.received = 0
        self.current = file_name
        super().new_file(field_name, file_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > settings.IMPORT_MAX_UPLOAD_BYTES:
            # Read to its end without keeping anything, so that the page can answer.
            self.request.refused_upload = self.current
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handlers keep the file
