"""The audio-language planner model: frozen CLAP -> trainable adapter -> causal LM with LoRA.

The adapter maps each CLAP window embedding to one LM input embedding (an audio prefix);
the prompt text (detected/known sound labels + the instruction) follows, and the LM emits the
canonical step texts, one per line, then EOS. Only the adapter and the LoRA weights train: the
CLAP encoder and the LM base are frozen (SmartDJ section 4).
"""

from __future__ import annotations

import json
from typing import Any

import torch
from smartdj.models.components.clap import ClapEncoder, build_clap
from torch import nn

PROMPT_FORMAT = "Sounds: {labels}\nInstruction: {instruction}\nPlan:\n"
NO_LABELS = "unknown"
REFUSAL = "cannot plan this"  # the whole output for a request with no valid plan

TINY_LM = dict(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
               num_key_value_heads=4, max_position_embeddings=512, tie_word_embeddings=False,
               initializer_range=0.1)  # random logits need room to become confident
DEFAULT_LORA = dict(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear")
TINY_LORA = dict(r=32, lora_alpha=32, lora_dropout=0.0,
                 target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"])


def format_prompt(instruction: str, labels: list[str] | None) -> str:
    names = "; ".join(labels) if labels else NO_LABELS
    return PROMPT_FORMAT.format(labels=names, instruction=" ".join(instruction.split()))


def format_target(step_texts: list[str]) -> str:
    """The LM's target: one canonical step per line; no steps = the refusal line."""
    return "".join(f"{t}\n" for t in step_texts) if step_texts else f"{REFUSAL}\n"


class AudioAdapter(nn.Module):
    """CLAP windows ``[n, clap_dim]`` -> LM embeddings ``[n, lm_dim]``: MLP + window positions."""

    def __init__(self, clap_dim: int, lm_dim: int, hidden: int = 512, max_windows: int = 64):
        super().__init__()
        self.config = dict(clap_dim=clap_dim, lm_dim=lm_dim, hidden=hidden, max_windows=max_windows)
        self.norm = nn.LayerNorm(clap_dim)
        self.proj = nn.Sequential(nn.Linear(clap_dim, hidden), nn.GELU(), nn.Linear(hidden, lm_dim))
        self.position = nn.Embedding(max_windows, lm_dim)
        nn.init.normal_(self.position.weight, std=0.02)

    def forward(self, emb: torch.Tensor) -> torch.Tensor:
        n = min(emb.shape[-2], self.config["max_windows"])
        emb = emb[..., :n, :]
        pos = torch.arange(n, device=emb.device)
        return self.proj(self.norm(emb)) + self.position(pos)


def train_bpe_tokenizer(texts: list[str], vocab_size: int = 1000) -> Any:
    """A byte-level BPE tokenizer trained on ``texts`` in milliseconds (no files, no download)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=["<pad>", "<eos>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(texts, trainer)
    return PreTrainedTokenizerFast(tokenizer_object=tok, pad_token="<pad>", eos_token="<eos>")


def load_tokenizer(spec: dict) -> Any:
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    if "json" in spec:
        from tokenizers import Tokenizer

        tok = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(spec["json"]),
                                      pad_token="<pad>", eos_token="<eos>")
    else:
        tok = AutoTokenizer.from_pretrained(spec["name_or_path"], local_files_only=True)
    if len(tok) < 100:  # transformers 5 can hand back an empty tokenizer offline without raising
        raise OSError(f"tokenizer {spec.get('name_or_path', '(embedded)')!r} loaded with only {len(tok)} tokens; "
                      "its files are missing")
    if tok.pad_token is None:
        tok.pad_token = tok.eos_token
    return tok


class PlannerModel(nn.Module):
    """CLAP encoder (frozen) + adapter (trainable) + causal LM (frozen base, trainable LoRA) + tokenizer."""

    def __init__(self, clap: ClapEncoder, lm: Any, tokenizer: Any, spec: dict):
        super().__init__()
        self.clap = clap
        self.lm = lm
        self.tokenizer = tokenizer
        self.spec = spec
        lm_dim = lm.get_input_embeddings().weight.shape[1]
        self.adapter = AudioAdapter(clap.dim, lm_dim, **spec.get("adapter", {}))
        self.spec["adapter"] = {k: v for k, v in self.adapter.config.items() if k in ("hidden", "max_windows")}

    # ---- construction ----
    @classmethod
    def build(cls, *, lm: str | dict = "tiny", clap: str | dict = "tiny", tokenizer: Any = None,
              lora: dict | None = None, adapter: dict | None = None) -> PlannerModel:
        """A fresh model; ``lm="tiny"`` needs ``tokenizer`` (e.g. :func:`train_bpe_tokenizer`)."""
        from peft import LoraConfig, get_peft_model
        from transformers import AutoModelForCausalLM, LlamaConfig

        clap_enc = build_clap(clap)
        if isinstance(lm, str) and lm != "tiny":
            lm = {"name_or_path": lm}
        if lm == "tiny" or (isinstance(lm, dict) and "config" in lm):
            if tokenizer is None:
                raise ValueError("a tiny random LM needs a tokenizer")
            cfg = {**TINY_LM, **(lm["config"] if isinstance(lm, dict) else {}), "vocab_size": len(tokenizer)}
            cfg = {**cfg, "pad_token_id": tokenizer.pad_token_id, "eos_token_id": tokenizer.eos_token_id,
                   "bos_token_id": None}
            base = AutoModelForCausalLM.from_config(LlamaConfig(**cfg))
            lm_spec = {"config": {k: v for k, v in cfg.items()}, "embedded": True}
            tok_spec = {"json": tokenizer.backend_tokenizer.to_str()}
            lora = lora or TINY_LORA
        else:
            name = lm["name_or_path"]
            try:
                base = AutoModelForCausalLM.from_pretrained(name, local_files_only=True, dtype=torch.float32)
            except OSError as e:
                raise FileNotFoundError(f"LM {name!r} is not available offline (a local folder or the Hugging Face "
                                        f"cache): {e}") from None
            tokenizer = tokenizer or load_tokenizer({"name_or_path": name})
            lm_spec = {"name_or_path": name, "embedded": False}
            tok_spec = {"name_or_path": name}
            lora = lora or DEFAULT_LORA
        for p in base.parameters():
            p.requires_grad_(False)
        peft_lm = get_peft_model(base, LoraConfig(task_type="CAUSAL_LM", **lora))
        spec = {"lm": lm_spec, "clap": clap_enc.to_config(), "lora": dict(lora), "tokenizer": tok_spec,
                "adapter": dict(adapter or {}), "prompt": PROMPT_FORMAT}
        model = cls(clap_enc, peft_lm, tokenizer, spec)
        model.freeze_base()
        return model

    def freeze_base(self) -> None:
        """Exactly the adapter and the LoRA weights train."""
        for name, p in self.named_parameters():
            p.requires_grad_(name.startswith("adapter.") or "lora_" in name)

    def config_dict(self) -> dict:
        return json.loads(json.dumps(self.spec))

    def trainable_state_dict(self) -> dict[str, torch.Tensor]:
        return {n: p.detach() for n, p in self.named_parameters() if p.requires_grad}

    def base_state_dict(self) -> dict[str, torch.Tensor]:
        """Frozen weights worth saving: only those of random (embedded) LM / CLAP models."""
        out = {}
        if self.spec["lm"].get("embedded"):
            out.update({f"lm.{n}": p.detach() for n, p in self.lm.named_parameters() if "lora_" not in n})
        if self.spec["clap"].get("embedded"):
            out.update({f"clap.{n}": p.detach() for n, p in self.clap.named_parameters()})
        return out

    # ---- inputs ----
    @property
    def device(self) -> torch.device:
        return self.adapter.position.weight.device

    def embed_tokens(self, ids: torch.Tensor) -> torch.Tensor:
        return self.lm.get_input_embeddings()(ids)

    def prefix_embeds(self, audio_emb: torch.Tensor | None, prompt: str) -> torch.Tensor:
        """``[len, lm_dim]``: audio prefix (if any) then the prompt's token embeddings."""
        ids = torch.tensor(self.tokenizer(prompt, add_special_tokens=False)["input_ids"], device=self.device)
        text = self.embed_tokens(ids)
        if audio_emb is None or audio_emb.numel() == 0:
            return text
        audio = self.adapter(audio_emb.to(self.device, text.dtype))
        return torch.cat([audio.to(text.dtype), text], dim=0)

    def loss(self, batch: list[tuple[torch.Tensor | None, str, str]]) -> torch.Tensor:
        """Mean next-token loss on the targets of ``(audio_emb or None, prompt, target)`` examples."""
        eos = self.tokenizer.eos_token_id
        seqs, labels = [], []
        for audio_emb, prompt, target in batch:
            prefix = self.prefix_embeds(audio_emb, prompt)
            tgt = self.tokenizer(target, add_special_tokens=False)["input_ids"] + [eos]
            tgt_t = torch.tensor(tgt, device=self.device)
            seqs.append(torch.cat([prefix, self.embed_tokens(tgt_t)], dim=0))
            labels.append(torch.cat([torch.full((prefix.shape[0],), -100, device=self.device), tgt_t]))
        width = max(s.shape[0] for s in seqs)
        dim = seqs[0].shape[1]
        embeds = torch.zeros(len(seqs), width, dim, device=self.device, dtype=seqs[0].dtype)
        mask = torch.zeros(len(seqs), width, dtype=torch.long, device=self.device)
        lab = torch.full((len(seqs), width), -100, dtype=torch.long, device=self.device)
        for i, (s, y) in enumerate(zip(seqs, labels, strict=True)):
            embeds[i, :s.shape[0]] = s
            mask[i, :s.shape[0]] = 1
            lab[i, :s.shape[0]] = y
        return self.lm(inputs_embeds=embeds, attention_mask=mask, labels=lab).loss

    @torch.no_grad()
    def generate(self, audio_emb: torch.Tensor | None, prompt: str, *, max_new_tokens: int = 160,
                 num_beams: int = 1, logits_processor: list | None = None) -> str:
        """Greedy (or beam) decoding of the plan text for one example."""
        from transformers import LogitsProcessorList

        prefix = self.prefix_embeds(audio_emb, prompt)[None]
        mask = torch.ones(prefix.shape[:2], dtype=torch.long, device=self.device)
        out = self.lm.generate(inputs_embeds=prefix, attention_mask=mask, max_new_tokens=max_new_tokens,
                               num_beams=num_beams, do_sample=False, eos_token_id=self.tokenizer.eos_token_id,
                               pad_token_id=self.tokenizer.pad_token_id,
                               logits_processor=LogitsProcessorList(logits_processor or []))
        return self.tokenizer.decode(out[0], skip_special_tokens=True)


def build_from_config(spec: dict) -> PlannerModel:
    """The model described by a saved config (weights still random: load them after)."""
    tok = load_tokenizer(spec["tokenizer"])
    return PlannerModel.build(lm=spec["lm"] if spec["lm"].get("embedded") else spec["lm"]["name_or_path"],
                              clap=spec["clap"], tokenizer=tok, lora=spec["lora"], adapter=spec.get("adapter"))


KIND = "planner"
BASE_WEIGHTS = "base.safetensors"


def save_planner(model: PlannerModel, folder, meta: dict | None = None,
                 extra_files: dict[str, dict] | None = None):
    """Checkpoint (kind ``planner``): config + adapter/LoRA weights (+ embedded random base weights)."""
    from smartdj.models.checkpoint import save_checkpoint

    files = dict(extra_files or {})
    base = model.base_state_dict()
    if base:
        files[BASE_WEIGHTS] = base
    return save_checkpoint(folder, KIND, model.config_dict(), model.trainable_state_dict(), meta=meta,
                           extra_files=files)


def load_planner(folder, device: str | torch.device | None = None) -> tuple[PlannerModel, dict]:
    """``(model, checkpoint document)``; the model is in eval mode."""
    from smartdj.models.checkpoint import CheckpointError, load_checkpoint

    doc, trainable = load_checkpoint(folder, KIND)
    model = build_from_config(doc["config"])
    state = dict(trainable)
    if doc["config"]["lm"].get("embedded") or doc["config"]["clap"].get("embedded"):
        _, base = load_checkpoint(folder, KIND, weights=BASE_WEIGHTS)
        state.update(base)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if unexpected:
        raise CheckpointError(f"{folder}: weights the planner does not have, e.g. {unexpected[:3]}")
    lacking = [k for k in model.trainable_state_dict() if k not in state]
    if lacking:
        raise CheckpointError(f"{folder}: missing trained weights, e.g. {lacking[:3]}")
    if device is not None:
        model.to(device)
    return model.eval(), doc
