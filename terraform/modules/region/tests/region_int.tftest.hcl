# The int workspace's primary region: modules/region planned with a mocked AWS provider,
# with int's settings (the run "settings" below) and the inputs the root passes.
#   terraform test -filter=tests/region_int.tftest.hcl   (in modules/region; make tf-check runs it)
# The root's side (CloudFront, failover records, the standby's wiring) is in
# terraform/tests/plan_int.tftest.hcl.

mock_provider "aws" {
  source = "../../tests/mocks"
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "222222222222" }
}

run "settings" {
  command = plan
  module {
    source = "../settings"
  }
  variables {
    workspace = "int"
  }
}

run "int" {
  command = plan

  variables {
    env                         = "int"
    name                        = run.settings.regions.primary.name
    region                      = run.settings.regions.primary.region
    role                        = "primary"
    settings                    = run.settings.settings
    min_tasks                   = run.settings.regions.primary.min_tasks
    ecr_repository              = { url = run.settings.tooling.ecr_repository_url, arn = run.settings.tooling.ecr_repository_arn }
    image_digest                = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
    origin_header               = { name = "X-Origin-Verify", value = "mockedoriginsecretmockedoriginsecretmockedorigin" }
    origin_host_names           = ["origin-euw1.int.hn-reader.example.com", "origin.int.hn-reader.example.com"]
    cloudfront_distribution_arn = "arn:aws:cloudfront::222222222222:distribution/EMOCKDISTRIBUTION"
    web_acl_name                = "hn-reader-int"
    release_regions             = ["eu-west-1", "eu-central-1"]
    health_alarm                = { period = 60, periods = 2 }
    route53_health_check        = true
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
    condition     = aws_appautoscaling_target.app.min_capacity == 2 && aws_appautoscaling_target.app.max_capacity == 4
    error_message = "int: autoscaling between 2 and 4 tasks expected."
  }
  assert {
    condition     = aws_ecs_task_definition.app.cpu == "512" && aws_ecs_task_definition.app.memory == "1024"
    error_message = "int: a 512 CPU / 1024 MiB task expected."
  }
  assert {
    condition     = length(aws_subnet.private) == 3 && length(aws_subnet.public) == 3 && length(aws_nat_gateway.this) == 1 && length(aws_route.private_nat) == 3
    error_message = "int: 3 AZs and 1 NAT gateway(s) expected."
  }
  assert {
    condition     = length(aws_ecs_service.rolling) == 0 && aws_ecs_service.blue_green[0].deployment_controller[0].type == "CODE_DEPLOY" && aws_ecs_service.blue_green[0].desired_count == 2
    error_message = "int: one CODE_DEPLOY service starting with 2 tasks expected (deployment_strategy BLUE_GREEN)."
  }
  assert {
    condition     = aws_codedeploy_deployment_group.this[0].deployment_config_name == "CodeDeployDefault.ECSLinear10PercentEvery1Minutes" && aws_codedeploy_deployment_group.this[0].blue_green_deployment_config[0].terminate_blue_instances_on_deployment_success[0].termination_wait_time_in_minutes == 5
    error_message = "int: CodeDeployDefault.ECSLinear10PercentEvery1Minutes with a 5-minute bake expected."
  }
  assert {
    condition     = aws_codedeploy_deployment_group.this[0].auto_rollback_configuration[0].enabled && contains(aws_codedeploy_deployment_group.this[0].auto_rollback_configuration[0].events, "DEPLOYMENT_STOP_ON_ALARM") && length(aws_codedeploy_deployment_group.this[0].alarm_configuration[0].alarms) == 4
    error_message = "int: CodeDeploy must roll back on failure and on the 4 rollback alarms."
  }
  assert {
    condition     = aws_lb_listener.test[0].port == 8443 && aws_lb_listener.test[0].protocol == "HTTPS" && length(aws_lb_listener_rule.test) == 1
    error_message = "int: an HTTPS test listener on 8443 with the secret-header rule expected."
  }
  assert {
    condition     = strcontains(aws_acm_certificate.origin[0].arn, ":eu-west-1:") && aws_acm_certificate.origin[0].domain_name == var.origin_host_names[0] && aws_acm_certificate.origin[0].subject_alternative_names == toset(slice(var.origin_host_names, 1, length(var.origin_host_names)))
    error_message = "int: the ALB's certificate in the region, for its own origin name and the failover name."
  }
  assert {
    condition     = aws_lb.this.enable_deletion_protection
    error_message = "int: deletion protection expected."
  }

  assert {
    condition     = length(aws_cloudwatch_metric_alarm.no_healthy_target) == 2 && alltrue([for a in aws_cloudwatch_metric_alarm.no_healthy_target : a.treat_missing_data == "breaching" && a.period * a.evaluation_periods == 120])
    error_message = "A region with a standby: one no-healthy-target alarm per target group, missing data breaching, 2 x 60 s."
  }

  assert {
    condition     = aws_route53_health_check.region[0].type == "CALCULATED" && aws_route53_health_check.region[0].child_health_threshold == 1 && alltrue([for c in aws_route53_health_check.target_group : c.insufficient_data_health_status == "Unhealthy" && c.cloudwatch_alarm_region == "eu-west-1"])
    error_message = "The region's health: healthy while either target group has a healthy target; no data is unhealthy."
  }
}
