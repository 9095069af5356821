# The dev workspace's primary region: modules/region planned with a mocked AWS provider,
# with dev's settings (the run "settings" below) and the inputs the root passes.
#   terraform test -filter=tests/region_dev.tftest.hcl   (in modules/region; make tf-check runs it)
# The root's side (CloudFront, failover records, the standby's wiring) is in
# terraform/tests/plan_dev.tftest.hcl.

mock_provider "aws" {
  source = "../../tests/mocks"
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "111111111111" }
}

run "settings" {
  command = plan
  module {
    source = "../settings"
  }
  variables {
    workspace = "dev"
  }
}

run "dev" {
  command = plan

  variables {
    env                         = "dev"
    name                        = run.settings.regions.primary.name
    region                      = run.settings.regions.primary.region
    role                        = "primary"
    settings                    = run.settings.settings
    min_tasks                   = run.settings.regions.primary.min_tasks
    ecr_repository              = { url = run.settings.tooling.ecr_repository_url, arn = run.settings.tooling.ecr_repository_arn }
    image_digest                = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
    origin_header               = { name = "X-Origin-Verify", value = "mockedoriginsecretmockedoriginsecretmockedorigin" }
    origin_host_names           = []
    cloudfront_distribution_arn = "arn:aws:cloudfront::111111111111:distribution/EMOCKDISTRIBUTION"
    web_acl_name                = "hn-reader-dev"
    release_regions             = ["eu-west-1"]
    health_alarm                = { period = 60, periods = 2 }
    route53_health_check        = false
  }

  assert {
    condition     = alltrue([for arn in [aws_kms_key.main.arn, aws_sns_topic.alarms.arn, aws_cloudwatch_log_group.app.arn, aws_cloudwatch_metric_alarm.alb_5xx_rate.arn] : strcontains(arn, ":eu-west-1:")])
    error_message = "The regional resources must use the provider passed in (eu-west-1)."
  }
  assert {
    condition     = one(one(aws_lb_listener_rule.app.condition).http_header).values == toset([var.origin_header.value])
    error_message = "The ALB must require exactly the secret header value CloudFront sends (the root passes it)."
  }
  assert {
    condition     = aws_appautoscaling_target.app.min_capacity == 1 && aws_appautoscaling_target.app.max_capacity == 2
    error_message = "dev: autoscaling between 1 and 2 tasks expected."
  }
  assert {
    condition     = aws_ecs_task_definition.app.cpu == "256" && aws_ecs_task_definition.app.memory == "512"
    error_message = "dev: a 256 CPU / 512 MiB task expected."
  }
  assert {
    condition     = length(aws_subnet.private) == 2 && length(aws_subnet.public) == 2 && length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 2
    error_message = "dev: 2 AZs and 1 NAT gateway(s) expected."
  }
  assert {
    condition     = length(aws_ecs_service.rolling) == 1 && length(aws_ecs_service.blue_green) == 0 && length(aws_codedeploy_deployment_group.this) == 0 && length(aws_lb_listener.test) == 0
    error_message = "dev: the ECS rolling service and no CodeDeploy expected (deployment_strategy ROLLING)."
  }
  assert {
    condition     = aws_ecs_service.rolling[0].deployment_circuit_breaker[0].rollback && aws_ecs_service.rolling[0].alarms[0].rollback && length(aws_ecs_service.rolling[0].alarms[0].alarm_names) == 4
    error_message = "dev: the rolling service rolls back on a failed deployment and on the 4 rollback alarms."
  }
  assert {
    condition     = aws_ecs_service.rolling[0].desired_count == 1 && !aws_lb.this.enable_deletion_protection
    error_message = "dev: 1 task and no deletion protection expected."
  }
  assert {
    condition     = aws_ssm_parameter.image_digest.value == var.image_digest && strcontains(aws_ecs_task_definition.app.container_definitions, "@${var.image_digest}")
    error_message = "dev: the apply runs the given digest and records it."
  }

  assert {
    condition     = aws_ssm_parameter.image_digest.value == var.image_digest && strcontains(aws_ecs_task_definition.app.container_definitions, "@${var.image_digest}")
    error_message = "dev: the apply runs the given digest and records it."
  }

  assert {
    condition     = length(aws_route53_health_check.region) == 0 && length(aws_cloudwatch_metric_alarm.no_healthy_target) == 0
    error_message = "dev: no standby, so no Route 53 health checks."
  }
}
