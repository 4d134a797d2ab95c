"""Python CDK (cdktn) source of the Terraform modules in modules/.

The generator and the Lambdas share one contract (`lambda_src/contract`, standard
library only), imported as the top-level package `contract` as the Lambdas do; this
puts `lambda_src/` on the import path for every entry point of the generator.
"""

import sys
from pathlib import Path

_LAMBDA_SRC = str(Path(__file__).resolve().parent.parent / "lambda_src")
if _LAMBDA_SRC not in sys.path:
    sys.path.append(_LAMBDA_SRC)
