# Guardian on ECS Fargate: one task definition, service and target-tracking autoscaler per service,
# an internet-facing ALB in front of the gateway (health check /readyz), Cloud Map DNS for the internal
# gRPC services (clients balance round-robin over every task: dns:///coordinator.<name>.internal:50051),
# secrets from Secrets Manager, and an existing RDS PostgreSQL that only the coordinator may reach.

data "aws_region" "current" {}

data "aws_db_instance" "guardian" {
  db_instance_identifier = var.db_instance_identifier
}

locals {
  ports            = { coordinator = 50051, auth = 50061, gateway = 8080, canonicalizer = 50071 }
  discovery_domain = "${var.name}.internal"
  discovered       = ["coordinator", "auth", "canonicalizer"]

  # ECS does not use the image's HEALTHCHECK: the same commands as deploy/docker/*.Dockerfile.
  grpc_health = "import os, sys, grpc; from grpc_health.v1 import health_pb2 as h, health_pb2_grpc as g; port = os.environ['GUARDIAN_GRPC_ADDR'].rsplit(':', 1)[1]; r = g.HealthStub(grpc.insecure_channel('127.0.0.1:' + port)).Check(h.HealthCheckRequest(), timeout=4); sys.exit(r.status != h.HealthCheckResponse.SERVING)"
  http_health = "import os, urllib.request as u; port = os.environ['GUARDIAN_HTTP_ADDR'].rsplit(':', 1)[1]; u.urlopen('http://127.0.0.1:' + port + '/healthz', timeout=4)"

  # ECS injects secrets as environment variables, but auth reads its ack key and allowlist from files
  # (mode 0600) and libpq its CA bundle: this entry point writes each VAR=PATH pair's value to PATH
  # (umask 077), drops the variable, then execs the service. Arguments: VAR=PATH... PROGRAM.
  files_then_exec = "import os, pathlib, sys; os.umask(0o077); [pathlib.Path(path).write_text(os.environ.pop(var)) for var, path in (pair.split('=', 1) for pair in sys.argv[1:-1])]; os.execvp(sys.argv[-1], sys.argv[-1:])"

  common_environment = {
    GUARDIAN_ENV                    = var.stage
    GUARDIAN_LOG_FORMAT             = "json"
    GUARDIAN_LOG_LEVEL              = "INFO"
    GUARDIAN_SHUTDOWN_GRACE_SECONDS = "10"
    GUARDIAN_METRICS_ENABLED        = "true"
    GUARDIAN_METRICS_ADDR           = "0.0.0.0:9464"
  }
  coordinator_target = "dns:///coordinator.${local.discovery_domain}:50051"

  services = {
    coordinator = {
      environment = {
        GUARDIAN_GRPC_ADDR        = "0.0.0.0:50051"
        GUARDIAN_DB_POOL_MAX_SIZE = tostring(var.db_pool_max_size)
      }
      secrets = {
        DATABASE_URL            = var.secret_arns.database_url
        GUARDIAN_INTERNAL_TOKEN = var.secret_arns.internal_token
        DB_CA_BUNDLE_PEM        = var.secret_arns.db_ca_bundle
      }
      files = { DB_CA_BUNDLE_PEM = "/run/guardian/db-ca.pem" }
    }
    auth = {
      environment = {
        GUARDIAN_GRPC_ADDR                 = "0.0.0.0:50061"
        GUARDIAN_COORDINATOR_TARGET        = local.coordinator_target
        GUARDIAN_ACK_ECDSA_KEY_FILE        = "/run/guardian/ack-ecdsa.key"
        GUARDIAN_ACK_FALCON_KEY_FILE       = "/run/guardian/ack-falcon.key"
        GUARDIAN_OPERATOR_PUBLIC_KEYS_FILE = "/run/guardian/operators.json"
      }
      secrets = {
        GUARDIAN_INTERNAL_TOKEN   = var.secret_arns.internal_token
        ACK_ECDSA_KEY_HEX         = var.secret_arns.ack_ecdsa_key
        ACK_FALCON_KEY_HEX        = var.secret_arns.ack_falcon_key
        OPERATOR_PUBLIC_KEYS_JSON = var.secret_arns.operators
      }
      files = {
        ACK_ECDSA_KEY_HEX         = "/run/guardian/ack-ecdsa.key"
        ACK_FALCON_KEY_HEX        = "/run/guardian/ack-falcon.key"
        OPERATOR_PUBLIC_KEYS_JSON = "/run/guardian/operators.json"
      }
    }
    gateway = {
      environment = {
        GUARDIAN_HTTP_ADDR          = "0.0.0.0:8080"
        GUARDIAN_AUTH_TARGET        = "dns:///auth.${local.discovery_domain}:50061"
        GUARDIAN_COORDINATOR_TARGET = local.coordinator_target
        GUARDIAN_RATE_BURST_PER_SEC = tostring(var.rate_limits.burst_per_sec)
        GUARDIAN_RATE_PER_MIN       = tostring(var.rate_limits.per_min)
      }
      secrets = {
        GUARDIAN_INTERNAL_TOKEN          = var.secret_arns.internal_token
        GUARDIAN_DASHBOARD_CURSOR_SECRET = var.secret_arns.cursor_secret
      }
      files = {}
    }
    canonicalizer = {
      environment = {
        GUARDIAN_GRPC_ADDR          = "0.0.0.0:50071"
        GUARDIAN_COORDINATOR_TARGET = local.coordinator_target
        GUARDIAN_MIDEN_RPC_ENDPOINT = var.miden_rpc_endpoint
      }
      secrets = { GUARDIAN_INTERNAL_TOKEN = var.secret_arns.internal_token }
      files   = {}
    }
  }

  # Who may open a gRPC connection to whom (security group rules below).
  internal_flows = {
    gateway_to_auth              = { from = "gateway", to = "auth" }
    gateway_to_coordinator       = { from = "gateway", to = "coordinator" }
    auth_to_coordinator          = { from = "auth", to = "coordinator" }
    canonicalizer_to_coordinator = { from = "canonicalizer", to = "coordinator" }
  }
}

