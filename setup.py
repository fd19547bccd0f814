"""Build of gradlab's one optional C extension, gradlab._kernels (everything else is in pyproject.toml).

The extension is optional: where no C compiler is found the install goes on
without it and gradlab runs the same steps in NumPy (gradlab.core.native).
"""

import numpy
from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "gradlab._kernels",
            ["src/gradlab/_kernels.c"],
            depends=["src/gradlab/_numpy_loops.h"],
            include_dirs=[numpy.get_include()],  # the loops read arrays through NumPy's C API
            # no fused multiply-add, so the Adam kernel rounds exactly as the NumPy update;
            # no errno from sqrt/exp, so the loops vectorize
            extra_compile_args=["-O3", "-ffp-contract=off", "-fno-math-errno"],
            optional=True,
        ),
        Extension(  # fit's whole-epoch loop for small dense networks (gradlab/train/compiled.py)
            "gradlab._trainloop",
            ["src/gradlab/_trainloop.c"],
            depends=["src/gradlab/_trainloop_body.h", "src/gradlab/_numpy_loops.h"],
            include_dirs=[numpy.get_include()],
            extra_compile_args=["-O3", "-ffp-contract=off", "-fno-math-errno"],
            optional=True,
        ),
    ]
)
