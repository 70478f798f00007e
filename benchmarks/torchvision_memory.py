"""torchvision's image classifiers: macslint's trainable parameters and memory estimate
against torchinfo's summary of the same models (issue 24).

Not a test. torch builds each classification factory of torchvision.models (not detection,
segmentation, video, optical flow or quantized) on the meta device from the same source, and
torchinfo summarises it at 1x3x224x224; macslint reports the same source. Compared for each
model macslint counts in full: total and trainable parameters, the forward/backward pass
bytes, and the parameter bytes (torchinfo's leave out the parameters of modules holding
others, a ViT's class token: compared with those added back, and with torch's own sum).

    python benchmarks/torchvision_memory.py --root DIR

DIR holds the unpacked torchvision wheel, as for benchmarks/torchvision_factories.py.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from torchvision_factories import IMAGE, TORCH_ALL, macslint_side, run_torch  # noqa: E402

SKIP = (".detection.", ".segmentation.", ".video.", ".optical_flow.", ".quantization.")

TORCHINFO = TORCH_ALL.split("out = {}")[0] + r"""
import torchinfo
out = {}
for name, fn in sorted(BUILTIN_MODELS.items()):
    if any(part in fn.__module__ for part in json.loads(sys.argv[2])):
        continue
    entry = {"module": fn.__module__, "function": fn.__name__}
    try:
        try:
            with torch.device("meta"):
                model = fn().eval()
        except NotImplementedError:
            model = fn().eval().to("meta")
        s = torchinfo.summary(model, input_size=[1, *json.loads(sys.argv[3])], device="meta",
                              verbose=0)
        leaves = [m for m in model.modules() if not any(True for _ in m.children())]
        outside = sum(p.numel() * p.element_size() for m in model.modules() if m not in leaves
                      for p in m.parameters(recurse=False))
        entry.update(params=s.total_params, trainable=s.trainable_params,
                     param_bytes=s.total_param_bytes, outside_bytes=outside,
                     true_param_bytes=sum(p.numel() * p.element_size()
                                          for p in model.parameters()),
                     forward_backward_bytes=s.total_output_bytes)
    except Exception as exc:
        entry["error"] = f"{type(exc).__name__}: {exc}"[:200]
    out[name] = entry
print("RESULT " + json.dumps(out))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, required=True)
    args = parser.parse_args()
    truth = run_torch(TORCHINFO, str(args.root), json.dumps(SKIP), json.dumps(IMAGE))
    found = macslint_side(args.root)
    verdicts: Counter = Counter()
    for name, expected in sorted(truth.items()):
        model = found.get((expected["module"], expected["function"]))
        if "error" in expected:
            verdicts["torchinfo failed"] += 1
            print(f"{name}: torchinfo: {expected['error']}")
            continue
        if model is None or "not_built" in model or not model["complete"]:
            verdicts["not counted in full by macslint"] += 1
            continue
        memory = model["memory"]
        got = {"params": model["params"], "trainable": model["trainable_params"],
               "forward_backward_bytes": memory["forward_backward_bytes"],
               "param_bytes": memory["param_bytes"]}
        want = {"params": expected["params"], "trainable": expected["trainable"],
                "forward_backward_bytes": expected["forward_backward_bytes"],
                "param_bytes": expected["true_param_bytes"]}
        if expected["param_bytes"] + expected["outside_bytes"] != expected["true_param_bytes"]:
            print(f"{name}: torchinfo's parameter bytes {expected['param_bytes']:,} + those "
                  f"outside its leaves {expected['outside_bytes']:,} are not torch's "
                  f"{expected['true_param_bytes']:,}")
        unknown = [k for k, v in got.items() if v is None]
        wrong = [k for k, v in got.items() if v is not None and v != want[k]]
        if wrong:
            verdicts["wrong"] += 1
            print(f"{name}: wrong {', '.join(f'{k} {got[k]} vs {want[k]}' for k in wrong)}")
        elif unknown:
            verdicts["some not known"] += 1
            print(f"{name}: not known: {', '.join(unknown)}; {model['param_notes']}")
        else:
            verdicts["equal"] += 1
    print(f"{len(truth)} classifiers: " + ", ".join(f"{n} {v}" for v, n in
                                                   verdicts.most_common()))
    return 1 if verdicts["wrong"] else 0


if __name__ == "__main__":
    sys.exit(main())
