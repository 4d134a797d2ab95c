"""Python CDK (cdktn) source of the Terraform modules in modules/.

The generator and the Lambdas share one contract (`lambda_src/contract`, standard
library only), imported as the top-level package `contract` as the Lambdas do.
"""

from tooling.paths import use_lambda_sources

use_lambda_sources()
