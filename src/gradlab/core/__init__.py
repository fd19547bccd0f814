"""The autodiff core: Tensor, primitive registry, backward pass, errors."""

from .errors import *  # noqa: F401,F403
from .graph import backward, backprop, detect_anomaly, enable_grad, no_grad, toposort  # noqa: F401
from .primitive import PRIMITIVES, Primitive, register  # noqa: F401
from .tensor import Tensor, apply, tensor  # noqa: F401
