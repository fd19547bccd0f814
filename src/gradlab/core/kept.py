"""The record ``backward()`` keeps of a small graph it frees, for drawing it afterwards.

``backward()`` frees a graph's saved values, as PyTorch does. A picture of the graph with every node's value and
gradient (``gl.viz.draw_graph``, ``gl.viz.to_dot``) is still wanted after it, as the smallest autograd engines
allow; :class:`Kept` holds what such a picture needs for graphs small enough to draw, bounded so that a loss
tensor a user keeps holds a few kilobytes at most.
"""

from __future__ import annotations

from .tensor import Tensor

KEEP_NODES = 64  # backward() keeps a drawing record of graphs of at most this many operations
KEEP_VALUES = 1024  # and this many numbers in all (operation outputs and leaves)


class Kept:
    """What ``backward()`` keeps of a small graph it frees, so it can still be drawn (``gl.viz.draw_graph``,
    ``gl.viz.to_dot``) with every node's value and gradient, as the smallest autograd engines show them.

    Only graphs of at most :data:`KEEP_NODES` operations and :data:`KEEP_VALUES` numbers are kept, so a
    held loss tensor holds a few kilobytes at most; larger graphs are freed as before. Nor is the graph of
    a training step kept: one with a leaf that an optimizer updates in place (``Optimizer`` marks its
    parameters): copying those leaves every step would cost a small network's loop a tenth of its time
    and double its memory, for a picture that is drawn once. The record cannot run backward again
    (``backward()`` twice still needs ``retain_graph=True``).

    Attributes:
        order: the operation nodes, inputs before outputs, less the root (see :meth:`nodes`).
        grads: ``node -> (∂root/∂node as an array, or None when unreached; the node's inputs)``, less the root
            (see :meth:`entry`).
        leaves: ``leaf -> (its value then, a copy; its .grad right after, a copy or None; whether .grad
            already held a gradient before this pass, so the one shown is accumulated)``.
        views: ``node -> a copy of its output``, for the operations whose output is a view of another array
            (see :meth:`value`).
    """

    __slots__ = ("order", "grads", "leaves", "views", "_before", "_root", "_root_view")

    @classmethod
    def start(cls, order):
        """A record for ``order`` (before its backward pass), or None when the graph is too large to keep."""
        if len(order) > KEEP_NODES:
            return None
        count = 0
        before = {}
        for node in order:
            count += node.data.size
            for inp in node._inputs:
                if type(inp) is Tensor and inp._op is None and inp not in before:
                    if inp.requires_grad and getattr(inp, "_optimized", False):  # (an unset slot is slow to ask)
                        return None  # a training step's graph: freed at no cost (see the class's docstring)
                    before[inp] = inp.grad is not None
                    count += inp.data.size
        if count > KEEP_VALUES:
            return None
        kept = cls()
        kept.order, kept.grads, kept._before = order, {}, before
        return kept

    def finish(self, root):
        """Copy the leaves' values and gradients (an optimizer changes both in place) and attach to ``root``.

        The root's own entry is held apart from ``order`` and ``grads``, so the record holds no reference back
        to ``root`` (no reference cycle: a loss tensor and its record go as soon as the loss goes).
        """
        self.leaves = {leaf: (leaf.data.copy(), None if leaf.grad is None else leaf.grad.copy(), had)
                       for leaf, had in self._before.items()}
        self._before = None
        self._root = self.grads.pop(root)
        self.order.pop()  # the root: last in creation order
        # an operation whose output is a view (a transpose, a reshape, an index) may share a leaf's memory,
        # which an update in place would change: its value is copied too (the root's apart: no cycle)
        self.views = {node: node.data.copy() for node in self.order if node.data.base is not None}
        self._root_view = root.data.copy() if root.data.base is not None else None
        root._kept = self

    def nodes(self, root):
        """The operation nodes, inputs before outputs, ending at ``root``."""
        return self.order + [root]

    def value(self, node):
        """The operation's output as the forward pass gave it."""
        if node in self.views:
            return self.views[node]
        if self._root_view is not None and node not in self.grads:  # the root
            return self._root_view
        return node.data

    def entry(self, node):
        """``(∂root/∂node or None, the node's inputs)`` as the backward pass saw them."""
        return self.grads[node] if node in self.grads else self._root
