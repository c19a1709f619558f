"""The selected items: finding them again by GUID, and collecting what the engine needs from each."""

import os

from reaper_python import *

from .settings import UserError
from .ui import box, is_null

TAG = "P_EXT:smartdj"  # take tag: "<job>/<item>/<step>"
NO_SELECTION = "Select one or more audio items first."


def item_guid(item):
    """The item's GUID (pointers change across restarts; GUIDs do not)."""
    return RPR_GetSetMediaItemInfo_String(item, "GUID", "", False)[3]


def take_tag(take):
    """The SmartDJ tag of a take ("" for the user's own takes)."""
    return RPR_GetSetMediaItemTakeInfo_String(take, TAG, "", False)[3]


def selected_items():
    """The selected items, in REAPER's order."""
    return [RPR_GetSelectedMediaItem(0, i) for i in range(RPR_CountSelectedMediaItems(0))]


def select_only(items) -> None:
    """Make ``items`` the selection (the user's selection is put back after we change it)."""
    RPR_SelectAllMediaItems(0, False)
    for it in items:
        RPR_SetMediaItemSelected(it, True)


def find_items(guids):
    """Item pointers for GUIDs (after a restart pointers change): select all, look, restore selection."""
    keep = selected_items()
    RPR_PreventUIRefresh(1)
    try:
        RPR_SelectAllMediaItems(0, True)
        found = {}
        for it in selected_items():
            g = item_guid(it)
            if g in guids:
                found[g] = it
        select_only(keep)
    finally:
        RPR_PreventUIRefresh(-1)
    return found


def describe(i, item, take=None):
    """How the user recognises an item in a message: its number, position and take name."""
    pos = RPR_GetMediaItemInfo_Value(item, "D_POSITION")
    name = RPR_GetTakeName(take) if take is not None and not is_null(take) else ""
    return f"item {i + 1} at {pos:.2f} s" + (f" ('{name}')" if name else "")


def _problem(item, take, where):
    """Why an item's active take cannot be sent (None when it can), and its source and file."""
    src = RPR_GetMediaItemTake_Source(take)
    kind = RPR_GetMediaSourceType(src, "", 64)[1] if not is_null(src) else ""
    if not kind or kind.upper().startswith("MIDI"):
        return f"{where}: MIDI or empty take, not audio", None
    if kind.upper() in ("SECTION", "REVERSE"):
        return f"{where}: a section or reversed source; glue the item first", None
    path = RPR_GetMediaSourceFileName(src, "", 4096)[1]
    if not path:
        return f"{where}: no file behind the take", None
    if not os.path.isfile(path):
        return f"{where}: file not found: {path}", None
    rate = RPR_GetMediaItemTakeInfo_Value(take, "D_PLAYRATE")
    if abs(rate - 1.0) > 1e-9:
        return f"{where}: playback rate {rate:g}; set it to 1 or glue the item first", None
    start = RPR_GetMediaItemTakeInfo_Value(take, "D_STARTOFFS")
    length = RPR_GetMediaItemInfo_Value(item, "D_LENGTH")
    src_len = RPR_GetMediaSourceLength(src, False)[0]
    if start < 0 or (src_len > 0 and start + length > src_len + 1e-3):
        return f"{where}: extends beyond its source file (loop or extended edge); glue it first", None
    return None, path


def _label(item, take):
    """The item's label: its take name, or the source take's name for a SmartDJ render."""
    if take_tag(take):
        first = RPR_GetTake(item, 0)
        if not is_null(first):
            return RPR_GetTakeName(first)
    return RPR_GetTakeName(take)


def collect(items, scene=False, ids=None):
    """``(entries, problems)``: what to send for each usable item, and why the others cannot be used."""
    entries, problems = [], []
    for i, item in enumerate(items):
        take = RPR_GetActiveTake(item)
        if is_null(take):
            problems.append(f"{describe(i, item)}: empty item (no take)")
            continue
        problem, path = _problem(item, take, describe(i, item, take))
        if problem:
            problems.append(problem)
            continue
        n = len(entries) + 1
        pos = RPR_GetMediaItemInfo_Value(item, "D_POSITION")
        length = RPR_GetMediaItemInfo_Value(item, "D_LENGTH")
        start = RPR_GetMediaItemTakeInfo_Value(take, "D_STARTOFFS")
        entries.append({
            "wire": {"path": path, "start": round(start, 9), "length": round(length, 9),
                     "label": _label(item, take), "id": ids[i] if ids else ("src%d" if scene else "item%d") % n,
                     "position": pos, **({"at": None, "db": 0.0} if scene else {})},
            "item": item, "guid": item_guid(item), "pos": pos, "len": length,
        })
    return entries, problems


def check_problems(entries, problems, nothing_msg):
    """One message box for the problems; returns False if the user (or an empty list) stops here."""
    if not entries and not problems:
        raise UserError(nothing_msg)
    if problems and not entries:
        raise UserError("None of the selected items can be edited:\n\n" + "\n".join(problems))
    if problems:
        ans = box(f"{len(problems)} selected item(s) cannot be edited:\n\n" + "\n".join(problems)
                  + f"\n\nContinue with the other {len(entries)}?", 4)
        return ans == 6
    return True
