# Plan of the dev workspace with a mocked AWS provider (no credentials, no network):
#   TF_WORKSPACE=dev terraform test -filter=tests/plan_dev.tftest.hcl   (make tf-check runs it)
# The assertions are what modules/settings promises for dev.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks-us-east-1"
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "111111111111" }
}


run "dev" {
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
    condition     = length(aws_acm_certificate.cdn) == 0 && aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate
    error_message = "dev: no domain, so CloudFront's default certificate."
  }

  assert {
    condition     = aws_ssm_parameter.image_digest.value == var.image_digest && strcontains(aws_ecs_task_definition.app.container_definitions, "@${var.image_digest}")
    error_message = "dev: the apply runs the given digest and records it."
  }
}

# The design card: `terraform workspace select dev && terraform apply`, no variable. With a
# recorded digest it plans the running image; before the first apply it stops with a message.
run "plain_apply_keeps_the_recorded_image" {
  command = plan

  override_data {
    target = data.aws_ssm_parameters_by_path.release
    values = {
      names  = ["/hn-reader/dev/release/image-digest"]
      values = ["sha256:1111111111111111111111111111111111111111111111111111111111111111"]
    }
  }

  assert {
    condition     = strcontains(aws_ecs_task_definition.app.container_definitions, "@sha256:1111111111111111111111111111111111111111111111111111111111111111") && aws_ssm_parameter.image_digest.value == "sha256:1111111111111111111111111111111111111111111111111111111111111111"
    error_message = "dev: without -var image_digest the plan must keep the recorded image."
  }
}

run "first_apply_without_an_image_stops_with_a_message" {
  command         = plan
  expect_failures = [var.image_digest]
}
