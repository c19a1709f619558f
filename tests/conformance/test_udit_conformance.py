"""UDiT against the released architecture's conformance vectors (shared/conformance)."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
from conformance_vectors import CONF, marks, spec_fixture
from safetensors.torch import load_file
from smartdj.models.components.udit import UDiT

pytestmark = marks("udit.json")

spec = spec_fixture("udit.json")


def test_small_config_matches_reference_output(spec):
    torch.set_num_threads(2)
    model = UDiT(**spec["small_config"]).eval()
    model.load_state_dict(load_file(str(CONF / "udit_small_weights.safetensors")), strict=True)
    io = load_file(str(CONF / "udit_small_io.safetensors"))
    with torch.no_grad():
        out = model(io["x"], io["timesteps"], io["context"], io["context_mask"].bool())
    assert out.shape == io["output"].shape
    err = (out - io["output"]).abs().max().item()
    print(f"\nUDiT small config vs reference: max abs error {err:.2e}")
    assert err < 1e-4


def test_small_state_dict_layout(spec):
    with torch.device("meta"):
        model = UDiT(**spec["small_config"])
    assert {k: list(v.shape) for k, v in model.state_dict().items()} == spec["small_state_dict_shapes"]


def test_full_config_layout_and_size(spec):
    with torch.device("meta"):
        model = UDiT(**spec["full_config"])
    ours = {k: list(v.shape) for k, v in model.state_dict().items()}
    assert set(ours) - set(spec["full_state_dict_shapes"]) == set()
    assert set(spec["full_state_dict_shapes"]) - set(ours) == set()
    assert ours == spec["full_state_dict_shapes"]
    assert sum(p.numel() for p in model.parameters()) == spec["full_parameter_count"] == 596_828_928


def test_unsupported_values_raise(spec):
    cfg = dict(spec["small_config"], context_fusion="concat")
    with pytest.raises(ValueError, match="context_fusion"):
        UDiT(**cfg)
    with pytest.raises(ValueError, match="time_fusion"):
        UDiT(**dict(spec["small_config"], time_fusion="token"))


def test_bfloat16_forward_stays_close_to_reference(spec):
    torch.set_num_threads(2)
    model = UDiT(**spec["small_config"])
    model.load_state_dict(load_file(str(CONF / "udit_small_weights.safetensors")))
    model = model.to(torch.bfloat16).eval()
    io = load_file(str(CONF / "udit_small_io.safetensors"))
    with torch.no_grad():
        out = model(io["x"].bfloat16(), io["timesteps"], io["context"].bfloat16(), io["context_mask"].bool())
    assert out.dtype == torch.bfloat16
    assert (out.float() - io["output"]).abs().max().item() < 2e-2
