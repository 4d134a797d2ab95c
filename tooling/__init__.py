"""Build and local-run helpers the Makefile and the tests share.

Some of them (the configuration document's helpers) use the Lambdas' contract, so
lambda_src/ goes on the import path here, as the generator does.
"""

from tooling.paths import use_lambda_sources

use_lambda_sources()
