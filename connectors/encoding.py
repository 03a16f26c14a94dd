"""Text encodings of source files: detection (UTF-8 with or without BOM, GBK/GB18030, …) and
the bytes that still fail to decode.

Files are opened with ``errors="surrogateescape"``: an undecodable byte becomes a lone
surrogate instead of an exception that would end the read, so the row holding it can be
handed on as an ``__invalid__`` row (and quarantined) while the rows after it are still read.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import charset_normalizer

_CHUNK = 64 * 1024
_SAMPLE = 128 * 1024
_NON_ASCII = re.compile(rb"[\x80-\xff]")
_ESCAPED = re.compile(r"[\udc80-\udcff]")
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# GB18030 decodes everything GB2312 and GBK encode, so one codec covers the whole family.
_GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz"}
# How much more "chaos" than the best guess a GB candidate may show and still win (see below).
_GB_MARGIN = 0.05


class UndetectableEncoding(ValueError):
    """No encoding explains the file's bytes; the declaration must name one."""


def resolve_encoding(path: Path, declared: str) -> str:
    """The codec to read ``path`` with: the declared one, or a detected one for ``auto``."""
    with path.open("rb") as handle:
        head = handle.read(4)
    if declared != "auto":
        # Excel's "CSV UTF-8" starts with a BOM; utf-8-sig drops it instead of gluing it to the
        # first column's name.
        utf8_bom = head.startswith(codecs.BOM_UTF8) and codecs.lookup(declared).name == "utf-8"
        return "utf-8-sig" if utf8_bom else declared
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return codec  # a BOM is decisive
    return detect(path)


def detect(path: Path) -> str:
    sample = _sample(path)
    if not sample:
        return "utf-8"  # pure ASCII (or empty): any ASCII-compatible codec reads it the same
    if _mostly_utf8(sample):
        return "utf-8"
    matches = list(charset_normalizer.from_bytes(sample))
    if not matches:
        raise UndetectableEncoding("cannot detect the text encoding; declare connector.encoding")
    best = min(match.chaos for match in matches)
    # A few lines of Chinese decode cleanly as Big5, CP949 and EUC-JP too, and the detector ranks
    # those ties arbitrarily; this hub's sources are Chinese, so a GB reading that is (nearly) as
    # clean as the best wins. Latin-1 text, for which a GB reading is garbage, is not affected.
    for match in matches:
        if match.encoding.replace("_", "") in _GB_FAMILY and match.chaos <= best + _GB_MARGIN:
            return "gb18030"
    return str(matches[0].encoding)


def _mostly_utf8(sample: bytes) -> bool:
    """True when more characters decode as multi-byte UTF-8 than bytes fail to.

    GBK text read as UTF-8 fails almost everywhere, while a UTF-8 export with a few rows pasted
    in from a GBK system is still UTF-8: those rows become invalid rows, not the whole file.
    """
    # final=False: a multi-byte character cut at the end of the sample is not an error.
    text = codecs.getincrementaldecoder("utf-8")("surrogateescape").decode(sample, final=False)
    failed = len(_ESCAPED.findall(text))
    multibyte = len(text) - len(text.encode("ascii", "ignore")) - failed
    return failed == 0 or multibyte > failed


def _sample(path: Path) -> bytes:
    """Bytes from the line holding the first non-ASCII byte on: the part that tells encodings
    apart. A large file whose first rows are ASCII is scanned until one shows up."""
    offset = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            found = _NON_ASCII.search(chunk)
            if found:
                # "\n" never occurs inside a UTF-8 or GB18030 character, so this is a safe start.
                line_start = chunk.rfind(b"\n", 0, found.start()) + 1
                handle.seek(offset + line_start)
                return handle.read(_SAMPLE)
            offset += len(chunk)
    return b""


def has_undecodable(text: str) -> bool:
    return _ESCAPED.search(text) is not None


def visible(text: str) -> str:
    r"""Undecodable bytes shown as ``\xNN`` (lone surrogates cannot be written as UTF-8)."""
    return _ESCAPED.sub(lambda m: f"\\x{ord(m.group()) - 0xDC00:02x}", text)
