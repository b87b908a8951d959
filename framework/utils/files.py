"""Where data and weight files are found: DeZero's ``get_file`` without surprises.

A file is looked up, in order, in each folder of ``$ZERONN_DATA`` (``os.pathsep``
separated; a file may also sit in a sub-folder named after the data set, e.g.
``$ZERONN_DATA/mnist/``) and in DeZero's cache ``~/.dezero``.  What is found there is
never downloaded again.  A missing file is downloaded into ``~/.dezero`` only when
downloads are allowed (``download=True`` or ``ZERONN_DOWNLOAD=1``) and its sha256 is
known; the download is verified before it is kept (:func:`framework.data.download`).
Otherwise the error names the file and the folders where to put it.
"""
import os
from pathlib import Path

from framework.data.files import download as _download
from framework.errors import DataError

__all__ = ["cache_dir", "data_dirs", "find_file", "get_file", "KNOWN_SHA256"]

#: DeZero's cache folder.
cache_dir = os.path.join(os.path.expanduser("~"), ".dezero")

#: sha256 of the (decompressed) content of files the book downloads.
KNOWN_SHA256 = {
    "train-images-idx3-ubyte.gz":
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte.gz":
        "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte.gz":
        "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte.gz":
        "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}


def data_dirs():
    """The folders searched for data files, in order: ``$ZERONN_DATA``'s, then ``~/.dezero``."""
    dirs = [d for d in os.environ.get("ZERONN_DATA", "").split(os.pathsep) if d]
    return [Path(d).expanduser() for d in dirs] + [Path(cache_dir)]


def _candidates(file_name, subdirs):
    for folder in data_dirs():
        yield folder / file_name
        for sub in subdirs:
            yield folder / sub / file_name


def find_file(file_name, what="data file", url=None, subdirs=()):
    """Return the path of ``file_name`` in the data folders, or raise saying where to put it.

    Args:
        file_name: the file's name.
        what: what the file is, for the message.
        url: where it can be obtained, for the message.
        subdirs: sub-folders of each data folder also searched (e.g. ``("mnist",)``).

    Raises:
        FileNotFoundError: the file is in none of the folders.
    """
    for path in _candidates(file_name, subdirs):
        if path.is_file():
            return path
    where = " or ".join(str(d) for d in data_dirs())
    source = f" (from {url})" if url else ""
    raise FileNotFoundError(
        f"{what} {file_name!r} not found; put it{source} in {where} (or point the "
        f"environment variable ZERONN_DATA at the folder that holds it)")


def _downloads_allowed(download):
    if download is not None:
        return bool(download)
    return os.environ.get("ZERONN_DOWNLOAD", "") not in ("", "0", "false", "no")


def get_file(url, file_name=None, sha256=None, download=None, subdirs=()):
    """The local path of the file at ``url`` (DeZero's ``utils.get_file``).

    Args:
        url: where the file comes from.
        file_name: its local name (the URL's last part by default).
        sha256: the expected sha256 of its (decompressed) content; the known files of
            the book need none.
        download: allow a download when the file is not found (default: the
            environment variable ``ZERONN_DOWNLOAD``).
        subdirs: sub-folders of each data folder also searched.

    Returns:
        The path as a string.

    Raises:
        FileNotFoundError: not found and downloads are not allowed.
        DataError: a download without a known checksum, or a failed download.
        ChecksumError: the downloaded content has another sha256 (nothing is kept).
    """
    if file_name is None:
        file_name = url[url.rfind("/") + 1:]
    for path in _candidates(file_name, subdirs):
        if path.is_file():
            return str(path)
    if not _downloads_allowed(download):
        try:
            find_file(file_name, url=url, subdirs=subdirs)
        except FileNotFoundError as exc:
            raise FileNotFoundError(f"{exc}; or allow the download with ZERONN_DOWNLOAD=1") \
                from None
    sha256 = sha256 or KNOWN_SHA256.get(file_name)
    if sha256 is None:
        raise DataError(f"refusing to download {url} without a checksum: pass "
                        f"get_file(url, sha256=...) or put {file_name!r} in {cache_dir}")
    dest = Path(cache_dir) / file_name
    print("Downloading: " + file_name)
    _download(url, dest, sha256)
    print(" Done")
    return str(dest)
