"""Test double of REAPER's ``reaper_python`` module, following the documented Python conventions.

REAPER cannot be installed on the test machines (DESIGN section 8). This module stands in for
the ctypes shim REAPER ships, with the conventions of /work/shared/docs/reaper-api.md: opaque
pointers are strings such as ``"(MediaItem*)0x0000000012345678"`` (NULL is the zero address,
still a truthy string; a wrong type tag or a stale pointer becomes NULL), functions with output
parameters return the tuple (C return value unless void, then every argument with outputs
replaced), ``proj`` 0 is the active project. ``RPR_defer``/``RPR_runloop``/``RPR_atexit`` are
*not* defined here: REAPER injects them into the script's namespace, and so does
``reaper_host.run_script``. Only the functions the SmartDJ scripts use (plus a few neighbours)
exist; everything lives in :data:`STATE`, reset by :func:`reset`.
"""

from __future__ import annotations

import os
import re
import time
import uuid

_PTR = re.compile(r"^\((\w+)\*\)0x([0-9A-F]{16})$")
NULL_ADDR = 0


class Obj:
    kind = "void"

    def __init__(self):
        self.addr = STATE.new_addr(self)

    @property
    def ptr(self) -> str:
        return f"({self.kind}*)0x{self.addr:016X}"


class Source(Obj):
    kind = "PCM_source"

    def __init__(self, path: str = "", type_: str = "WAV", sr: int = 48000, channels: int = 2,
                 length: float = 0.0, parent: Source | None = None):
        super().__init__()
        self.path, self.type, self.sr, self.channels, self.length = path, type_, sr, channels, length
        self.parent = parent
        self.peaks_left = 100  # PCM_Source_BuildPeaks progress, percent remaining
        self.peaks_built = False


class Take(Obj):
    kind = "MediaItem_Take"

    def __init__(self, item: Item, source: Source | None, name: str = ""):
        super().__init__()
        self.item, self.source, self.name = item, source, name
        self.vals = {"D_STARTOFFS": 0.0, "D_PLAYRATE": 1.0, "D_VOL": 1.0, "D_PAN": 0.0, "B_PPITCH": 0.0,
                     "D_PITCH": 0.0, "I_CHANMODE": 0.0, "I_CUSTOMCOLOR": 0.0}
        self.ext: dict[str, str] = {}
        self.markers: list[list] = []  # [srcpos, name, color], kept sorted by position
        self.guid = "{" + str(uuid.uuid4()).upper() + "}"


class Item(Obj):
    kind = "MediaItem"

    def __init__(self, track: Track, position: float, length: float):
        super().__init__()
        self.track = track
        self.takes: list[Take] = []
        self.cur = 0
        self.vals = {"D_POSITION": float(position), "D_LENGTH": float(length), "D_VOL": 1.0, "B_MUTE": 0.0,
                     "B_LOOPSRC": 1.0, "B_UISEL": 0.0, "D_SNAPOFFSET": 0.0, "D_FADEINLEN": 0.0,
                     "D_FADEOUTLEN": 0.0, "I_CUSTOMCOLOR": 0.0, "C_LOCK": 0.0}
        self.ext: dict[str, str] = {}
        self.guid = "{" + str(uuid.uuid4()).upper() + "}"

    @property
    def selected(self) -> bool:
        return bool(self.vals["B_UISEL"])


class Track(Obj):
    kind = "MediaTrack"

    def __init__(self, name: str = ""):
        super().__init__()
        self.name = name
        self.items: list[Item] = []


class Project(Obj):
    kind = "ReaProject"

    def __init__(self, path: str = "", media_path: str = ""):
        super().__init__()
        self.path, self.media_path = path, media_path
        self.tracks: list[Track] = []
        self.ext: dict[tuple[str, str], str] = {}
        self.markers: list[dict] = []  # {isrgn, pos, rgnend, name, idx, color}
        self.undo_points: list[str] = []
        self.undo_depth = 0
        self.edit_cursor = 0.0


