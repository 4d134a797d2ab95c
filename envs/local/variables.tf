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

variable "router_package_path" {
  type        = string
  description = "Router zip built by `make package`. Default (`null`): build/dist/router.zip of this checkout."
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
