"""ALM planner parts: CLAP windows, trainable set, save/load, grammar repair and visible fallbacks."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
import pytest
import torch
from smartdj.bridge.language import parse_step, split_targets
from smartdj.engine.planning.alm import (
    AlmPlanner,
    make_planner,
    plan_grammar,
    tag_vocabulary,
    validate_plan,
)
from smartdj.models.components.clap import (
    COMMON_EVENTS,
    build_clap,
    convert_laion_state_dict,
    label_vocabulary,
)
from smartdj.models.planner.constrained import GrammarProcessor
from smartdj.models.planner.model import (
    PlannerModel,
    format_prompt,
    load_planner,
    save_planner,
    train_bpe_tokenizer,
)

torch.set_num_threads(2)
LABELS = ["dog barking", "rain falling", "crow caw (single)"]
TEXTS = [
    format_prompt("make the dog louder and lose the rain", LABELS),
    "turn up the volume of dog barking by 6 dB\nremove the sound of rain falling\n",
    "change the sound of crow caw (single) at left to right\nadd the sound of cow mooing at the left with -3 dB\n",
    "extract the sound of dog barking\nreverb the sound of rain falling with reverb level 5\n",
]


@pytest.fixture(scope="module")
def tiny_model() -> PlannerModel:
    torch.manual_seed(0)
    return PlannerModel.build(lm="tiny", clap="tiny", tokenizer=train_bpe_tokenizer(TEXTS * 3, 400))


def test_clap_windows_shape_and_norm():
    enc = build_clap("tiny")
    sr = enc.sampling_rate
    audio = np.random.default_rng(0).standard_normal((2, sr * 12)).astype(np.float32) * 0.1
    emb = enc.embed(audio, sr)
    # 12 s, 5 s windows, 2.5 s hop: starts 0, 2.5, 5, 7 (the last window flush with the end)
    assert emb.shape == (4, enc.dim)
    assert torch.allclose(emb.norm(dim=-1), torch.ones(4), atol=1e-4)
    assert enc.embed(audio[:, :sr], sr).shape == (1, enc.dim)  # short items: one padded window
    assert enc.tag(audio, sr) == []  # random weights: no zero-shot tags claimed


def test_clap_takes_audio_at_its_rate_and_the_adapter_resamples(tiny_model):
    from smartdj.engine.audio.io import resample
    from smartdj.engine.planning.alm import _mono_at

    enc = tiny_model.clap
    audio = np.random.default_rng(4).standard_normal((2, 24000 * 3)).astype(np.float32) * 0.1
    with pytest.raises(ValueError, match="resample"):
        enc.embed(audio, 24000)
    mono = _mono_at((audio, 24000), enc.sampling_rate)
    assert mono.shape == (1, enc.sampling_rate * 3)
    want = resample(audio.mean(axis=0, keepdims=True), 24000, enc.sampling_rate)
    assert np.array_equal(mono, want)


def test_tag_labels_come_from_the_users_file_or_the_bundled_clips(tmp_path):
    import csv

    from smartdj.engine.config import bundled_library

    with (bundled_library() / "manifest.csv").open(newline="") as f:
        bundled = [row["label"] for row in csv.DictReader(f)]
    assert bundled and tag_vocabulary() == bundled
    lines = tmp_path / "labels.txt"
    lines.write_text("# my sounds\nkettle whistling\n\ncat purring\n")
    assert tag_vocabulary(lines) == ["kettle whistling", "cat purring"]
    table = tmp_path / "clips.csv"
    table.write_text("file,label\na.wav,kettle whistling\nb.wav,dog barking\n")
    assert tag_vocabulary(table) == ["kettle whistling", "dog barking"]
    with pytest.raises(FileNotFoundError, match="label file"):
        tag_vocabulary(tmp_path / "missing.txt")
    vocab = label_vocabulary(["rain falling"], ["kettle whistling", "rain falling"])
    assert vocab[:2] == ["rain falling", "kettle whistling"] and vocab[2:] == [e for e in COMMON_EVENTS
                                                                             if e != "rain falling"]


def test_laion_key_mapping_splits_audio_qkv():
    sd = {"audio_branch.layers.0.blocks.0.attn.qkv.weight": torch.arange(12.0).reshape(6, 2),
          "audio_branch.layers.0.blocks.0.mlp.fc1.bias": torch.zeros(3),
          "text_branch.encoder.layer.0.attention.self.query.weight": torch.ones(2, 2),
          "audio_projection.0.weight": torch.ones(2, 2), "text_projection.2.bias": torch.ones(2),
          "text_transform.sequential.0.weight": torch.ones(1)}
    out = convert_laion_state_dict(sd)
    base = "audio_model.audio_encoder.layers.0.blocks.0."
    assert torch.equal(out[base + "attention.self.query.weight"], torch.arange(4.0).reshape(2, 2))
    assert torch.equal(out[base + "attention.self.value.weight"], torch.arange(8.0, 12.0).reshape(2, 2))
    assert base + "intermediate.dense.bias" in out
    assert "audio_projection.linear1.weight" in out and "text_projection.linear2.bias" in out
    assert "text_model.encoder.layer.0.attention.self.query.weight" in out
    assert not any("text_transform" in k for k in out)


def test_only_adapter_and_lora_train(tiny_model):
    trainable = [n for n, p in tiny_model.named_parameters() if p.requires_grad]
    assert trainable and all(n.startswith("adapter.") or "lora_" in n for n in trainable)
    assert any(n.startswith("adapter.") for n in trainable) and any("lora_" in n for n in trainable)
    frozen = [n for n, p in tiny_model.named_parameters() if not p.requires_grad]
    assert any(n.startswith("clap.") for n in frozen) and any("base_layer" in n or "embed_tokens" in n for n in frozen)
    # a training step changes exactly the trainable weights
    before = {n: p.detach().clone() for n, p in tiny_model.named_parameters()}
    opt = torch.optim.SGD([p for p in tiny_model.parameters() if p.requires_grad], lr=0.5)
    emb = torch.nn.functional.normalize(torch.randn(3, tiny_model.clap.dim), dim=-1)
    tiny_model.train()
    tiny_model.loss([(emb, TEXTS[0], TEXTS[1]), (None, TEXTS[0], TEXTS[2])]).backward()
    opt.step()
    opt.zero_grad()
    tiny_model.eval()
    changed = {n for n, p in tiny_model.named_parameters() if not torch.equal(p, before[n])}
    assert changed and changed <= set(trainable)
    assert any(n.startswith("adapter.") for n in changed)


def test_save_load_gives_identical_generations(tiny_model, tmp_path):
    emb = torch.nn.functional.normalize(torch.randn(2, tiny_model.clap.dim), dim=-1)
    want = tiny_model.generate(emb, TEXTS[0], max_new_tokens=20)
    save_planner(tiny_model, tmp_path / "ckpt", meta={"steps": 0})
    torch.manual_seed(123)  # a different random init before loading: loading must override all of it
    loaded, doc = load_planner(tmp_path / "ckpt")
    assert doc["kind"] == "planner" and doc["config"]["lm"]["embedded"]
    assert loaded.generate(emb, TEXTS[0], max_new_tokens=20) == want
    sd_a, sd_b = tiny_model.state_dict(), loaded.state_dict()
    assert sd_a.keys() == sd_b.keys() and all(torch.equal(sd_a[k], sd_b[k]) for k in sd_a)


def test_validate_plan_checks_parse_labels_and_order():
    steps, why = validate_plan("add the sound of cow mooing at the left with -3 dB\nremove the sound of rain falling\n",
                               LABELS)
    assert why is None and [s.op for s in steps] == ["add", "remove"]  # the order as generated (plan check keeps it)
    assert validate_plan("remove the sound of cat\n", LABELS)[1] == "step 1.target: 'cat' is not one of the labels"
    assert "does not parse" in validate_plan("remove the dog please\n", LABELS)[1]
    assert validate_plan("", LABELS)[1] == "empty output"
    assert "at most 4" in validate_plan("extract the sound of dog barking\n" * 5, LABELS)[1]


def test_grammar_accepts_canonical_steps_and_prefixes():
    g = plan_grammar(LABELS)
    ok = ("turn down the volume of crow caw (single) at left by 2.5 dB\n"
          "add the sound of cow mooing at the right front with 0 dB\n")
    assert g.fullmatch(ok)
    assert g.fullmatch(ok[:30], partial=True) and not g.fullmatch(ok[:30])
    assert not g.fullmatch("turn down the volume of cat", partial=True)  # 'cat' is not a label
    assert not g.fullmatch("make it louder", partial=True)


def test_grammar_processor_forces_grammatical_output(tiny_model):
    """An untrained model emits garbage; under the grammar every prefix stays a valid plan prefix."""
    emb = torch.nn.functional.normalize(torch.randn(2, tiny_model.clap.dim), dim=-1)
    grammar = plan_grammar(LABELS)
    raw = tiny_model.generate(emb, TEXTS[0], max_new_tokens=30)
    assert not grammar.fullmatch(raw, partial=True)  # the untrained model's own output is garbage
    proc = GrammarProcessor(tiny_model.tokenizer, grammar)
    text = tiny_model.generate(emb, TEXTS[0], max_new_tokens=60, logits_processor=[proc])
    assert text and grammar.fullmatch(text, partial=True)


def test_untrained_planner_never_returns_invalid_steps(tiny_model):
    planner = AlmPlanner(tiny_model, max_new_tokens=60)
    audio = (np.random.default_rng(1).standard_normal((2, 24000 * 3)).astype(np.float32) * 0.1, 24000)
    for instruction in ("make the dog louder and lose the rain", "remove the rain"):
        result = planner.plan(instruction, labels=LABELS, audio=audio)
        assert result.steps
        for s in result.steps:
            assert parse_step(s.text) == s
            assert s.op == "add" or all(n in LABELS for n in split_targets(s.target))
        if result.planner == "rules":
            assert result.fallback and result.fallback.startswith("alm output invalid")
        else:
            assert result.planner == "alm" and result.fallback is None and "alm:constrained-repair" in result.tags
    beam = AlmPlanner(tiny_model, max_new_tokens=40, num_beams=2).plan("remove the rain", labels=LABELS)
    assert all(parse_step(s.text) == s for s in beam.steps) and (beam.planner == "alm") == (beam.fallback is None)
    # with repair off, garbage goes straight to the visible rules fallback
    result = AlmPlanner(tiny_model, max_new_tokens=30, repair=False).plan("remove the rain", labels=LABELS)
    assert result.planner == "rules" and "alm output invalid" in result.fallback
    assert [s.text for s in result.steps] == ["remove the sound of rain falling"]


def test_no_checkpoint_falls_back_visibly(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTDJ_HOME", str(tmp_path))
    monkeypatch.delenv("SMARTDJ_MODELS_DIR", raising=False)
    planner = make_planner()
    result = planner.plan("remove the rain", labels=LABELS)
    assert result.planner == "rules" and "no alm planner checkpoint" in result.fallback
    from smartdj.engine.planning.base import get_planner

    result = get_planner("alm", checkpoint=str(tmp_path / "missing")).plan("remove the rain", labels=LABELS)
    assert result.fallback and "missing" in result.fallback


def test_zero_shot_tags_rank_labels_by_cosine():
    """Tagging math on a tiny CLAP given a byte-level text tokenizer (real use: LAION CLAP weights)."""
    from transformers import ByT5Tokenizer

    enc = build_clap("tiny")
    enc.tokenizer, enc.pretrained = ByT5Tokenizer(), True
    audio = np.random.default_rng(2).standard_normal((1, 16000 * 6)).astype(np.float32) * 0.1
    vocab = ["dog barking", "rain falling", "piano note", "applause"]
    emb = enc.embed(audio, 16000)
    sims = (emb @ enc.text_embeddings(vocab).T).max(dim=0).values
    want = [vocab[i] for i in torch.argsort(sims, descending=True)[:2].tolist()]
    assert enc.tag(audio, 16000, vocabulary=vocab, top_k=2, threshold=-1.0) == want
    assert enc.tag(audio, 16000, vocabulary=vocab, threshold=1.01) == []  # nothing that similar


def test_grammar_bounds_numbers_and_line_breaks():
    g = plan_grammar(LABELS)
    assert g.fullmatch("turn up the volume of dog barking by 40 dB\n")
    assert not g.fullmatch("turn up the volume of dog barking by 89 dB\n")
    assert g.fullmatch("add the sound of cow mooing at the left with -40 dB\n")
    assert not g.fullmatch("add the sound of cow mooing at the left with 25 dB\n")
    assert not g.fullmatch("add the sound of cow\rmooing at the left with 0 dB\n", partial=True)
    assert g.fullmatch("reverb the sound of rain falling with reverb level 10\n")
    assert not g.fullmatch("reverb the sound of rain falling with reverb level 11\n")
