"""The zip archive, opened with bounds: its size is known before Python's ``zipfile`` reads its directory.

``zipfile.ZipFile`` parses every entry of the central directory (one ``ZipInfo`` each) before a caller can count
them: a small file of bare directory entries keeps it busy for minutes and takes gigabytes. :func:`open_zip` reads
the end-of-central-directory record first (the zip64 one too, as ``zipfile`` does) and refuses an archive whose
directory declares more entries or more bytes than allowed; only then is ``ZipFile`` built. ``ZipFile`` reads
exactly the declared directory bytes, so bounding them bounds its work whatever the declared count says.
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import BinaryIO

ENTRY_BYTES = 46 + 1024  # a central-directory entry: 46 fixed bytes and its name, extra field and comment (allowance)


class ArchiveRefused(ValueError):
    """The archive declares more entries or a larger directory than allowed (or has no end record); ``entries``:
    how many entries it declares (0 when unknown)."""

    def __init__(self, reason: str, entries: int = 0):
        super().__init__(reason)
        self.entries = entries


def directory_size(handle: BinaryIO) -> tuple[int, int]:
    """(entries, bytes) the central directory of the open zip ``handle`` declares; :class:`ArchiveRefused` when
    it has no end-of-central-directory record. Reads only the archive's end."""
    try:
        record = zipfile._EndRecData(handle)  # the record ``ZipFile`` itself will use (zip64 included)
    except (OSError, ValueError, zipfile.BadZipFile, EOFError) as error:
        raise ArchiveRefused(f"not a zip file ({str(error)[:100]})") from None
    if not record:
        raise ArchiveRefused("not a zip file (no end of central directory)")
    return int(record[zipfile._ECD_ENTRIES_TOTAL]), int(record[zipfile._ECD_SIZE])


def open_zip(source: str | Path | BinaryIO, *, max_members: int) -> zipfile.ZipFile:
    """``source`` (a path or an open binary file) as a read-only ``ZipFile`` once its central directory declares
    at most ``max_members`` entries in at most ``max_members * ENTRY_BYTES`` bytes; :class:`ArchiveRefused`
    (a ValueError) otherwise, before any entry is parsed. The caller still counts ``infolist()``."""
    if isinstance(source, (str, Path)):
        with open(source, "rb") as handle:
            _check(handle, max_members)
        return zipfile.ZipFile(source)  # (a file only the grader or the instructor can change)
    _check(source, max_members)
    source.seek(0)
    return zipfile.ZipFile(source)


def _check(handle: BinaryIO, max_members: int) -> None:
    entries, size = directory_size(handle)
    if entries > max_members:
        raise ArchiveRefused(f"{entries} files in the archive (at most {max_members})", entries)
    if size > max_members * ENTRY_BYTES:
        raise ArchiveRefused(f"a central directory of {size} bytes (at most {max_members * ENTRY_BYTES})")
