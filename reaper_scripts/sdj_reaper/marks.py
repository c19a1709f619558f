"""What a job adds to the project: regions, take markers, new takes, a scene item, peaks; and taking them back."""

from reaper_python import *

from .items import TAG, item_guid, select_only, selected_items, take_tag
from .settings import UserError, pget, pset
from .ui import is_null

MARKER_PREFIX = "SmartDJ "
REGION_COLOR = (80, 160, 220)


def region_color():
    r, g, b = REGION_COLOR
    return RPR_ColorToNative(r, g, b) | 0x1000000


def add_region(key, pos, end, name):
    """A region over pos..end, once per ``key`` (None: no check); returns [index, key, previous] to undo it, or None."""
    pkey = "region." + key if key else None
    previous = pget(pkey) if pkey else None
    if pkey and previous == name:
        return None
    idx = RPR_AddProjectMarker2(0, True, pos, end, name, -1, region_color())
    if pkey:
        pset(pkey, name)
    return [idx, pkey, previous]


def remove_region(added):
    """Take back a region from :func:`add_region`."""
    idx, pkey, previous = added
    if idx is not None and idx >= 0:
        RPR_DeleteProjectMarker(0, idx, True)
    if pkey:
        pset(pkey, previous)


def _smartdj_markers(take):
    out = []
    for k in range(RPR_GetNumTakeMarkers(take)):
        r = RPR_GetTakeMarker(take, k, "", 512, 0)
        if r[3].startswith(MARKER_PREFIX):
            out.append((k, [r[0], r[3], r[5]]))
    return out


def _delete_smartdj_markers(take):
    found = _smartdj_markers(take)
    for k, _ in reversed(found):
        RPR_DeleteTakeMarker(take, k)
    return [m for _, m in found]


def mark_steps(item, texts):
    """Take markers on the item's active take, one per planned step; returns the SmartDJ markers replaced."""
    take = RPR_GetActiveTake(item)
    if is_null(take):
        return []
    removed = _delete_smartdj_markers(take)
    start = RPR_GetMediaItemTakeInfo_Value(take, "D_STARTOFFS")
    length = RPR_GetMediaItemInfo_Value(item, "D_LENGTH")
    n = len(texts)
    for k, text in enumerate(texts):
        RPR_SetTakeMarker(take, -1, f"{MARKER_PREFIX}{k + 1}/{n}: {text}", float(start + length * k / max(n, 1)), 0)
    return removed


def unmark_steps(item, removed):
    """Take back :func:`mark_steps`: our markers go, the ones they replaced come back."""
    take = RPR_GetActiveTake(item)
    if is_null(take):
        return
    _delete_smartdj_markers(take)
    for pos, name, color in removed:
        RPR_SetTakeMarker(take, -1, str(name), float(pos), int(color))


def has_tag(item, tag):
    """Whether one of the item's takes carries ``tag`` (a render already imported)."""
    for k in range(RPR_CountTakes(item)):
        tk = RPR_GetTake(item, k)
        if not is_null(tk) and take_tag(tk) == tag:
            return True
    return False


def add_take(item, path, name, tag, peaks):
    """The render as a new, active take named ``name``; the original take is left as it is."""
    src = RPR_PCM_Source_CreateFromFile(path)
    if is_null(src):
        raise UserError(f"REAPER could not open the render {path}")
    take = RPR_AddTakeToMediaItem(item)
    RPR_SetMediaItemTake_Source(take, src)
    RPR_GetSetMediaItemTakeInfo_String(take, "P_NAME", name, True)
    RPR_GetSetMediaItemTakeInfo_String(take, TAG, tag, True)
    RPR_SetMediaItemTakeInfo_Value(take, "D_STARTOFFS", 0.0)
    RPR_SetMediaItemTakeInfo_Value(take, "D_PLAYRATE", 1.0)
    RPR_SetTakeMarker(take, -1, name, 0.0, 0)
    RPR_SetActiveTake(take)
    RPR_UpdateItemInProject(item)
    peaks.append([src, 0])
    return take


def insert_scene_item(span, path, name, tag, peaks):
    """The first mix of a scene: one new item on a new track spanning the selection (InsertMedia)."""
    keep = selected_items()
    RPR_PreventUIRefresh(1)
    try:
        RPR_SelectAllMediaItems(0, False)
        if keep:
            RPR_SetMediaItemSelected(keep[-1], True)  # new track goes below the last source
        if not RPR_InsertMedia(path, 1):
            raise UserError(f"REAPER could not insert the scene mix {path}")
        item = RPR_GetSelectedMediaItem(0, 0)
        start, end = span
        RPR_SetMediaItemInfo_Value(item, "D_POSITION", start)
        RPR_SetMediaItemInfo_Value(item, "D_LENGTH", end - start)
        take = RPR_GetActiveTake(item)
        RPR_GetSetMediaItemTakeInfo_String(take, "P_NAME", name, True)
        RPR_GetSetMediaItemTakeInfo_String(take, TAG, tag, True)
        RPR_SetTakeMarker(take, -1, name, 0.0, 0)
        peaks.append([RPR_GetMediaItemTake_Source(take), 0])
        select_only(keep)
    finally:
        RPR_PreventUIRefresh(-1)
    return item, item_guid(item)


def build_peaks(peaks, budget=2):
    """Advance peak building for a few new sources (PCM_Source_BuildPeaks: begin, run, finish)."""
    for entry in list(peaks[:budget]):
        src, stage = entry
        if stage == 0:
            entry[1] = 1 if RPR_PCM_Source_BuildPeaks(src, 0) != 0 else 2
        elif stage == 1:
            if RPR_PCM_Source_BuildPeaks(src, 1) == 0:
                entry[1] = 2
        if entry[1] == 2:
            RPR_PCM_Source_BuildPeaks(src, 2)
            peaks.remove(entry)
