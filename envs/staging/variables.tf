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

variable "models" {
  type = map(object({
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
  description = "Models this environment serves, keyed by alias (see modules/ai_gateway/README.md)."
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

variable "tenants" {
  type = map(object({
    tier                 = string
    allowed_models       = list(string)
    daily_token_budget   = optional(number)
    monthly_token_budget = optional(number)
    throttle_rate_limit  = optional(number)
    throttle_burst_limit = optional(number)
    enabled              = optional(bool, true)
  }))
  description = "Tenants of this environment's gateway, keyed by tenant id (validated by the module)."
  default     = {}
}

variable "routing" {
  type = object({
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
  })
  description = "Routed aliases (A/B splits, cheapest-first, fallbacks, conditional rules) and tenant pins (validated by the module; see modules/ai_gateway/README.md)."
  default     = {}
}

variable "response_cache" {
  type = object({
    ttl_seconds   = number
    aliases       = optional(list(string), [])
    cache_sampled = optional(bool, false)
  })
  description = "Exact-match response cache of the router; `null` (default) turns it off (validated by the module)."
  default     = null
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

variable "prompts" {
  type        = map(object({ labels = list(string), model = optional(string) }))
  description = "Prompts of the repository's registry (prompts/) this environment publishes, with their labels and optionally the model each runs on here (validated by the module; see modules/ai_gateway/README.md)."
  default     = {}
}
