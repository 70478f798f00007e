"""`macslint verify` as text (the disagreements, then a summary line) and as JSON."""

from __future__ import annotations

import json

from ..commands.verify import FileVerification, Verification


def _n(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def summary(total: FileVerification) -> str:
    layers = _n(total.layers, "layer", "layers")
    if total.shapeless:
        layers += f" ({total.shapeless} without a shape of their own: params only)"
    verified = [layers, _n(total.calls, "model call", "model calls")]
    if total.ops:
        verified.append(_n(total.ops, "matrix product in forward()",
                           "matrix products in forward()"))
    verified.append(_n(total.model_macs, "model MAC total", "model MAC totals"))
    verified.append(_n(total.model_params, "model param total", "model param totals"))
    parts = ["verified " + ", ".join(verified),
             _n(len(total.disagreements), "disagreement", "disagreements")]
    unrebuilt = sum(total.not_rebuilt.values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in
                        sorted(total.not_rebuilt.items(), key=lambda kv: (-kv[1], kv[0])))
    parts.append(f"{unrebuilt} not rebuildable" + (f" ({reasons})" if reasons else ""))
    if total.not_counted:
        parts.append(f"{total.not_counted} sites and calls macslint does not count "
                     "(unresolved, untraced or not catalogued): nothing to verify")
    return "; ".join(parts)


def render_verify(run: Verification, fmt: str) -> str:
    total = run.total()
    if fmt == "json":
        data = {
            "schema": 1,
            "summary": summary(total),
            "verified": {"layers": total.layers, "layers_params_only": total.shapeless,
                         "invalid_layers_torch_rejects": total.invalid,
                         "model_calls": total.calls, "ops": total.ops,
                         "model_macs_totals": total.model_macs,
                         "model_params_totals": total.model_params},
            "disagreements": [{"path": d.path, "line": d.line, "col": d.col,
                               "message": d.message} for d in total.disagreements],
            "not_rebuildable": dict(sorted(total.not_rebuilt.items())),
            "not_counted": total.not_counted,
            "errors": [{"path": f.path, "error": f.error} for f in run.files if f.error],
        }
        return json.dumps(data, indent=2) + "\n"
    lines = [d.text() for d in total.disagreements]
    lines.extend(f"{f.path}: not verified: {f.error}" for f in run.files if f.error)
    lines.append(summary(total))
    return "\n".join(lines) + "\n"
