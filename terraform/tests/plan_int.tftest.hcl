# Plan of the int workspace with a mocked AWS provider (no credentials, no network):
#   TF_WORKSPACE=int terraform test -filter=tests/plan_int.tftest.hcl   (make tf-check runs it)
# The assertions are what modules/settings promises for int.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks-us-east-1"
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "222222222222" }
}


run "int" {
  command = plan

  variables {
    image_digest = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
  }

  assert {
    condition     = alltrue([for arn in [aws_wafv2_web_acl.this.arn, aws_cloudwatch_log_group.waf.arn, aws_wafv2_web_acl_logging_configuration.this.id, aws_cloudwatch_metric_alarm.waf_blocks.arn, aws_sns_topic.alarms_us_east_1.arn, aws_sns_topic_subscription.alarms_us_east_1_email.arn, aws_kms_key.us_east_1.arn] : strcontains(arn, ":us-east-1:")])
    error_message = "The CLOUDFRONT-scope web ACL, its logs, the WAF alarm and its topic and key must use the us_east_1 provider."
  }

  assert {
    condition     = alltrue([for arn in [aws_kms_key.main.arn, aws_sns_topic.alarms.arn, aws_cloudwatch_log_group.app.arn, aws_cloudwatch_metric_alarm.alb_5xx_rate.arn] : strcontains(arn, ":eu-west-1:")])
    error_message = "The regional resources must use the default provider (eu-west-1)."
  }

  assert {
    condition     = one(one(aws_lb_listener_rule.app.condition).http_header).values == toset([one(one([for o in aws_cloudfront_distribution.this.origin : o if o.origin_id == "alb"]).custom_header).value])
    error_message = "The ALB must require exactly the secret header value CloudFront sends."
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
    condition     = length(aws_acm_certificate.cdn) == 1 && strcontains(aws_acm_certificate.cdn[0].arn, ":us-east-1:") && strcontains(aws_acm_certificate.origin[0].arn, ":eu-west-1:")
    error_message = "int: the CloudFront certificate in us-east-1, the ALB's in the workspace region."
  }

  assert {
    condition     = aws_lb.this.enable_deletion_protection
    error_message = "int: deletion protection expected."
  }
}