class State:
    def __init__(self, resource_path: str = "", media_path: str = ""):
        global STATE
        STATE = self  # objects register their address with the current state
        self._next_addr = 0x12345678
        self.objects: dict[int, Obj] = {}
        self.project = Project(media_path=media_path)
        self.resource_path = resource_path
        self.ext: dict[tuple[str, str], str] = {}  # global ExtState (persisted or not)
        self.ext_persist: set[tuple[str, str]] = set()
        self.inputs: list[list[str] | None] = []  # scripted GetUserInputs answers (None = cancel)
        self.input_calls: list[dict] = []  # every GetUserInputs call: title, captions, defaults
        self.boxes: list[tuple[str, str, int]] = []  # (msg, title, type) of every ShowMessageBox
        self.box_answers: list[int] = []  # scripted ShowMessageBox answers (default OK / YES)
        self.console: list[str] = []
        self.help: list[tuple[str, bool]] = []  # every Help_Set: (text, is_temporary_help)
        self.registered: dict[str, int] = {}  # AddRemoveReaScript: path -> command id
        self.ui_refresh = 0  # PreventUIRefresh balance
        self.calls: dict[str, int] = {}  # how often each RPR_ function ran
        self.nulls: list[str] = []  # functions that received a NULL / invalid pointer
        self.clock0 = time.monotonic()

    def new_addr(self, obj: Obj) -> int:
        self._next_addr += 0x1F0
        self.objects[self._next_addr] = obj
        return self._next_addr

    def forget(self, obj: Obj) -> None:
        self.objects.pop(obj.addr, None)


STATE = State()


def reset(resource_path: str = "", media_path: str = "") -> State:
    """A fresh REAPER: empty project, empty ExtState (call :func:`restart` to keep persisted state)."""
    global STATE
    STATE = State(resource_path, media_path)
    return STATE


def restart() -> State:
    """REAPER closed and reopened on the same saved project: new pointers, persisted ExtState only.

    The project (tracks, items, takes, markers, project ExtState) is kept as if saved and
    reloaded, but every object gets a new address, so old pointer strings become invalid.
    """
    global STATE
    old = STATE
    new = State(old.resource_path, old.project.media_path)
    new.ext = {k: v for k, v in old.ext.items() if k in old.ext_persist}
    new.ext_persist = set(old.ext_persist)
    new.project = old.project
    new.registered = dict(old.registered)
    STATE = new
    for obj in [old.project] + [o for t in old.project.tracks for o in _walk_track(t)]:
        obj.addr = new.new_addr(obj)
    return new


def _walk_track(t: Track):
    yield t
    for it in t.items:
        yield it
        for tk in it.takes:
            yield tk
            s = tk.source
            while s is not None:
                yield s
                s = s.parent


# --- building a project from tests --------------------------------------------------------

def add_track(name: str = "") -> Track:
    t = Track(name)
    STATE.project.tracks.append(t)
    return t


def source_from_file(path: str) -> Source | None:
    """A PCM source for a file, reading its header like REAPER does (None if unreadable)."""
    if not os.path.isfile(path):
        return None
    ext = os.path.splitext(path)[1].lower()
    if ext in (".mid", ".midi"):
        return Source(path, "MIDI", 0, 0, 0.0)
    try:
        import soundfile as sf

        info = sf.info(path)
    except Exception:
        return Source(path, "WAV", 0, 0, 0.0)  # REAPER keeps an offline source it cannot decode
    return Source(path, {".wav": "WAV", ".flac": "FLAC", ".ogg": "VORBIS", ".mp3": "MP3"}.get(ext, "WAV"),
                  int(info.samplerate), int(info.channels), float(info.frames) / info.samplerate)


def add_item(track: Track, path: str | None, position: float = 0.0, length: float | None = None,
             startoffs: float = 0.0, name: str | None = None, selected: bool = True,
             source: Source | None = None) -> Item:
    """An item with one take on ``path`` (None = an empty item), optionally selected."""
    src = source if source is not None else (source_from_file(path) if path else None)
    if length is None:
        length = max(0.0, (src.length if src else 1.0) - startoffs)
    it = Item(track, position, length)
    track.items.append(it)
    if src is not None or path is not None:
        tk = Take(it, src, name if name is not None else os.path.basename(path or ""))
        tk.vals["D_STARTOFFS"] = float(startoffs)
        it.takes.append(tk)
    it.vals["B_UISEL"] = 1.0 if selected else 0.0
    return it


