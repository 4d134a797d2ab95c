"""The gateway's contract: every name, limit and rule that the module generator and the Lambdas share.

Standard library only, and nothing here does I/O: the generator imports it to render
Terraform (variable validations, environment variables, item layouts) and the Lambdas
import it to parse what Terraform wrote. A rule's values and its message live here
once; the HCL that checks it at plan time is rendered from them
(`modules_src/common/validations.py`) and the Lambda parser formats the same message.
"""
