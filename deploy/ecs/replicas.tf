# Task counts and GUARDIAN_MAX_REPLICAS, on their own so tests/test_deploy_ecs.py can evaluate them with
# `terraform console` (no provider needed).

variable "capacity" {
  description = <<-EOT
    Task count and size per service. GUARDIAN_MAX_REPLICAS of a service is its autoscaling maximum
    (max_capacity); max_replicas_override may only raise it (docs/contracts/ops.md §4.5): the effective value is
    max(max_capacity, max_replicas_override).
  EOT
  type = map(object({
    cpu                   = number
    memory                = number
    min_capacity          = number
    max_capacity          = number
    max_replicas_override = optional(number)
  }))
  default = {
    coordinator   = { cpu = 512, memory = 1024, min_capacity = 2, max_capacity = 6 }
    auth          = { cpu = 512, memory = 1024, min_capacity = 2, max_capacity = 6 }
    gateway       = { cpu = 512, memory = 1024, min_capacity = 2, max_capacity = 10 }
    canonicalizer = { cpu = 256, memory = 512, min_capacity = 2, max_capacity = 3 }
  }
  validation {
    condition     = length(setsubtract(["coordinator", "auth", "gateway", "canonicalizer"], keys(var.capacity))) == 0
    error_message = "capacity needs coordinator, auth, gateway and canonicalizer."
  }
  validation {
    condition = alltrue([for c in values(var.capacity) :
    c.min_capacity >= 1 && c.max_capacity >= c.min_capacity && floor(c.max_capacity) == c.max_capacity])
    error_message = "every service needs 1 <= min_capacity <= max_capacity (integers)."
  }
  validation {
    condition = alltrue([for c in values(var.capacity) :
      c.max_replicas_override == null ? true : (
    c.max_replicas_override >= 1 && floor(c.max_replicas_override) == c.max_replicas_override)])
    error_message = "max_replicas_override must be an integer >= 1; it can only raise GUARDIAN_MAX_REPLICAS above max_capacity, never lower it."
  }
}

locals {
  # GUARDIAN_MAX_REPLICAS of each service = its autoscaling maximum; an override can only raise it
  # (docs/contracts/ops.md §4.5). It divides the fleet-wide limits, so it must never be below the real task count.
  max_replicas = {
    for name, c in var.capacity : name => max(c.max_capacity, coalesce(c.max_replicas_override, c.max_capacity))
  }
}