def all_items() -> list[Item]:
    return [it for t in STATE.project.tracks for it in t.items]


# --- pointer marshalling, as the shim does it ---------------------------------------------

def _count(name: str) -> None:
    STATE.calls[name] = STATE.calls.get(name, 0) + 1


def _obj(p, kind: str, fn: str):
    """Resolve a pointer string of type ``kind``; anything invalid or mistyped is NULL (None)."""
    if kind == "ReaProject" and (p == 0 or p is None):
        return STATE.project
    m = _PTR.match(str(p))
    obj = None
    if m and m.group(1) == kind:
        obj = STATE.objects.get(int(m.group(2), 16))
        if obj is not None and obj.kind != kind:
            obj = None
    if obj is None:
        STATE.nulls.append(fn)
    return obj


def _null(kind: str) -> str:
    return f"({kind}*)0x{NULL_ADDR:016X}"


def _num(x, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        raise TypeError(f"{what}: expected a number, got {type(x).__name__} (ctypes cannot convert it)")
    return float(x)


def _str(x, what: str) -> str:
    if not isinstance(x, str):
        raise TypeError(f"{what}: expected str, got {type(x).__name__}")
    return x


# --- API ------------------------------------------------------------------------------------
# Items, takes, sources

def RPR_CountSelectedMediaItems(proj):
    _count("CountSelectedMediaItems")
    p = _obj(proj, "ReaProject", "CountSelectedMediaItems")
    return sum(1 for t in p.tracks for it in t.items if it.selected) if p else 0


def RPR_GetSelectedMediaItem(proj, selitem):
    _count("GetSelectedMediaItem")
    p = _obj(proj, "ReaProject", "GetSelectedMediaItem")
    sel = [it for t in p.tracks for it in t.items if it.selected] if p else []
    i = int(_num(selitem, "selitem"))
    return sel[i].ptr if 0 <= i < len(sel) else _null("MediaItem")


def RPR_SelectAllMediaItems(proj, selected):
    _count("SelectAllMediaItems")
    p = _obj(proj, "ReaProject", "SelectAllMediaItems")
    for t in p.tracks if p else []:
        for it in t.items:
            it.vals["B_UISEL"] = 1.0 if selected else 0.0


def RPR_SetMediaItemSelected(item, selected):
    _count("SetMediaItemSelected")
    it = _obj(item, "MediaItem", "SetMediaItemSelected")
    if it:
        it.vals["B_UISEL"] = 1.0 if selected else 0.0


def RPR_GetActiveTake(item):
    _count("GetActiveTake")
    it = _obj(item, "MediaItem", "GetActiveTake")
    if not it or not it.takes:
        return _null("MediaItem_Take")
    return it.takes[min(it.cur, len(it.takes) - 1)].ptr


def RPR_SetActiveTake(take):
    _count("SetActiveTake")
    tk = _obj(take, "MediaItem_Take", "SetActiveTake")
    if tk:
        tk.item.cur = tk.item.takes.index(tk)


def RPR_CountTakes(item):
    _count("CountTakes")
    it = _obj(item, "MediaItem", "CountTakes")
    return len(it.takes) if it else 0


def RPR_GetTake(item, takeidx):
    _count("GetTake")
    it = _obj(item, "MediaItem", "GetTake")
    i = int(_num(takeidx, "takeidx"))
    return it.takes[i].ptr if it and 0 <= i < len(it.takes) else _null("MediaItem_Take")


def RPR_GetMediaItemTake(item, tk):
    return RPR_GetTake(item, tk)


def RPR_GetMediaItemTake_Item(take):
    _count("GetMediaItemTake_Item")
    tk = _obj(take, "MediaItem_Take", "GetMediaItemTake_Item")
    return tk.item.ptr if tk else _null("MediaItem")


def RPR_GetMediaItem_Track(item):
    _count("GetMediaItem_Track")
    it = _obj(item, "MediaItem", "GetMediaItem_Track")
    return it.track.ptr if it else _null("MediaTrack")


def RPR_GetMediaItemTake_Source(take):
    _count("GetMediaItemTake_Source")
    tk = _obj(take, "MediaItem_Take", "GetMediaItemTake_Source")
    return tk.source.ptr if tk and tk.source else _null("PCM_source")


def RPR_GetMediaSourceParent(src):
    _count("GetMediaSourceParent")
    s = _obj(src, "PCM_source", "GetMediaSourceParent")
    return s.parent.ptr if s and s.parent else _null("PCM_source")


def RPR_GetMediaSourceFileName(source, filenamebuf, filenamebuf_sz):
    _count("GetMediaSourceFileName")
    s = _obj(source, "PCM_source", "GetMediaSourceFileName")
    name = "" if not s or s.type == "MIDI" and not s.path.lower().endswith((".mid", ".midi")) else s.path
    return (source, name[: int(filenamebuf_sz) - 1], filenamebuf_sz)


def RPR_GetMediaSourceType(source, typebuf, typebuf_sz):
    _count("GetMediaSourceType")
    s = _obj(source, "PCM_source", "GetMediaSourceType")
    return (source, s.type if s else "", typebuf_sz)


def RPR_GetMediaSourceSampleRate(source):
    _count("GetMediaSourceSampleRate")
    s = _obj(source, "PCM_source", "GetMediaSourceSampleRate")
    return int(s.sr) if s else 0


def RPR_GetMediaSourceNumChannels(source):
    _count("GetMediaSourceNumChannels")
    s = _obj(source, "PCM_source", "GetMediaSourceNumChannels")
    return int(s.channels) if s else 0


def RPR_GetMediaSourceLength(source, lengthIsQNOut):
    _count("GetMediaSourceLength")
    s = _obj(source, "PCM_source", "GetMediaSourceLength")
    return (float(s.length) if s else 0.0, source, False)


def RPR_GetMediaItemInfo_Value(item, parmname):
    _count("GetMediaItemInfo_Value")
    it = _obj(item, "MediaItem", "GetMediaItemInfo_Value")
    if not it:
        return 0.0
    if parmname == "P_TRACK":
        return float(it.track.addr)
    if parmname == "I_CURTAKE":
        return float(it.cur)
    return float(it.vals.get(parmname, 0.0))


def RPR_SetMediaItemInfo_Value(item, parmname, newvalue):
    _count("SetMediaItemInfo_Value")
    it = _obj(item, "MediaItem", "SetMediaItemInfo_Value")
    v = _num(newvalue, "newvalue")
    if not it or parmname.startswith("P_"):
        return False
    if parmname == "I_CURTAKE":
        it.cur = int(v)
    else:
        it.vals[parmname] = v
    return True


def RPR_GetMediaItemTakeInfo_Value(take, parmname):
    _count("GetMediaItemTakeInfo_Value")
    tk = _obj(take, "MediaItem_Take", "GetMediaItemTakeInfo_Value")
    if not tk:
        return 0.0
    if parmname == "P_SOURCE":
        return float(tk.source.addr) if tk.source else 0.0
    if parmname == "P_ITEM":
        return float(tk.item.addr)
    if parmname == "IP_TAKENUMBER":
        return float(tk.item.takes.index(tk))
    return float(tk.vals.get(parmname, 0.0))


def RPR_SetMediaItemTakeInfo_Value(take, parmname, newvalue):
    _count("SetMediaItemTakeInfo_Value")
    tk = _obj(take, "MediaItem_Take", "SetMediaItemTakeInfo_Value")
    v = _num(newvalue, "newvalue")
    if not tk or parmname.startswith(("P_", "IP_")):
        return False
    tk.vals[parmname] = v
    return True


def _get_set_string(obj, parmname: str, value: str, set_: bool) -> tuple[bool, str]:
    if parmname == "GUID":
        return True, obj.guid
    if parmname == "P_NAME" and isinstance(obj, Take):
        if set_:
            obj.name = value
        return True, obj.name
    if parmname.startswith("P_EXT:"):
        key = parmname[6:]
        if set_:
            if value:
                obj.ext[key] = value
            else:
                obj.ext.pop(key, None)
            return True, value
        return (key in obj.ext), obj.ext.get(key, "")
    return False, ""


def RPR_GetSetMediaItemTakeInfo_String(tk, parmname, stringNeedBig, setNewValue):
    _count("GetSetMediaItemTakeInfo_String")
    t = _obj(tk, "MediaItem_Take", "GetSetMediaItemTakeInfo_String")
    if not t:
        return (False, tk, parmname, stringNeedBig, setNewValue)
    ok, s = _get_set_string(t, _str(parmname, "parmname"), _str(stringNeedBig, "stringNeedBig"), bool(setNewValue))
    return (ok, tk, parmname, s if ok else stringNeedBig, setNewValue)


def RPR_GetSetMediaItemInfo_String(item, parmname, stringNeedBig, setNewValue):
    _count("GetSetMediaItemInfo_String")
    it = _obj(item, "MediaItem", "GetSetMediaItemInfo_String")
    if not it:
        return (False, item, parmname, stringNeedBig, setNewValue)
    ok, s = _get_set_string(it, _str(parmname, "parmname"), _str(stringNeedBig, "stringNeedBig"), bool(setNewValue))
    return (ok, item, parmname, s if ok else stringNeedBig, setNewValue)


def RPR_GetTakeName(take):
    _count("GetTakeName")
    tk = _obj(take, "MediaItem_Take", "GetTakeName")
    return tk.name if tk else ""


def RPR_AddTakeToMediaItem(item):
    _count("AddTakeToMediaItem")
    it = _obj(item, "MediaItem", "AddTakeToMediaItem")
    if not it:
        return _null("MediaItem_Take")
    tk = Take(it, None, "")
    it.takes.append(tk)
    return tk.ptr


def RPR_PCM_Source_CreateFromFile(filename):
    _count("PCM_Source_CreateFromFile")
    s = source_from_file(_str(filename, "filename"))
    return s.ptr if s else _null("PCM_source")


def RPR_PCM_Source_CreateFromFileEx(filename, forcenoMidiImp):
    return RPR_PCM_Source_CreateFromFile(filename)


def RPR_SetMediaItemTake_Source(take, source):
    _count("SetMediaItemTake_Source")
    tk = _obj(take, "MediaItem_Take", "SetMediaItemTake_Source")
    s = _obj(source, "PCM_source", "SetMediaItemTake_Source")
    if not tk or not s:
        return False
    tk.source = s
    return True


def RPR_PCM_Source_BuildPeaks(src, mode):
    """mode 0 begin (0 = nothing to do), 1 run (returns % remaining, 0 done), 2 finish."""
    _count("PCM_Source_BuildPeaks")
    s = _obj(src, "PCM_source", "PCM_Source_BuildPeaks")
    m = int(_num(mode, "mode"))
    if not s:
        return 0
    if m == 0:
        return 0 if s.peaks_built else 1
    if m == 1:
        s.peaks_left = max(0, s.peaks_left - 50)
        return s.peaks_left
    s.peaks_built = s.peaks_left == 0
    return 0


def RPR_InsertMedia(file, mode):
    """Modes 0 (current track) and 1 (new track) at the edit cursor; the new item becomes the selection."""
    _count("InsertMedia")
    m = int(_num(mode, "mode"))
    src = source_from_file(_str(file, "file"))
    if src is None or m & 3 not in (0, 1):
        return 0
    p = STATE.project
    if m & 3 == 1 or not p.tracks:
        sel_tracks = [t for t in p.tracks if any(it.selected for it in t.items)]
        at = p.tracks.index(sel_tracks[-1]) + 1 if sel_tracks else len(p.tracks)
        track = Track("")
        p.tracks.insert(at, track)
    else:
        track = p.tracks[-1]
    RPR_SelectAllMediaItems(0, False)
    add_item(track, file, position=p.edit_cursor, name=os.path.basename(file), selected=True, source=src)
    return 1


# Take markers

def RPR_GetNumTakeMarkers(take):
    _count("GetNumTakeMarkers")
    tk = _obj(take, "MediaItem_Take", "GetNumTakeMarkers")
    return len(tk.markers) if tk else 0


def RPR_GetTakeMarker(take, idx, nameOut, nameOut_sz, colorOutOptional):
    _count("GetTakeMarker")
    tk = _obj(take, "MediaItem_Take", "GetTakeMarker")
    i = int(_num(idx, "idx"))
    if not tk or not 0 <= i < len(tk.markers):
        return (-1.0, take, idx, "", nameOut_sz, 0)
    pos, name, color = tk.markers[i]
    return (float(pos), take, idx, name, nameOut_sz, int(color))


def RPR_SetTakeMarker(take, idx, nameIn, srcposInOptional, colorInOptional):
    _count("SetTakeMarker")
    tk = _obj(take, "MediaItem_Take", "SetTakeMarker")
    pos = _num(srcposInOptional, "srcposInOptional")  # byref in the shim: None is not allowed
    color = int(_num(colorInOptional, "colorInOptional"))
    i = int(_num(idx, "idx"))
    if not tk:
        return (-1, take, idx, nameIn, srcposInOptional, colorInOptional)
    if i < 0:
        tk.markers.append([pos, _str(nameIn, "nameIn"), color])
    elif i < len(tk.markers):
        tk.markers[i] = [pos, _str(nameIn, "nameIn"), color]
    else:
        return (-1, take, idx, nameIn, srcposInOptional, colorInOptional)
    entry = tk.markers[-1] if i < 0 else tk.markers[i]
    tk.markers.sort(key=lambda m: m[0])
    new = next(k for k, m in enumerate(tk.markers) if m is entry)
    return (new, take, idx, nameIn, srcposInOptional, colorInOptional)


def RPR_DeleteTakeMarker(take, idx):
    _count("DeleteTakeMarker")
    tk = _obj(take, "MediaItem_Take", "DeleteTakeMarker")
    i = int(_num(idx, "idx"))
    if not tk or not 0 <= i < len(tk.markers):
        return False
    del tk.markers[i]
    return True


# Project markers and regions

def RPR_AddProjectMarker2(proj, isrgn, pos, rgnend, name, wantidx, color):
    _count("AddProjectMarker2")
    p = _obj(proj, "ReaProject", "AddProjectMarker2")
    if not p:
        return -1
    used = {m["idx"] for m in p.markers if m["isrgn"] == bool(isrgn)}
    idx = int(wantidx) if int(wantidx) >= 0 and int(wantidx) not in used else max(used | {0}) + 1
    p.markers.append({"isrgn": bool(isrgn), "pos": _num(pos, "pos"), "rgnend": _num(rgnend, "rgnend"),
                      "name": _str(name, "name"), "idx": idx, "color": int(_num(color, "color"))})
    p.markers.sort(key=lambda m: m["pos"])
    return idx


def RPR_CountProjectMarkers(proj, num_markersOut, num_regionsOut):
    _count("CountProjectMarkers")
    p = _obj(proj, "ReaProject", "CountProjectMarkers")
    regions = sum(1 for m in p.markers if m["isrgn"]) if p else 0
    markers = len(p.markers) - regions if p else 0
    return (markers + regions, proj, markers, regions)


def RPR_EnumProjectMarkers3(proj, idx, isrgnOut, posOut, rgnendOut, nameOut, markrgnindexnumberOut, colorOut):
    """Faithful to the shim's bug: the name comes back as the caller's placeholder."""
    _count("EnumProjectMarkers3")
    p = _obj(proj, "ReaProject", "EnumProjectMarkers3")
    i = int(idx)
    if not p or not 0 <= i < len(p.markers):
        return (0, proj, idx, 0, 0.0, 0.0, nameOut, 0, 0)
    m = p.markers[i]
    return (i + 1, proj, idx, int(m["isrgn"]), m["pos"], m["rgnend"], nameOut, m["idx"], m["color"])


def RPR_DeleteProjectMarker(proj, markrgnindexnumber, isrgn):
    _count("DeleteProjectMarker")
    p = _obj(proj, "ReaProject", "DeleteProjectMarker")
    for m in list(p.markers if p else []):
        if m["idx"] == int(markrgnindexnumber) and m["isrgn"] == bool(isrgn):
            p.markers.remove(m)
            return True
    return False


def RPR_ColorToNative(r, g, b):
    _count("ColorToNative")
    return (int(b) & 255) << 16 | (int(g) & 255) << 8 | (int(r) & 255)


# Undo, refresh, UI

def RPR_Undo_BeginBlock2(proj):
    _count("Undo_BeginBlock2")
    p = _obj(proj, "ReaProject", "Undo_BeginBlock2")
    if p:
        p.undo_depth += 1


def RPR_Undo_EndBlock2(proj, descchange, extraflags):
    _count("Undo_EndBlock2")
    p = _obj(proj, "ReaProject", "Undo_EndBlock2")
    _num(extraflags, "extraflags")
    if p:
        if p.undo_depth <= 0:
            raise AssertionError("Undo_EndBlock2 without Undo_BeginBlock2")
        p.undo_depth -= 1
        if p.undo_depth == 0:
            p.undo_points.append(_str(descchange, "descchange"))


def RPR_PreventUIRefresh(prevent_count):
    _count("PreventUIRefresh")
    STATE.ui_refresh += int(_num(prevent_count, "prevent_count"))


def RPR_UpdateArrange():
    _count("UpdateArrange")


def RPR_UpdateTimeline():
    _count("UpdateTimeline")


def RPR_UpdateItemInProject(item):
    _count("UpdateItemInProject")
    _obj(item, "MediaItem", "UpdateItemInProject")


def RPR_ShowConsoleMsg(msg):
    _count("ShowConsoleMsg")
    STATE.console.append(_str(msg, "msg"))


def RPR_Help_Set(helpstring, is_temporary_help):
    """Text in REAPER's help/status area (void: returns None)."""
    _count("Help_Set")
    STATE.help.append((_str(helpstring, "helpstring"), bool(is_temporary_help)))


def RPR_ShowMessageBox(msg, title, type):  # noqa: A002 - the documented parameter name
    _count("ShowMessageBox")
    STATE.boxes.append((_str(msg, "msg"), _str(title, "title"), int(type)))
    if STATE.box_answers:
        return STATE.box_answers.pop(0)
    return {0: 1, 1: 1, 3: 6, 4: 6}.get(int(type), 1)


def RPR_GetUserInputs(title, num_inputs, captions_csv, retvals_csv, retvals_csv_sz):
    """Scripted answers from STATE.inputs; checks the caption count, extrawidth and separator."""
    _count("GetUserInputs")
    n = int(_num(num_inputs, "num_inputs"))
    if not 1 <= n <= 16:
        raise ValueError(f"GetUserInputs: num_inputs must be 1..16, got {n}")
    sep = ","
    parts = _str(captions_csv, "captions_csv").split(",")
    captions, extra = [], {}
    for c in parts:
        m = re.match(r"^(extrawidth|separator)=(.*)$", c, re.S)
        if m:
            extra[m.group(1)] = m.group(2)
        else:
            captions.append(c)
    if "separator" in extra:
        sep = extra["separator"][:1] or ","
    if len(captions) != n:
        raise ValueError(f"GetUserInputs: {n} inputs but {len(captions)} captions in {captions_csv!r}")
    defaults = _str(retvals_csv, "retvals_csv").split(sep)
    STATE.input_calls.append({"title": title, "captions": captions, "defaults": defaults, "extra": extra})
    if not STATE.inputs:
        raise AssertionError(f"GetUserInputs({title!r}) called but the test scripted no answer")
    answer = STATE.inputs.pop(0)
    if answer is None:
        return (False, title, num_inputs, captions_csv, retvals_csv, retvals_csv_sz)
    if callable(answer):
        answer = answer(defaults)
    if len(answer) != n:
        raise AssertionError(f"scripted answer has {len(answer)} fields, the dialog {n}")
    return (True, title, num_inputs, captions_csv, sep.join(answer)[: int(retvals_csv_sz)], retvals_csv_sz)


def RPR_Main_OnCommand(command, flag):
    _count("Main_OnCommand")


# ExtState

def RPR_SetExtState(section, key, value, persist):
    _count("SetExtState")
    k = (_str(section, "section"), _str(key, "key"))
    STATE.ext[k] = _str(value, "value")
    if persist:
        STATE.ext_persist.add(k)


def RPR_GetExtState(section, key):
    _count("GetExtState")
    return STATE.ext.get((section, key), "")


def RPR_HasExtState(section, key):
    _count("HasExtState")
    return (section, key) in STATE.ext


def RPR_DeleteExtState(section, key, persist):
    _count("DeleteExtState")
    STATE.ext.pop((section, key), None)
    if persist:
        STATE.ext_persist.discard((section, key))


def RPR_SetProjExtState(proj, extname, key, value):
    _count("SetProjExtState")
    p = _obj(proj, "ReaProject", "SetProjExtState")
    if not p:
        return 0
    if not key:
        for k in [k for k in p.ext if k[0] == extname]:
            del p.ext[k]
    elif not value:
        p.ext.pop((extname, key), None)
    else:
        p.ext[(_str(extname, "extname"), _str(key, "key"))] = _str(value, "value")
    return sum(len(v) for k, v in p.ext.items() if k[0] == extname)


def RPR_GetProjExtState(proj, extname, key, valOutNeedBig, valOutNeedBig_sz):
    _count("GetProjExtState")
    p = _obj(proj, "ReaProject", "GetProjExtState")
    v = p.ext.get((extname, key), "") if p else ""
    v = v[: max(0, int(valOutNeedBig_sz) - 1)]
    return (len(v), proj, extname, key, v, valOutNeedBig_sz)


def RPR_EnumProjExtState(proj, extname, idx, keyOutOptional, keyOutOptional_sz, valOutOptional, valOutOptional_sz):
    _count("EnumProjExtState")
    p = _obj(proj, "ReaProject", "EnumProjExtState")
    keys = [k for k in p.ext if k[0] == extname] if p else []
    i = int(idx)
    if not 0 <= i < len(keys):
        return (False, proj, extname, idx, "", keyOutOptional_sz, "", valOutOptional_sz)
    return (True, proj, extname, idx, keys[i][1], keyOutOptional_sz, p.ext[keys[i]], valOutOptional_sz)


# Paths, environment

def RPR_GetProjectPath(buf, buf_sz):
    _count("GetProjectPath")
    return (STATE.project.media_path, buf_sz)


def RPR_GetProjectPathEx(proj, buf, buf_sz):
    _count("GetProjectPathEx")
    p = _obj(proj, "ReaProject", "GetProjectPathEx")
    return (proj, p.media_path if p else "", buf_sz)


def RPR_GetResourcePath():
    _count("GetResourcePath")
    return STATE.resource_path


def RPR_GetAppVersion():
    _count("GetAppVersion")
    return "7.27/linux-x86_64"


def RPR_GetOS():
    _count("GetOS")
    return "Other"


def RPR_time_precise():
    _count("time_precise")
    return time.monotonic() - STATE.clock0


def RPR_file_exists(path):
    _count("file_exists")
    return os.path.exists(path)


def RPR_RecursiveCreateDirectory(path, ignored):
    _count("RecursiveCreateDirectory")
    try:
        os.makedirs(path, exist_ok=True)
        return 1
    except OSError:
        return 0


def RPR_AddRemoveReaScript(add, sectionID, scriptfn, commit):
    _count("AddRemoveReaScript")
    if add:
        if not os.path.isfile(scriptfn):
            return 0
        return STATE.registered.setdefault(scriptfn, 53000 + len(STATE.registered))
    STATE.registered.pop(scriptfn, None)
    return 0


def RPR_ReverseNamedCommandLookup(command_id):
    _count("ReverseNamedCommandLookup")
    for path, cid in STATE.registered.items():
        if cid == int(command_id):
            import hashlib

            return "RS" + hashlib.sha1(path.encode()).hexdigest()
    return ""
