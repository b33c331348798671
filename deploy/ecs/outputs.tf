output "gateway_url" {
  description = "The public HTTPS endpoint (point your DNS name at it)."
  value       = "https://${aws_lb.gateway.dns_name}"
}

output "max_replicas" {
  description = "GUARDIAN_MAX_REPLICAS per service (the autoscaling maximum, or a higher override)."
  value       = local.max_replicas
}

output "coordinator_target" {
  description = "The gRPC target every client of the coordinator uses."
  value       = local.coordinator_target
}

output "database_endpoint" {
  description = "The RDS instance the coordinator uses (DATABASE_URL must point here)."
  value       = data.aws_db_instance.guardian.endpoint
}