# --- cluster, logs, roles ---------------------------------------------------------------------------

resource "aws_ecs_cluster" "this" {
  name = var.name
  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_cloudwatch_log_group" "service" {
  for_each          = local.services
  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# Execution role: pull images, write logs, read exactly the secrets above.
resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

resource "aws_iam_role_policy_attachment" "execution" {
  role       = aws_iam_role.execution.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
}

data "aws_iam_policy_document" "read_secrets" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = values(var.secret_arns)
  }
  dynamic "statement" {
    for_each = var.secrets_kms_key_arn == null ? [] : [var.secrets_kms_key_arn]
    content {
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "read_secrets" {
  name   = "read-guardian-secrets"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.read_secrets.json
}

# Task role: the services call no AWS API.
resource "aws_iam_role" "task" {
  name               = "${var.name}-ecs-task"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

# --- task definitions and services ------------------------------------------------------------------

resource "aws_ecs_task_definition" "service" {
  for_each                 = local.services
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.capacity[each.key].cpu
  memory                   = var.capacity[each.key].memory
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Fargate task storage; the images create /run/guardian owned by the service user.
  volume {
    name = "tmp"
  }
  volume {
    name = "run"
  }

  container_definitions = jsonencode([{
    name                   = each.key
    image                  = var.images[each.key]
    essential              = true
    user                   = "10001:10001"
    readonlyRootFilesystem = true
    entryPoint             = length(each.value.files) > 0 ? ["python", "-c", local.files_then_exec] : null
    command                = length(each.value.files) > 0 ? concat([for env, path in each.value.files : "${env}=${path}"], ["guardian-${each.key}"]) : null
    portMappings = [
      { containerPort = local.ports[each.key], protocol = "tcp" },
      { containerPort = 9464, protocol = "tcp" },
    ]
    environment = [
      for env, value in merge(
        local.common_environment,
        { GUARDIAN_MAX_REPLICAS = tostring(local.max_replicas[each.key]) },
        each.value.environment,
      ) : { name = env, value = value }
    ]
    secrets = [for env, arn in each.value.secrets : { name = env, valueFrom = arn }]
    healthCheck = {
      command     = ["CMD", "python", "-c", each.key == "gateway" ? local.http_health : local.grpc_health]
      interval    = 15
      timeout     = 5
      retries     = 3
      startPeriod = each.key == "coordinator" ? 90 : 30
    }
    # SIGTERM, then SIGKILL after this: > GUARDIAN_SHUTDOWN_GRACE_SECONDS (10 s).
    stopTimeout = 30
    mountPoints = [
      { sourceVolume = "tmp", containerPath = "/tmp", readOnly = false },
      { sourceVolume = "run", containerPath = "/run/guardian", readOnly = false },
    ]
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.service[each.key].name
        awslogs-region        = data.aws_region.current.name
        awslogs-stream-prefix = each.key
      }
    }
  }])
}

resource "aws_ecs_service" "service" {
  for_each                           = local.services
  name                               = each.key
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.service[each.key].arn
  desired_count                      = var.capacity[each.key].min_capacity
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  deployment_minimum_healthy_percent = 100
  # A deployment may run up to 2x the tasks: the rate-limit aggregate can briefly double (runbook).
  deployment_maximum_percent        = 200
  enable_execute_command            = false
  propagate_tags                    = "SERVICE"
  health_check_grace_period_seconds = each.key == "gateway" ? 60 : null

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  network_configuration {
    subnets          = var.private_subnet_ids
    security_groups  = [aws_security_group.service[each.key].id]
    assign_public_ip = false
  }

  dynamic "service_registries" {
    for_each = contains(local.discovered, each.key) ? [aws_service_discovery_service.internal[each.key].arn] : []
    content {
      registry_arn = service_registries.value
    }
  }

  dynamic "load_balancer" {
    for_each = each.key == "gateway" ? [aws_lb_target_group.gateway.arn] : []
    content {
      target_group_arn = load_balancer.value
      container_name   = "gateway"
      container_port   = 8080
    }
  }

  lifecycle {
    ignore_changes = [desired_count] # owned by the autoscaler
  }

  depends_on = [aws_lb_listener.https]
}

resource "aws_appautoscaling_target" "service" {
  for_each           = local.services
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.service[each.key].name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.capacity[each.key].min_capacity
  max_capacity       = var.capacity[each.key].max_capacity
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each           = local.services
  name               = "${var.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.service[each.key].service_namespace
  resource_id        = aws_appautoscaling_target.service[each.key].resource_id
  scalable_dimension = aws_appautoscaling_target.service[each.key].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 65
    scale_in_cooldown  = 300
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

# --- service discovery ------------------------------------------------------------------------------

resource "aws_service_discovery_private_dns_namespace" "internal" {
  name = local.discovery_domain
  vpc  = var.vpc_id
}

# One A record per healthy task (MULTIVALUE): the gRPC clients' round-robin spreads over all of them.
resource "aws_service_discovery_service" "internal" {
  for_each = toset(local.discovered)
  name     = each.key
  dns_config {
    namespace_id   = aws_service_discovery_private_dns_namespace.internal.id
    routing_policy = "MULTIVALUE"
    dns_records {
      ttl  = 10
      type = "A"
    }
  }
}

# --- load balancer ----------------------------------------------------------------------------------

resource "aws_lb" "gateway" {
  name                       = "${var.name}-gateway"
  load_balancer_type         = "application"
  internal                   = false
  subnets                    = var.public_subnet_ids
  security_groups            = [aws_security_group.alb.id]
  drop_invalid_header_fields = true
  # The gateway rate-limits on the rightmost X-Forwarded-For entry: the ALB must append the caller.
  xff_header_processing_mode = "append"
  # Below the gateway's keep-alive (GUARDIAN_HTTP_KEEP_ALIVE_SECONDS, 75 s): the ALB closes an idle connection
  # first, so it never sends a request on one the gateway is closing.
  idle_timeout = 60
  enable_deletion_protection = var.alb_deletion_protection
}

resource "aws_lb_target_group" "gateway" {
  name                 = "${var.name}-gateway"
  port                 = 8080
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = 20
  health_check {
    path                = "/readyz"
    matcher             = "200"
    interval            = 15
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 2
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.gateway.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = var.certificate_arn
  default_action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.gateway.arn
  }
}

resource "aws_lb_listener" "http_redirect" {
  load_balancer_arn = aws_lb.gateway.arn
  port              = 80
  protocol          = "HTTP"
  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

# --- network ----------------------------------------------------------------------------------------

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "Guardian load balancer"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "alb" {
  for_each          = { for pair in setproduct(var.alb_ingress_cidrs, [80, 443]) : "${pair[0]}-${pair[1]}" => pair }
  security_group_id = aws_security_group.alb.id
  description       = "Clients to the load balancer"
  cidr_ipv4         = each.value[0]
  from_port         = each.value[1]
  to_port           = each.value[1]
  ip_protocol       = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "alb_to_gateway" {
  security_group_id            = aws_security_group.alb.id
  description                  = "Load balancer to the gateway tasks"
  referenced_security_group_id = aws_security_group.service["gateway"].id
  from_port                    = 8080
  to_port                      = 8080
  ip_protocol                  = "tcp"
}

resource "aws_security_group" "service" {
  for_each    = local.ports
  name        = "${var.name}-${each.key}"
  description = "Guardian ${each.key} tasks"
  vpc_id      = var.vpc_id
}

# Only the load balancer reaches the gateway (it trusts X-Forwarded-For).
resource "aws_vpc_security_group_ingress_rule" "gateway_from_alb" {
  security_group_id            = aws_security_group.service["gateway"].id
  description                  = "Load balancer to the gateway"
  referenced_security_group_id = aws_security_group.alb.id
  from_port                    = 8080
  to_port                      = 8080
  ip_protocol                  = "tcp"
}

resource "aws_vpc_security_group_ingress_rule" "internal" {
  for_each                     = local.internal_flows
  security_group_id            = aws_security_group.service[each.value.to].id
  description                  = "${each.value.from} to ${each.value.to} (gRPC)"
  referenced_security_group_id = aws_security_group.service[each.value.from].id
  from_port                    = local.ports[each.value.to]
  to_port                      = local.ports[each.value.to]
  ip_protocol                  = "tcp"
}

resource "aws_vpc_security_group_egress_rule" "internal" {
  for_each                     = local.internal_flows
  security_group_id            = aws_security_group.service[each.value.from].id
  description                  = "${each.value.from} to ${each.value.to} (gRPC)"
  referenced_security_group_id = aws_security_group.service[each.value.to].id
  from_port                    = local.ports[each.value.to]
  to_port                      = local.ports[each.value.to]
  ip_protocol                  = "tcp"
}

# HTTPS out: ECR, Secrets Manager, CloudWatch Logs (or their VPC endpoints) and the Miden node.
resource "aws_vpc_security_group_egress_rule" "https" {
  for_each          = local.ports
  security_group_id = aws_security_group.service[each.key].id
  description       = "AWS APIs and the Miden node"
  cidr_ipv4         = "0.0.0.0/0"
  from_port         = 443
  to_port           = 443
  ip_protocol       = "tcp"
}

# Only the coordinator reaches PostgreSQL.
resource "aws_vpc_security_group_egress_rule" "coordinator_to_db" {
  security_group_id            = aws_security_group.service["coordinator"].id
  description                  = "Coordinator to PostgreSQL"
  referenced_security_group_id = one(data.aws_db_instance.guardian.vpc_security_groups)
  from_port                    = data.aws_db_instance.guardian.port
  to_port                      = data.aws_db_instance.guardian.port
  ip_protocol                  = "tcp"
}

resource "aws_vpc_security_group_ingress_rule" "db_from_coordinator" {
  security_group_id            = one(data.aws_db_instance.guardian.vpc_security_groups)
  description                  = "Guardian coordinator to PostgreSQL"
  referenced_security_group_id = aws_security_group.service["coordinator"].id
  from_port                    = data.aws_db_instance.guardian.port
  to_port                      = data.aws_db_instance.guardian.port
  ip_protocol                  = "tcp"
}
