variable "region" {
  type        = string
  description = "AWS region of this environment, e.g. `us-east-1`."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "allowed_account_ids" {
  type        = list(string)
  description = "AWS account ids this environment may be applied to; the provider refuses any other. Empty list: no check."
  default     = []

  validation {
    condition     = alltrue([for id in var.allowed_account_ids : can(regex("^[0-9]{12}$", id))])
    error_message = "allowed_account_ids must hold 12-digit account ids."
  }
}

variable "lambda_packages_dir" {
  type        = string
  description = "Folder of the Lambda zips `make package` builds. Default (`null`): build/dist of this checkout."
  default     = null
}

variable "manage_api_gateway_account" {
  type        = bool
  description = "Set API Gateway's account-level CloudWatch role in this region (`true`). Set `false` when another root of the same account and region already does."
  default     = true
}

variable "log_retention_in_days" {
  type        = number
  description = "Days CloudWatch keeps this environment's gateway logs (validated by the module)."
  default     = 90
}

variable "business_units" {
  type = map(object({
    models = map(object({
      provider            = string
      model_id            = string
      kind                = optional(string, "chat")
      owned_by            = optional(string)
      created             = optional(number, 0)
      base_url            = optional(string)
      secret_arn          = optional(string)
      format              = optional(string)
      input_price_per_1k  = optional(number)
      output_price_per_1k = optional(number)
      dimensions          = optional(number)
    }))
    tenants = optional(map(object({
      tier                 = string
      allowed_models       = list(string)
      daily_token_budget   = optional(number)
      monthly_token_budget = optional(number)
      throttle_rate_limit  = optional(number)
      throttle_burst_limit = optional(number)
      enabled              = optional(bool, true)
    })), {})
    routing = optional(object({
      aliases = optional(map(object({
        strategy  = optional(string, "weighted")
        sticky    = optional(string, "request")
        targets   = list(object({ model = string, weight = optional(number, 1), arm = optional(string), max_complexity = optional(number) }))
        fallbacks = optional(list(string), [])
        drain_error_rate = optional(number)
        rules = optional(list(object({
          name = string
          when = optional(object({
            users            = optional(list(string), [])
            metadata         = optional(map(string), {})
            headers          = optional(map(string), {})
            tiers            = optional(list(string), [])
            min_input_tokens = optional(number)
            max_input_tokens = optional(number)
            code             = optional(bool)
            images           = optional(bool)
            tools            = optional(bool)
            response_formats = optional(list(string), [])
            prompts          = optional(list(string), [])
          }), {})
          target = string
        })), [])
      })), {})
      tenant_pins = optional(map(map(string)), {})
    }), {})
    response_cache = optional(object({
      ttl_seconds   = number
      aliases       = optional(list(string), [])
      cache_sampled = optional(bool, false)
    }))
    # Prompts of the repository's registry (prompts/) the unit publishes, with their labels (validated by the module).
    prompts = optional(map(object({ labels = list(string), model = optional(string) })), {})
    tags    = optional(map(string), {})
  }))
  description = "One gateway per business unit, keyed by a short unit name (`[a-z0-9-]`, at most 20 characters); each lists the models it serves, its own tenants and the prompts it publishes."

  validation {
    condition     = length(var.business_units) > 0 && alltrue([for k in keys(var.business_units) : can(regex("^[a-z][a-z0-9-]{0,19}$", k))])
    error_message = "business_units needs at least one key, each matching ^[a-z][a-z0-9-]{0,19}$."
  }
}

variable "tiers" {
  type = map(object({
    throttle_rate_limit  = number
    throttle_burst_limit = number
    quota_limit          = optional(number)
    quota_period         = optional(string, "MONTH")
  }))
  description = "Service tiers, one usage plan each (validated by the module; see modules/ai_gateway/README.md)."
}

variable "alarm_email_addresses" {
  type        = list(string)
  description = "E-mail addresses subscribed to the alarm topic (validated by the module; each confirms once)."
  default     = []
}

variable "monthly_cost_budget_usd" {
  type        = number
  description = "Monthly AWS cost (USD) of the account's AWS Budgets budget; null creates none (validated by the module)."
  default     = null
}

variable "sagemaker_endpoints" {
  type = map(object({
    business_unit = string
    # How the gateway serves it: its catalog entry's kind and SageMaker format.
    kind   = optional(string, "chat")
    format = optional(string, "openai")
    models = map(object({
      containers = list(object({
        image              = optional(string)
        model_package_name = optional(string)
        model_data_url     = optional(string)
        model_archive      = optional(string)
        environment        = optional(map(string), {})
        mode               = optional(string, "SingleModel")
      }))
      enable_network_isolation = optional(bool, true)
    }))
    variants = map(object({
      model                  = string
      weight                 = optional(number, 1)
      instance_type          = optional(string)
      initial_instance_count = optional(number, 1)
      serverless             = optional(object({ memory_size_in_mb = number, max_concurrency = number, provisioned_concurrency = optional(number) }))
      autoscaling            = optional(object({ min_capacity = number, max_capacity = number, target_invocations_per_instance = number, scale_in_cooldown_seconds = optional(number, 300), scale_out_cooldown_seconds = optional(number, 60) }))
    }))
    deployment   = optional(object({ strategy = optional(string, "blue_green"), traffic = optional(string, "ALL_AT_ONCE"), canary_percent = optional(number, 10), linear_step_percent = optional(number, 25), wait_interval_seconds = optional(number, 300), termination_wait_seconds = optional(number, 0), maximum_execution_timeout_seconds = optional(number, 3600), rolling_batch_percent = optional(number, 25), auto_rollback = optional(bool, true) }), {})
    data_capture = optional(object({ sampling_percentage = number, content_types = optional(list(string), ["application/json"]), capture_input = optional(bool, true), capture_output = optional(bool, true) }))
    # A transform spec (kind prediction): clients score named features on /v1/transform/<key>. The variant
    # weights come from the endpoint module; `sticky` and `targetable` choose how tenants reach them.
    transform = optional(object({
      input_format  = optional(string, "csv")
      max_instances = optional(number, 100)
      features = list(object({
        name    = string, type = optional(string, "number"), default = optional(string), minimum = optional(number),
        maximum = optional(number), categories = optional(map(number)), unknown_category = optional(number),
        mean    = optional(number), std = optional(number)
      }))
      output = object({
        kind           = optional(string, "probabilities"), labels = optional(list(string)), top_k = optional(number),
        decision_label = optional(string), default_decision = optional(string),
        decisions      = optional(list(object({ at_least = number, decision = string })))
        masked_fields  = optional(list(string), [])
      })
      sticky     = optional(string, "none")
      targetable = optional(map(list(string)), {})
    }))
  }))
  description = "Custom model endpoints by key (1-20 lowercase letters, digits, hyphens), each served by one business unit's gateway as the SageMaker model of the same key, with an optional transform spec (validated by the sagemaker_endpoint and ai_gateway modules). Default none."
  default     = {}

  validation {
    condition     = alltrue([for k, e in var.sagemaker_endpoints : can(regex("^[a-z][a-z0-9-]{0,19}$", k)) && contains(keys(var.business_units), e.business_unit)])
    error_message = "sagemaker_endpoints keys must match ^[a-z][a-z0-9-]{0,19}$, and each business_unit must be a key of business_units."
  }
}
