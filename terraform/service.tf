# ECS on Fargate: cluster, task definition (image by digest only), service, autoscaling.

resource "aws_ecs_cluster" "this" {
  name = local.name

  setting {
    name  = "containerInsights"
    value = "enhanced"
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

resource "aws_cloudwatch_log_group" "app" {
  name              = "/hn-reader/${local.env}/app"
  retention_in_days = local.settings.log_retention_days
  kms_key_id        = aws_kms_key.main.arn
}

resource "aws_security_group" "service" {
  name        = "${local.name}-service"
  description = "hn-reader tasks: 8080 from the ALB; HTTPS out (HN API via NAT, AWS via endpoints)"
  vpc_id      = aws_vpc.this.id
  tags        = { Name = "${local.name}-service" }
}

resource "aws_vpc_security_group_ingress_rule" "service_from_alb" {
  security_group_id            = aws_security_group.service.id
  description                  = "App port from the ALB"
  referenced_security_group_id = aws_security_group.alb.id
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8080
}

resource "aws_vpc_security_group_egress_rule" "service_https" {
  security_group_id = aws_security_group.service.id
  description       = "HTTPS: HN API (through NAT) and VPC endpoints"
  cidr_ipv4         = "0.0.0.0/0"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
}

resource "aws_ecs_task_definition" "app" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(local.settings.task_cpu)
  memory                   = tostring(local.settings.task_memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  # Root filesystem is read-only; the app writes only to /tmp. On Fargate a named
  # volume with no host path is task-scoped ephemeral storage (the tmpfs equivalent).
  volume {
    name = "tmp"
  }

  container_definitions = jsonencode([
    {
      name                   = "hn-reader"
      image                  = "${local.tooling.ecr_repository_url}@${var.image_digest}"
      essential              = true
      user                   = "65532:65532"
      workingDirectory       = "/app"
      readonlyRootFilesystem = true
      privileged             = false
      stopTimeout            = 30
      linuxParameters = {
        initProcessEnabled = false
        capabilities = {
          add  = []
          drop = ["ALL"]
        }
      }
      portMappings = [
        {
          name          = "http"
          containerPort = 8080
          hostPort      = 8080
          protocol      = "tcp"
          appProtocol   = "http"
        }
      ]
      # Liveness: the binary's own subcommand (GET /healthz), exec form - no shell in distroless.
      healthCheck = {
        command     = ["CMD", "/app/hn-reader", "healthcheck"]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 10
      }
      environment = [
        for k in sort(keys(local.container_environment)) : { name = k, value = local.container_environment[k] }
      ]
      mountPoints = [
        {
          sourceVolume  = "tmp"
          containerPath = "/tmp"
          readOnly      = false
        }
      ]
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = aws_cloudwatch_log_group.app.name
          awslogs-region        = local.region
          awslogs-stream-prefix = "app"
          mode                  = "non-blocking"
          max-buffer-size       = "25m"
        }
      }
    }
  ])
}

resource "aws_ecs_service" "app" {
  name                               = local.name
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.app.arn
  desired_count                      = local.settings.min_tasks
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  health_check_grace_period_seconds  = 30
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  enable_execute_command             = false
  propagate_tags                     = "SERVICE"
  wait_for_steady_state              = true

  network_configuration {
    subnets          = aws_subnet.private[*].id
    security_groups  = [aws_security_group.service.id]
    assign_public_ip = false
  }

  load_balancer {
    target_group_arn = aws_lb_target_group.app["blue"].arn
    container_name   = "hn-reader"
    container_port   = 8080

    dynamic "advanced_configuration" {
      for_each = local.is_blue_green ? [1] : []
      content {
        alternate_target_group_arn = aws_lb_target_group.app["green"].arn
        production_listener_rule   = aws_lb_listener_rule.app.arn
        role_arn                   = aws_iam_role.ecs_infrastructure.arn
      }
    }
  }

  # prod/int: ECS native blue/green with a bake time; dev: rolling.
  deployment_configuration {
    strategy             = local.settings.deployment_strategy
    bake_time_in_minutes = local.is_blue_green ? tostring(local.settings.bake_time_minutes) : null
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  deployment_controller {
    type = "ECS"
  }

  lifecycle {
    # Application Auto Scaling owns the running count.
    ignore_changes = [desired_count]
  }

  depends_on = [aws_lb_listener_rule.app, aws_iam_role_policy.execution]
}

# ---- autoscaling: target tracking on CPU and on requests per target ----

resource "aws_appautoscaling_target" "app" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.app.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = local.settings.min_tasks
  max_capacity       = local.settings.max_tasks
}

resource "aws_appautoscaling_policy" "cpu" {
  name               = "${local.name}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 60
    scale_in_cooldown  = 120
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  name               = "${local.name}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.app.service_namespace
  resource_id        = aws_appautoscaling_target.app.resource_id
  scalable_dimension = aws_appautoscaling_target.app.scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = 500
    scale_in_cooldown  = 120
    scale_out_cooldown = 60
    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${aws_lb.this.arn_suffix}/${aws_lb_target_group.app["blue"].arn_suffix}"
    }
  }
}
