"""The allow-list of folders, checked every time the engine reads an input or writes a render.

A check at submit alone is not enough: an item can be swapped for a symlink while the job waits,
and ``<out>/<job>`` can be pre-created as a symlink by anyone who saw the job id. So paths are
resolved (symlinks followed) and checked again when read, when written and when a job resumes.
Without ``--allowed-dir`` every folder is allowed (a local engine serves its own user), but the
folder a render is written to must still be a real folder, not a symlink to elsewhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PathRefused(Exception):
    """A path the engine may not or cannot use; ``code`` is the job's ``failed`` code."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


class PathPolicy:
    def __init__(self, allowed_dirs: list[str | os.PathLike] | None = None):
        self.roots = [os.path.realpath(d) for d in (allowed_dirs or [])]

    def allows(self, path: str | os.PathLike) -> bool:
        if not self.roots:
            return True
        real = os.path.realpath(path)
        return any(real == r or real.startswith(r.rstrip(os.sep) + os.sep) for r in self.roots)

    def refusal(self, path: str | os.PathLike) -> str:
        return f"{path} is outside the folders this engine may use (--allowed-dir: {', '.join(self.roots)})"

    def readable(self, path: str | os.PathLike, what: str = "input") -> Path:
        """The resolved path of an input file, or :class:`PathRefused` (``unauthorized`` / ``bad_audio``)."""
        try:
            real = Path(os.path.realpath(path))
            if not self.allows(real):
                raise PathRefused("unauthorized", f"{what}: {self.refusal(path)}")
            if not real.is_file():
                raise PathRefused("bad_audio", f"{what}: {path} does not exist or is not a file")
            if not os.access(real, os.R_OK):
                raise PathRefused("bad_audio", f"{what}: {path} is not readable by the engine")
        except OSError as e:  # a name too long, a folder the engine cannot enter
            raise PathRefused("bad_audio", f"{what}: {path} cannot be used ({e.strerror or e})") from None
        return real

    @contextmanager
    def opened(self, path: str | os.PathLike, what: str = "input") -> Iterator[tuple[Path, os.stat_result]]:
        """Open an input without following a final symlink and check where the opened file really is.

        Yields a path that names exactly the opened file (``/proc/self/fd/N`` on Linux) and its stat:
        a file swapped after the check cannot be read in its place.
        """
        real = self.readable(path, what)
        try:
            fd = os.open(real, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError as e:
            raise PathRefused("bad_audio", f"{what}: {path} cannot be opened ({e.strerror or e})") from None
        try:
            by_fd = Path(f"/proc/self/fd/{fd}")
            if by_fd.exists():
                actual = os.readlink(by_fd)
                if not self.allows(actual):
                    raise PathRefused("unauthorized", f"{what}: {self.refusal(path)}")
                yield by_fd, os.fstat(fd)
            else:
                yield real, os.fstat(fd)
        finally:
            os.close(fd)

    def writable_dir(self, folder: str | os.PathLike, what: str = "output folder", own: bool = False) -> Path:
        """Create ``folder`` if needed and return it, checked against the allow-list after resolving links.

        ``own``: a folder the engine names itself (``<out>/<job>``, ``<out>/<job>/<item>``), which
        must be a real folder: a symlink there was planted by someone else and is refused.
        """
        folder = Path(folder)
        try:
            if own and folder.is_symlink():
                raise PathRefused("out_dir", f"{what}: {folder} is a symlink; the engine writes only into folders "
                                  "it created (remove the link, or choose another output folder)")
            if not self.allows(folder):
                raise PathRefused("unauthorized", f"{what}: {self.refusal(folder)}")
            folder.mkdir(parents=True, exist_ok=True)
            if own and folder.is_symlink():
                raise PathRefused("out_dir", f"{what}: {folder} became a symlink; refusing to write through it")
            if not os.access(folder, os.W_OK | os.X_OK):
                raise PathRefused("out_dir", f"{what}: {folder} is not writable; choose another output folder")
        except OSError as e:
            raise PathRefused("out_dir", f"cannot create the {what} {folder}: {e.strerror or e}; "
                              "choose a folder you can write to") from None
        return folder

    def check_all(self, paths: list[str]) -> str | None:
        """The first path outside the allow-list (for the submit check), or None."""
        for p in paths:
            try:
                if not self.allows(p):
                    return self.refusal(p)
            except (OSError, ValueError):
                return f"{p!r} cannot be resolved"
        return None
