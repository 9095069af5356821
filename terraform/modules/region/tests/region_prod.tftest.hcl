# The prod workspace's primary region: modules/region planned with a mocked AWS provider,
# with prod's settings (the run "settings" below) and the inputs the root passes.
#   terraform test -filter=tests/region_prod.tftest.hcl   (in modules/region; make tf-check runs it)
# The root's side (CloudFront, failover records, the standby's wiring) is in
# terraform/tests/plan_prod.tftest.hcl.

mock_provider "aws" {
  source = "../../tests/mocks"
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "333333333333" }
}

run "settings" {
  command = plan
  module {
    source = "../settings"
  }
  variables {
    workspace = "prod"
  }
}

run "prod" {
  command = plan

  variables {
    env                         = "prod"
    name                        = run.settings.regions.primary.name
    region                      = run.settings.regions.primary.region
    role                        = "primary"
    settings                    = run.settings.settings
    min_tasks                   = run.settings.regions.primary.min_tasks
    ecr_repository              = { url = run.settings.tooling.ecr_repository_url, arn = run.settings.tooling.ecr_repository_arn }
    image_digest                = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
    origin_header               = { name = "X-Origin-Verify", value = "mockedoriginsecretmockedoriginsecretmockedorigin" }
    origin_host_names           = ["origin-euw1.hn-reader.example.com", "origin.hn-reader.example.com"]
    cloudfront_distribution_arn = "arn:aws:cloudfront::333333333333:distribution/EMOCKDISTRIBUTION"
    web_acl_name                = "hn-reader-prod"
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
    condition     = length(data.aws_iam_policy_document.task.statement) == 1 && data.aws_iam_policy_document.task.statement[0].actions == toset(["ssm:GetParameter"]) && toset(data.aws_iam_policy_document.task.statement[0].resources) == toset(["arn:aws:ssm:eu-west-1:333333333333:parameter/hn-reader/prod/release/deployed-digest", "arn:aws:ssm:eu-central-1:333333333333:parameter/hn-reader/prod/release/deployed-digest"])
    error_message = "The task role reads each region's release record, and nothing else."
  }
  assert {
    condition     = { for e in jsondecode(aws_ecs_task_definition.app.container_definitions)[0].environment : e.name => e.value if startswith(e.name, "RELEASE_") } == { RELEASE_PARAMETER = aws_ssm_parameter.deployed_digest.name, RELEASE_REGIONS = "eu-west-1,eu-central-1" }
    error_message = "The task reads the record this region's aws_ssm_parameter.deployed_digest holds, in every region of the workspace."
  }
  assert {
    condition     = aws_appautoscaling_target.app.min_capacity == 3 && aws_appautoscaling_target.app.max_capacity == 12
    error_message = "prod: autoscaling between 3 and 12 tasks expected."
  }
  assert {
    condition     = aws_ecs_task_definition.app.cpu == "512" && aws_ecs_task_definition.app.memory == "1024"
    error_message = "prod: a 512 CPU / 1024 MiB task expected."
  }
  assert {
    condition     = length(aws_subnet.private) == 3 && length(aws_subnet.public) == 3 && length(aws_nat_gateway.this) == 3 && length(aws_route.private_nat) == 3
    error_message = "prod: 3 AZs and 3 NAT gateway(s) expected."
  }
  assert {
    condition     = length(aws_ecs_service.rolling) == 0 && aws_ecs_service.blue_green[0].deployment_controller[0].type == "CODE_DEPLOY" && aws_ecs_service.blue_green[0].desired_count == 3
    error_message = "prod: one CODE_DEPLOY service starting with 3 tasks expected (deployment_strategy BLUE_GREEN)."
  }
  assert {
    condition     = aws_codedeploy_deployment_group.this[0].deployment_config_name == "CodeDeployDefault.ECSCanary10Percent5Minutes" && aws_codedeploy_deployment_group.this[0].blue_green_deployment_config[0].terminate_blue_instances_on_deployment_success[0].termination_wait_time_in_minutes == 15
    error_message = "prod: CodeDeployDefault.ECSCanary10Percent5Minutes with a 15-minute bake expected."
  }
  assert {
    condition     = aws_codedeploy_deployment_group.this[0].auto_rollback_configuration[0].enabled && contains(aws_codedeploy_deployment_group.this[0].auto_rollback_configuration[0].events, "DEPLOYMENT_STOP_ON_ALARM") && length(aws_codedeploy_deployment_group.this[0].alarm_configuration[0].alarms) == 4
    error_message = "prod: CodeDeploy must roll back on failure and on the 4 rollback alarms."
  }
  assert {
    condition     = aws_lb_listener.test[0].port == 8443 && aws_lb_listener.test[0].protocol == "HTTPS" && length(aws_lb_listener_rule.test) == 1
    error_message = "prod: an HTTPS test listener on 8443 with the secret-header rule expected."
  }
  assert {
    condition     = strcontains(aws_acm_certificate.origin[0].arn, ":eu-west-1:") && aws_acm_certificate.origin[0].domain_name == var.origin_host_names[0] && aws_acm_certificate.origin[0].subject_alternative_names == toset(slice(var.origin_host_names, 1, length(var.origin_host_names)))
    error_message = "prod: the ALB's certificate in the region, for its own origin name and the failover name."
  }
  assert {
    condition     = aws_lb.this.enable_deletion_protection
    error_message = "prod: deletion protection expected."
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
