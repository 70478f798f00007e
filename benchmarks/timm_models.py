"""A sample of timm's entry points, macslint against PyTorch (issue 22).

Not a test. The sample (SAMPLE, below) is every model family of timm 1.0.31 (each module of
timm.models that registers a model), taking the first entry point of each in sorted order
(`test_*` models left out), and the second too for the families of over 20: 110 entry points
over 97 families. For each, PyTorch builds `timm.create_model(name)` (pretrained=False, the
default, so no weights are loaded) on the meta device (on the CPU, then moved to meta, where
its construction reads tensor items) and counts its parameters and, in eval mode with grad
enabled under FlopCounterMode, its MACs (flops / 2) at 1 x its `pretrained_cfg` input size.
macslint reports the entry point's function (`report --model NAME timm/models/FAMILY.py`),
with that input size declared, and each is then exact, wrong, incomplete (with macslint's
first reason) or not found, as in benchmarks/torchvision_factories.py.

    python benchmarks/timm_models.py --root DIR [--json FILE] [--torch-cache FILE] [-j N]

DIR holds the unpacked timm and torchvision wheels (DIR/timm, DIR/torchvision): torchvision's
compiled extension is not loaded (timm imports its pure-Python parts).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

sys.path.insert(0, str(Path(__file__).resolve().parent))
from torchvision_factories import (  # noqa: E402
    REPO, TORCH_ALL, compare, run_torch, summary, truth_of,
)

# (family, entry point)
SAMPLE = [
    ("beit", "beit_base_patch16_224"), ("byoanet", "botnet26t_256"),
    ("byobnet", "bat_resnext26ts"), ("byobnet", "eca_resnet33ts"), ("cait", "cait_m36_384"),
    ("coat", "coat_lite_medium"), ("convit", "convit_base"),
    ("convmixer", "convmixer_1024_20_ks9_p14"), ("convnext", "convnext_atto"),
    ("convnext", "convnext_atto_ols"), ("cpubone", "cpubone_b0_bfrobust"),
    ("crossvit", "crossvit_15_240"), ("csatv2", "csatv2"), ("cspnet", "cs3darknet_focus_l"),
    ("cspnet", "cs3darknet_focus_m"), ("cspnext", "cspnext_l"), ("davit", "davit_base"),
    ("deepseek_vit", "deepseek_vit_412m"), ("deit", "deit3_base_patch16_224"),
    ("densenet", "densenet121"), ("dla", "dla102"), ("dpn", "dpn107"),
    ("edgenext", "edgenext_base"), ("efficientformer", "efficientformer_l1"),
    ("efficientformer_v2", "efficientformerv2_l"), ("efficientnet", "efficientnet_b0"),
    ("efficientnet", "efficientnet_b0_g16_evos"), ("efficientvim", "efficientvim_m1"),
    ("efficientvit_mit", "efficientvit_b0"), ("efficientvit_msra", "efficientvit_m0"),
    ("eva", "eva02_base_patch14_224"), ("eva", "eva02_base_patch14_448"),
    ("fasternet", "fasternet_l"), ("fastvit", "fastvit_ma36"),
    ("focalnet", "focalnet_base_lrf"), ("gcvit", "gcvit_base"),
    ("gemma4_vit", "gemma4_vit_167m"), ("ghostnet", "ghostnet_050"),
    ("hardcorenas", "hardcorenas_a"), ("hgnet", "hgnet_base"), ("hiera", "hiera_base_224"),
    ("hieradet_sam2", "hieradet_small"), ("hrnet", "hrnet_w18"), ("iformer", "iformer_h"),
    ("inception_next", "inception_next_atto"), ("inception_resnet_v2", "inception_resnet_v2"),
    ("inception_v3", "inception_v3"), ("inception_v4", "inception_v4"),
    ("lcnetv2", "lcnetv2_base"), ("levit", "levit_128"), ("lowformer", "lowformer_b0"),
    ("mambaout", "mambaout_base"), ("maxxvit", "coatnet_0_224"),
    ("maxxvit", "coatnet_0_rw_224"), ("metaformer", "caformer_b36"),
    ("mlp_mixer", "gmixer_12_224"), ("mobilenetv3", "fbnetv3_b"), ("mobilenetv3", "fbnetv3_d"),
    ("mobilenetv5", "mobilenetv5_300m"), ("mobilevit", "mobilevit_s"),
    ("mvitv2", "mvitv2_base"), ("naflexvit", "naflexvit_base_patch16_gap"),
    ("nasnet", "nasnetalarge"), ("nest", "nest_base"), ("nextvit", "nextvit_base"),
    ("nfnet", "dm_nfnet_f0"), ("nfnet", "dm_nfnet_f1"), ("pit", "pit_b_224"),
    ("pnasnet", "pnasnet5large"), ("pvt_v2", "pvt_v2_b0"), ("qwen3_vit", "qwen3_vit_306m"),
    ("rdnet", "rdnet_base"), ("regnet", "regnetv_040"), ("regnet", "regnetv_064"),
    ("repghost", "repghostnet_050"), ("repvit", "repvit_m0_9"),
    ("res2net", "res2net101_26w_4s"), ("resnest", "resnest101e"), ("resnet", "ecaresnet101d"),
    ("resnet", "ecaresnet101d_pruned"), ("resnetv2", "resnetv2_101"), ("rexnet", "rexnet_100"),
    ("selecsls", "selecsls42"), ("senet", "legacy_senet154"), ("sequencer", "sequencer2d_l"),
    ("shvit", "shvit_s1"), ("sknet", "skresnet18"), ("starnet", "starnet_s050"),
    ("swiftformer", "swiftformer_l1"), ("swin_transformer", "swin_base_patch4_window12_384"),
    ("swin_transformer_v2", "swinv2_base_window12_192"),
    ("swin_transformer_v2_cr", "swinv2_cr_base_224"), ("tiny_vit", "tiny_vit_11m_224"),
    ("tnt", "tnt_b_patch16_224"), ("tresnet", "tresnet_l"), ("twins", "twins_pcpvt_base"),
    ("vgg", "vgg11"), ("visformer", "visformer_small"),
    ("vision_transformer", "aimv2_1b_patch14_224"),
    ("vision_transformer", "aimv2_1b_patch14_336"),
    ("vision_transformer_hybrid", "vit_base_mci_224"),
    ("vision_transformer_relpos", "vit_relpos_base_patch16_224"),
    ("vision_transformer_sam", "samvit_base_patch16"), ("vitamin", "vitamin_base_224"),
    ("volo", "volo_d1_224"), ("vovnet", "eca_vovnet39b"), ("xception", "legacy_xception"),
    ("xception_aligned", "xception41"), ("xcit", "xcit_large_24_p16_224"),
    ("xcit", "xcit_large_24_p16_384"),
]

# torch's side: the torchvision prelude of torchvision_factories (stubs), then timm
TORCH_TIMM = TORCH_ALL[:TORCH_ALL.index("for info in pkgutil.walk_packages")] + r"""
sys.path.insert(0, root)
import timm
from timm.models._registry import model_entrypoint

