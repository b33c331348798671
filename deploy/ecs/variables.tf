variable "name" {
  description = "Prefix of every resource (the stack name)."
  type        = string
  default     = "guardian"
}

variable "stage" {
  description = "GUARDIAN_ENV of every task: prod turns misconfigurations into startup failures."
  type        = string
  default     = "prod"
  validation {
    condition     = contains(["dev", "prod"], var.stage)
    error_message = "stage must be dev or prod."
  }
}

variable "vpc_id" {
  description = "VPC of the tasks, the load balancer and the database."
  type        = string
}

variable "private_subnet_ids" {
  description = "Subnets of the tasks (no public IPs; NAT or VPC endpoints for ECR, Secrets Manager, CloudWatch Logs)."
  type        = list(string)
}

variable "public_subnet_ids" {
  description = "Subnets of the internet-facing load balancer."
  type        = list(string)
}

variable "alb_ingress_cidrs" {
  description = "Who may reach the load balancer."
  type        = list(string)
  default     = ["0.0.0.0/0"]
}

variable "certificate_arn" {
  description = "ACM certificate of the HTTPS listener (TLS ends at the load balancer)."
  type        = string
}

variable "images" {
  description = "Image per service, e.g. { coordinator = \"123456789012.dkr.ecr.eu-west-1.amazonaws.com/guardian-coordinator:0.1.0\" }."
  type        = map(string)
  validation {
    condition     = length(setsubtract(["coordinator", "auth", "gateway", "canonicalizer"], keys(var.images))) == 0
    error_message = "images needs coordinator, auth, gateway and canonicalizer."
  }
}

variable "db_instance_identifier" {
  description = "The existing RDS PostgreSQL instance (only the coordinator may reach it)."
  type        = string
}

variable "secret_arns" {
  description = <<-EOT
    Secrets Manager secrets (plain strings) injected into the tasks:
    database_url   the libpq URL of the RDS instance (user and password, host, port, database) ending in
                   ?sslmode=verify-full&sslrootcert=/run/guardian/db-ca.pem
    db_ca_bundle   the RDS CA bundle (PEM) the coordinator writes to /run/guardian/db-ca.pem
    internal_token shared by every service
    cursor_secret  64 hex characters, shared by every gateway
    ack_ecdsa_key  64 hex characters, shared by every auth task (acks of MidenEcdsa accounts)
    ack_falcon_key 2562 hex characters (a Falcon-512 secret key, `guardian-operator keygen`), shared by every
                   auth task (acks of MidenFalconRpo accounts)
    operators      the operator allowlist JSON (re-read at task start: redeploy auth after a change)
  EOT
  type = object({
    database_url   = string
    db_ca_bundle   = string
    internal_token = string
    cursor_secret  = string
    ack_ecdsa_key  = string
    ack_falcon_key = string
    operators      = string
  })
}

variable "secrets_kms_key_arn" {
  description = "Customer managed KMS key of the secrets, if any (the execution role may decrypt with it)."
  type        = string
  default     = null
}

variable "miden_rpc_endpoint" {
  description = "GUARDIAN_MIDEN_RPC_ENDPOINT of the canonicalizer (origin only)."
  type        = string
  default     = "https://rpc.testnet.miden.io"
}

variable "rate_limits" {
  description = "Fleet-wide gateway rate limits, divided by the gateway's GUARDIAN_MAX_REPLICAS per task."
  type        = object({ burst_per_sec = number, per_min = number })
  default     = { burst_per_sec = 200, per_min = 5000 }
}

variable "db_pool_max_size" {
  description = "GUARDIAN_DB_POOL_MAX_SIZE: coordinator max_capacity x (this + 2 session lookup + 8 direct connections) (x2 during a deployment) + 1 per booting task must fit max_connections."
  type        = number
  default     = 20
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention."
  type        = number
  default     = 365
}

variable "alb_deletion_protection" {
  description = "Protect the load balancer from deletion."
  type        = bool
  default     = true
}
