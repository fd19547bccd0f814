"""The views of a trace: scalar (per neuron and weight), matrix (δ recursion), graph (any function)."""
