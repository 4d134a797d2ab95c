variable "emulator_endpoint" {
  type        = string
  description = "URL of the local AWS emulator (a moto server on 127.0.0.1) every AWS API call goes to. `make up` sets it from `EMULATOR_PORT`."
  default     = "http://127.0.0.1:4566"

  validation {
    condition     = can(regex("^http://(127\\.0\\.0\\.1|localhost):[0-9]{2,5}$", var.emulator_endpoint))
    error_message = "emulator_endpoint must be http://127.0.0.1:<port> (the emulator listens on loopback only)."
  }
}

variable "region" {
  type        = string
  description = "Region the emulator pretends to be."
  default     = "us-east-1"

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", var.region))
    error_message = "region must look like us-east-1."
  }
}

variable "lambda_packages_dir" {
  type        = string
  description = "Folder of the Lambda zips `make package` builds. Default (`null`): build/dist of this checkout."
  default     = null
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
  description = "Models the local gateway lists, keyed by alias (see modules/ai_gateway/README.md)."
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

variable "local_provider_url" {
  type        = string
  description = "Base URL of an OpenAI-compatible provider on 127.0.0.1 (a stub you or the tests run). When set, the model `local-echo` serves from it, with its key in the emulator's Secrets Manager. Default: none."
  default     = null

  validation {
    condition     = var.local_provider_url == null ? true : can(regex("^http://(127[.]0[.]0[.]1|localhost):[0-9]{2,5}(/.*)?$", var.local_provider_url))
    error_message = "local_provider_url must be http://127.0.0.1:<port>[/path]."
  }
}

variable "local_provider_model" {
  type        = string
  description = "Model name the local provider is asked for (e.g. a model your local OpenAI-compatible server has pulled). Default `echo`."
  default     = "echo"

  validation {
    condition     = length(trimspace(var.local_provider_model)) > 0 && length(var.local_provider_model) <= 256
    error_message = "local_provider_model must be a non-empty name of at most 256 characters."
  }
}

variable "alarm_models" {
  description = "Catalog aliases with per-model alarms; null (default) alarms every model of the catalog."
  type        = list(string)
  default     = null
}

variable "iris_model_archive" {
  description = "Path of the iris model's model.tar.gz (`make model` builds it); null (default): build/models/iris/model.tar.gz."
  type        = string
  default     = null
}
