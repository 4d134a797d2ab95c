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
    provider = string
    model_id = string
    owned_by = optional(string)
    created  = optional(number, 0)
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
    monthly_token_budget = optional(number)
    throttle_rate_limit  = optional(number)
    throttle_burst_limit = optional(number)
    enabled              = optional(bool, true)
  }))
  description = "Tenants of this environment's gateway, keyed by tenant id (validated by the module)."
  default     = {}
}
