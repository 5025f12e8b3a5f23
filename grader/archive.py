"""The zip archive, opened with bounds (its size is known before Python's ``zipfile`` reads its directory), and
its entries' names and times read as their maker meant them (:func:`entry_name`, :func:`entry_time`).

``zipfile.ZipFile`` parses every entry of the central directory (one ``ZipInfo`` each) before a caller can count
them: a small file of bare directory entries keeps it busy for minutes and takes gigabytes. :func:`open_zip` reads
the end-of-central-directory record first (the zip64 one too, as ``zipfile`` does) and refuses an archive whose
directory declares more entries or more bytes than allowed; only then is ``ZipFile`` built. ``ZipFile`` reads
exactly the declared directory bytes, so bounding them bounds its work whatever the declared count says.
"""
from __future__ import annotations

import contextlib
import struct
import zipfile
import zlib
from datetime import datetime, timedelta, timezone, tzinfo
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


# ---------------------------------------------------------------- an entry's name and time, as its maker meant them

UTF8_FLAG = 0x800            # general purpose bit 11: the name is UTF-8 (APPNOTE.TXT 4.4.4)
UNICODE_PATH_FIELD = 0x7075  # Info-ZIP Unicode Path extra field: version, CRC-32 of the header's name, UTF-8 name
EXTENDED_TIME_FIELD = 0x5455  # Info-ZIP extended timestamp: flags, then the modification time (Unix, UTC) if bit 0
NTFS_FIELD = 0x000A           # NTFS extra field (Windows, 7-Zip): attribute 1 holds mtime as a FILETIME (UTC)
LEGACY_ENCODINGS = ("utf-8", "cp950")   # names written without the UTF-8 flag: tried in this order, then cp437
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=timezone.utc)


def extra_fields(info: zipfile.ZipInfo) -> dict[int, bytes]:
    """The entry's extra fields by header id (APPNOTE.TXT 4.5); a field whose declared size runs past the end is
    dropped, as is the rest after it."""
    fields, extra, at = {}, info.extra or b"", 0
    while at + 4 <= len(extra):
        kind, size = struct.unpack_from("<HH", extra, at)
        if at + 4 + size > len(extra):
            break
        fields.setdefault(kind, extra[at + 4:at + 4 + size])
        at += 4 + size
    return fields


def entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as its maker wrote it. ``zipfile`` decodes a name without the UTF-8 flag as cp437, so a
    zh-TW Windows zip's Big5 (cp950) name comes out as mojibake and a Big5 character whose second byte is 0x5C
    (許, 功, 珮) as a backslash, a folder separator. In order: the UTF-8 flag's name; the Info-ZIP Unicode Path
    field when its CRC-32 matches the header's name; the raw name as UTF-8, then as cp950; else cp437."""
    if info.flag_bits & UTF8_FLAG:
        return info.filename
    raw = info.orig_filename.encode("cp437")   # zipfile's decoding undone: cp437 maps every byte
    unicode_path = extra_fields(info).get(UNICODE_PATH_FIELD, b"")
    if len(unicode_path) > 5 and unicode_path[0] == 1 and struct.unpack_from("<I", unicode_path, 1)[0] == zlib.crc32(raw):
        with contextlib.suppress(UnicodeDecodeError):
            return unicode_path[5:].decode("utf-8")
    for encoding in LEGACY_ENCODINGS:
        with contextlib.suppress(UnicodeDecodeError):
            return raw.decode(encoding)
    return info.orig_filename


def entry_time(info: zipfile.ZipInfo, local: tzinfo) -> datetime:
    """When the entry's file was last modified, as an aware datetime. The header's DOS date and time are the
    zipping machine's local clock with no time zone, so the Info-ZIP extended timestamp (Unix time, UTC) or the
    NTFS field's FILETIME (UTC) is used when present; otherwise the DOS time is read in ``local`` (the deadline's
    zone: learners zip on their own clock)."""
    fields = extra_fields(info)
    stamp = fields.get(EXTENDED_TIME_FIELD, b"")
    if len(stamp) >= 5 and stamp[0] & 1:
        with contextlib.suppress(OverflowError, OSError, ValueError):
            return datetime.fromtimestamp(struct.unpack_from("<i", stamp, 1)[0], timezone.utc)
    ntfs = fields.get(NTFS_FIELD, b"")
    at = 4   # 4 reserved bytes, then (tag, size, data) attributes
    while at + 4 <= len(ntfs):
        tag, size = struct.unpack_from("<HH", ntfs, at)
        if tag == 1 and size >= 8 and at + 12 <= len(ntfs):
            ticks = struct.unpack_from("<Q", ntfs, at + 4)[0]   # 100 ns since 1601-01-01 UTC
            with contextlib.suppress(OverflowError, ValueError):
                return FILETIME_EPOCH + timedelta(microseconds=ticks // 10)
            break
        at += 4 + size
    return datetime(*info.date_time, tzinfo=local)
