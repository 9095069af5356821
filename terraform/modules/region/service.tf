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
      image                  = "${var.ecr_repository.url}@${local.image_digest}"
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
        for k, v in merge(local.container_environment, local.release_environment) : { name = k, value = v }
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

# Two services, one per deployment controller (settings: deployment_strategy), because what
# Terraform must leave alone differs and ignore_changes cannot depend on a setting:
#   rolling     ECS controller: `terraform apply` rolls out the new task definition, the
#               circuit breaker and the rollback alarms undo a failed one (dev).
#   blue_green  CODE_DEPLOY controller: apply registers the task definition; CodeDeploy
#               (codedeploy.tf, started by scripts/deploy.sh) shifts traffic and owns the
#               task set, its target group and the listener rules (int, prod).
resource "aws_ecs_service" "rolling" {
  count                              = local.is_blue_green ? 0 : 1
  name                               = local.name
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.app.arn
  desired_count                      = var.min_tasks
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
  }

  deployment_controller {
    type = "ECS"
  }

  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  alarms {
    alarm_names = local.rollback_alarm_names
    enable      = true
    rollback    = true
  }

  # Bounded below the deploy job's 60 minutes, so a stuck rollout fails the job, not the lock.
  timeouts {
    create = "20m"
    update = "20m"
    delete = "20m"
  }

  lifecycle {
    # Application Auto Scaling owns the running count.
    ignore_changes = [desired_count]
  }

  # Tasks pull the image and write logs on their first start: the private subnets' routes
  # and the VPC endpoints must exist before the service starts any.
  depends_on = [
    aws_lb_listener_rule.app, aws_iam_role_policy.execution,
    aws_route_table_association.private, aws_route.private_nat, aws_vpc_endpoint.interface, aws_vpc_endpoint.s3,
  ]
}

resource "aws_ecs_service" "blue_green" {
  count                              = local.is_blue_green ? 1 : 0
  name                               = local.name
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.app.arn
  desired_count                      = var.min_tasks
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

  # The first task set; later deployments alternate between blue and green (CodeDeploy).
  load_balancer {
    target_group_arn = aws_lb_target_group.app["blue"].arn
    container_name   = "hn-reader"
    container_port   = 8080
  }

  deployment_controller {
    type = "CODE_DEPLOY"
  }

  timeouts {
    create = "20m"
    update = "20m"
    delete = "20m"
  }

  lifecycle {
    # Auto Scaling owns the count; CodeDeploy owns the running task definition and which
    # target group serves (scripts/deploy.sh deploys the task definition registered here).
    ignore_changes = [desired_count, task_definition, load_balancer]
  }

  # As for the rolling service: the network first.
  depends_on = [
    aws_lb_listener_rule.app, aws_lb_listener_rule.test, aws_iam_role_policy.execution,
    aws_route_table_association.private, aws_route.private_nat, aws_vpc_endpoint.interface, aws_vpc_endpoint.s3,
  ]
}

locals {
  service = one(concat(aws_ecs_service.rolling, aws_ecs_service.blue_green))
}

# ---- autoscaling: target tracking on CPU and on requests per target ----

resource "aws_appautoscaling_target" "app" {
  service_namespace  = "ecs"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${local.service.name}"
  scalable_dimension = "ecs:service:DesiredCount"
  min_capacity       = var.min_tasks
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

# Requests per running task over both target groups: during and after a blue/green
# deployment either one may be live, so no single target group's RequestCountPerTarget works.
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

    customized_metric_specification {
      metrics {
        id          = "per_task"
        expression  = "(FILL(blue, 0) + FILL(green, 0)) / MAX([tasks, 1])"
        label       = "ALB requests per running task (both target groups)"
        return_data = true
      }

      dynamic "metrics" {
        for_each = aws_lb_target_group.app
        content {
          id          = metrics.key
          return_data = false
          metric_stat {
            stat = "Sum"
            metric {
              namespace   = "AWS/ApplicationELB"
              metric_name = "RequestCount"
              dimensions {
                name  = "LoadBalancer"
                value = aws_lb.this.arn_suffix
              }
              dimensions {
                name  = "TargetGroup"
                value = metrics.value.arn_suffix
              }
            }
          }
        }
      }

      metrics {
        id          = "tasks"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = aws_ecs_cluster.this.name
            }
            dimensions {
              name  = "ServiceName"
              value = local.service.name
            }
          }
        }
      }
    }
  }
}
