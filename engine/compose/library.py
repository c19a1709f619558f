"""The sound library: a folder of labelled clips the composer draws on for ``add`` steps.

Labels come from ``manifest.csv`` (columns ``file,label``) when present, else from file names
(``01_dog_barking.wav`` -> ``dog barking``). The index is built at start and kept current by a
watchdog observer (closed, moved and deleted files), so a clip dropped into the folder is usable
at the next step without restarting the engine. ``find(label)`` matches exactly, then lexically.
"""

from __future__ import annotations

import csv
import logging
import re
import threading
from pathlib import Path

from smartdj.bridge import labels as lab

log = logging.getLogger("smartdj.library")

AUDIO_EXTS = {".wav", ".flac", ".aif", ".aiff", ".ogg", ".mp3"}


def normalise(label: str) -> str:
    return " ".join(re.sub(r"[^a-z0-9]+", " ", label.lower()).split())


def label_from_name(path: Path) -> str:
    stem = re.sub(r"^\d+[_\-\s]*", "", path.stem)
    return normalise(stem.replace("_", " ").replace("-", " ")) or normalise(path.stem)


class SoundLibrary:
    """Label -> clip path for one folder; thread-safe; optionally watched for changes."""

    def __init__(self, folder: str | Path | None, watch: bool = False):
        self.folder = Path(folder) if folder else None
        self._lock = threading.Lock()
        self._index: dict[str, Path] = {}
        self._observer = None
        self.rescan()
        if watch and self.folder is not None and self.folder.is_dir():
            self._start_watch()

    def rescan(self) -> None:
        index: dict[str, Path] = {}
        if self.folder is not None and self.folder.is_dir():
            manifest = self.folder / "manifest.csv"
            named: set[str] = set()
            if manifest.is_file():
                try:
                    with manifest.open(newline="", encoding="utf-8") as f:
                        for row in csv.DictReader(f):
                            file, label = (row.get("file") or "").strip(), (row.get("label") or "").strip()
                            p = self.folder / file
                            if file and label and p.is_file():
                                index[normalise(label)] = p
                                named.add(p.name)
                except (OSError, csv.Error, UnicodeDecodeError) as e:
                    log.warning("library manifest %s unreadable (%s); using file names", manifest, e)
            for p in sorted(self.folder.iterdir()):
                if p.suffix.lower() in AUDIO_EXTS and p.is_file() and not p.name.startswith(".") \
                        and p.name not in named:
                    index.setdefault(label_from_name(p), p)
        with self._lock:
            self._index = index

    def labels(self) -> list[str]:
        with self._lock:
            return sorted(self._index)

    def __len__(self) -> int:
        with self._lock:
            return len(self._index)

    def find(self, label: str) -> Path | None:
        """Exact (normalised) label, else the clip sharing most words with it (at least half of them)."""
        key = normalise(label)
        with self._lock:
            index = dict(self._index)
        if key in index:
            return index[key]
        found = lab.closest(key, list(index))
        return index[found] if found is not None else None

    # --- watching -----------------------------------------------------------------------

    def _start_watch(self) -> None:
        try:
            from watchdog.events import FileSystemEventHandler
            from watchdog.observers import Observer
        except ImportError:  # watchdog is a dependency; without it the index is only built at start
            return
        library = self

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event) -> None:  # closed, moved, deleted, created
                if event.event_type in ("closed", "moved", "deleted") and not event.is_directory:
                    library.rescan()

        self._observer = Observer()
        self._observer.daemon = True
        self._observer.schedule(Handler(), str(self.folder), recursive=False)
        self._observer.start()

    def close(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=2)
            self._observer = None
