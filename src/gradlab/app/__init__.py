"""The jobs: what each ``gradlab`` command does, as typed functions over the library.

``app`` sits above every room of the library and below ``cli``, which only
parses arguments into these functions' parameters; the library never imports
``app``. One module per job: :mod:`~gradlab.app.train` (data, task, model,
optimizer, fit, pictures, model file, report), :mod:`~gradlab.app.explain`,
:mod:`~gradlab.app.derive`, :mod:`~gradlab.app.plot`, :mod:`~gradlab.app.check`,
:mod:`~gradlab.app.demo` (the tour, with :mod:`~gradlab.app.tour`'s pictures).
"""

from ..core.errors import GradlabError, MissingExtraError, ParameterError  # noqa: F401  (what the commands catch)
from ..core.version import __version__  # noqa: E402,F401  (what `gradlab --version` prints)
