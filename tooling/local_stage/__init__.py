"""Serve a stage applied to the emulator on 127.0.0.1 as API Gateway would serve it in AWS.

The emulator stores API Gateway and Lambda but executes neither. The local stage
fills that gap: it reads the deployed API (resources, methods, the REQUEST
authorizer, integrations, request validators and models, usage plans and keys, the
stage's method settings and the gateway responses) from the emulator, loads each
function's handler and environment from the zips `make package` built, and answers
each request as API Gateway's request path would (tooling/local_stage/server.py).

- `deployed.py` reads the stage; `functions.py` loads the functions;
- `authorization.py` runs the authorizer with its result cache and policy check;
- `usage_plans.py` enforces throttles and quotas; `validation.py` checks bodies
  against the deployed models in API Gateway's words;
- `gateway_responses.py` renders every refusal from the deployed responses;
- `direct.py` runs the direct routes' mapping templates against local stand-ins of the
  services (the SageMaker runtime; `converse.py` for Bedrock Converse).

What each function prints is shipped to its log group on the emulator, as Lambda
ships stdout to CloudWatch Logs. README "What runs locally" lists each behaviour of a
deployed stage and whether the local stage reproduces it, approximates it or not.
"""
