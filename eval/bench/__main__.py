"""``python -m eval.bench PHASE SPEC``: one measured phase."""

import sys

from .phases import phase_main

sys.exit(phase_main(sys.argv[1:]))
