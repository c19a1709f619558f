"""Constrained decoding: a logits processor that keeps the generated text a prefix of a grammar (a regex).

The engine's ALM adapter builds the grammar of valid plans and re-decodes with this processor
when the free decoding was not a valid plan.
"""

from __future__ import annotations

from typing import Any

import regex
import torch


class GrammarProcessor:
    """Logits processor: only tokens that keep the decoded text a prefix of a grammatical plan.

    Candidates are tried best-first (so a big vocabulary costs little); EOS only where the text
    is a whole plan. If nothing in ``max_scan`` candidates fits, only EOS is left (the caller
    then finds the output invalid and falls back).
    """

    def __init__(self, tokenizer: Any, grammar: regex.Pattern, *, keep: int = 2, max_scan: int = 4096):
        self.tok, self.grammar, self.keep, self.max_scan = tokenizer, grammar, keep, max_scan
        self.eos = tokenizer.eos_token_id

    def _ok(self, ids: list[int], cand: int) -> bool:
        if cand == self.eos:
            return self.grammar.fullmatch(self.tok.decode(ids, skip_special_tokens=True)) is not None
        if cand in self.tok.all_special_ids:
            return False
        text = self.tok.decode(ids + [cand], skip_special_tokens=True)
        return self.grammar.fullmatch(text, partial=True) is not None

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        out = torch.full_like(scores, float("-inf"))
        for b in range(input_ids.shape[0]):
            ids = input_ids[b].tolist()
            order = torch.argsort(scores[b], descending=True)[: self.max_scan].tolist()
            allowed = []
            for cand in order:
                if self._ok(ids, cand):
                    allowed.append(cand)
                    if len(allowed) >= self.keep:
                        break
            if not allowed:
                allowed = [self.eos]
            out[b, allowed] = scores[b, allowed]
            if torch.isinf(out[b, allowed]).all():  # all allowed had -inf (e.g. masked upstream)
                out[b, allowed] = 0.0
        return out
