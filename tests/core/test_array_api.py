"""The rule table runs on array-api-strict arrays: proof that rules use only the standard.

Every row's forward and every VJP is evaluated on array-api-strict arrays and
compared with the NumPy result. Integer-array indexing (getitem with repeats,
scatter-add) has no counterpart in the standard and is left out for those cases.
"""


import numpy as np
import pytest

from gradlab.core.primitive import PRIMITIVES

xps = pytest.importorskip("array_api_strict")
from support.primitive_cases import CASES, NOT_ARRAY_API, Const


def _to_strict(a):
    if isinstance(a, Const):
        v = a.value
        return xps.asarray(v) if isinstance(v, np.ndarray) else v
    return xps.asarray(a)


def _cases():
    out = []
    for name in sorted(CASES):
        for i, (args, params) in enumerate(CASES[name]):
            reason, left_out = NOT_ARRAY_API.get(name, (None, lambda p: False))
            if reason and (left_out is None or left_out(params)):
                continue
            out.append(pytest.param(name, args, params, id=f"{name}-{i}"))
    return out


@pytest.mark.parametrize("name,args,params", _cases())
def test_rules_run_on_array_api_strict(name, args, params):
    prim = PRIMITIVES[name]
    np_args = [a.value if isinstance(a, Const) else a for a in args]
    st_args = [_to_strict(a) for a in args]
    out_np = np.asarray(prim.forward(*np_args, **params))
    out_st = prim.forward(*st_args, **params)
    assert type(out_st).__module__.startswith("array_api_strict")
    np.testing.assert_allclose(np.asarray(out_st), out_np, rtol=1e-12, atol=1e-14)
    g = np.random.default_rng(1).standard_normal(out_np.shape)
    for k, a in enumerate(args):
        if isinstance(a, Const):
            continue
        r_np = np.asarray(prim.vjps[k](g, out_np, *np_args, **params))
        r_st = prim.vjps[k](xps.asarray(g), out_st, *st_args, **params)
        assert type(r_st).__module__.startswith("array_api_strict"), f"{name}: VJP {k} left the namespace"
        np.testing.assert_allclose(np.asarray(r_st), r_np, rtol=1e-12, atol=1e-14)


def test_every_row_runs_on_the_standard_or_states_why():
    ran = {p.values[0] for p in _cases()}
    for name in PRIMITIVES:
        if name in ran:
            continue
        reason, left_out = NOT_ARRAY_API.get(name, (None, None))
        assert reason and len(reason) > 15, f"{name}: no array-API case and no stated reason"
