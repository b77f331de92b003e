"""Running analyses: locally through Docker (``docker.py``) and on REANA (``reana.py``).

``common.py`` holds what both need: loading and linting the analysis, choosing the inputs,
building the yadage run spec and printing results. Nothing here imports yadage or packtivity;
the engine runs inside the ``recast/recastatlas`` image or on REANA.
"""

# the engine image, pinned: the yadage stack inside is unpinned at build time, so a moving tag changes results
DEFAULT_IMAGE = "recast/recastatlas:v0.4.2"