out = {}
for family, name in json.loads(sys.argv[2]):
    entry = {"module": f"timm.models.{family}", "function": model_entrypoint(name).__name__}
    try:
        try:
            with torch.device("meta"):
                model = timm.create_model(name, pretrained=False).eval()
        except NotImplementedError as exc:
            if "meta tensor" not in str(exc):
                raise
            model = timm.create_model(name, pretrained=False).eval().to("meta")
        entry["params"] = sum(p.numel() for p in model.parameters())
        size = list(model.pretrained_cfg.get("input_size") or (3, 224, 224))
        entry["input_size"] = size
        with torch.device("meta"), FlopCounterMode(display=False) as counter:
            model(torch.zeros([1, *size], device="meta"))
        entry["macs"] = counter.get_total_flops() // 2
    except Exception as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"[:300]
    out[name] = entry
print("RESULT " + json.dumps(out))
"""


def torch_side(root: Path) -> Dict[str, Any]:
    return run_torch(TORCH_TIMM, str(root), json.dumps(SAMPLE))


def _report(copy: Path, family: str, name: str) -> Tuple[str, Optional[Dict[str, Any]]]:
    done = subprocess.run([sys.executable, "-m", "macslint", "report", "--no-cache",
                           "--format", "json", "--model", name, f"timm/models/{family}.py"],
                          cwd=copy, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        if "is not built:" in done.stderr:  # `--model` of a model macslint says it cannot build
            return name, {"not_built": done.stderr.split("is not built:", 1)[1].strip()}
        return name, None
    for file in report.get("files", []):
        for model in file["models"]:
            if model["name"] == name:
                return name, {**model, "file": file["path"]}
        for unbuilt in file["not_built"]:
            if unbuilt["name"] == name:
                return name, {"not_built": unbuilt["reason"]}
    return name, None


def macslint_side(root: Path, truth: Dict[str, Any], jobs: int) -> Dict[Any, Any]:
    """One `macslint report --model NAME` per entry point (its whole family's file would
    trace all of its factories), its input size declared as torch takes it."""
    tables = "".join(f'\n[tool.macslint.models."{name}"]\ninput-size = {entry["input_size"]}\n'
                     for name, entry in truth.items() if "input_size" in entry)
    found: Dict[Any, Any] = {}
    with tempfile.TemporaryDirectory() as work:
        copy = Path(work)
        shutil.copytree(root / "timm", copy / "timm")
        (copy / "pyproject.toml").write_text("[tool.macslint]\ninput-size = [3, 224, 224]\n"
                                             + tables)
        with ThreadPoolExecutor(jobs) as pool:
            for name, model in pool.map(lambda item: _report(copy, *item), SAMPLE):
                if model is not None:
                    found[(truth[name]["module"], truth[name]["function"])] = model
    return found


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True,
                        help="the unpacked timm and torchvision wheels")
    parser.add_argument("--json", type=Path, help="write every row here")
    parser.add_argument("--torch-cache", type=Path,
                        help="torch's counts: read from this file if it exists, else written")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    truth = truth_of(args, lambda: torch_side(args.root))
    rows = compare(truth, macslint_side(args.root, truth, args.jobs))
    return summary(rows, "timm entry points", args.json)


if __name__ == "__main__":
    sys.exit(main())
