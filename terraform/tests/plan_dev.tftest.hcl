# Plan of the dev workspace with a mocked AWS provider (no credentials, no network):
#   TF_WORKSPACE=dev terraform test -filter=tests/plan_dev.tftest.hcl   (make tf-check runs it)
# The root's side: the edge (CloudFront, WAF, us-east-1), the regions' wiring and, with a
# standby, failover. Each region's stack is tested in modules/region/tests.

mock_provider "aws" {
  source = "./tests/mocks"
}

mock_provider "aws" {
  alias  = "us_east_1"
  source = "./tests/mocks-us-east-1"
}

mock_provider "aws" {
  alias  = "standby"
  source = "./tests/mocks-standby"
}

override_data {
  target = data.aws_caller_identity.current
  values = { account_id = "111111111111" }
}

# modules/region has its own caller identity (the same account).
override_data {
  target = module.primary.data.aws_caller_identity.current
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
    condition     = alltrue([for v in values(module.primary.inventory) : v == null ? true : strcontains(v, "eu-west-1")])
    error_message = "Every piece of the primary region must be in eu-west-1 (the default provider)."
  }

  assert {
    condition     = alltrue([for o in aws_cloudfront_distribution.this.origin : length(o.custom_header) == 0 ? true : one(o.custom_header).value == aws_ssm_parameter.origin_header.value])
    error_message = "Every ALB origin must send the one origin secret that every region's ALB requires."
  }

  assert {
    condition     = length(module.standby) == 0 && length(aws_cloudfront_distribution.this.origin_group) == 0 && length(aws_route53_record.origin_failover) == 0 && keys(output.regions) == ["primary"]
    error_message = "dev: one region (no standby_region), so no origin groups or failover records."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].target_origin_id == "alb-eu-west-1" && contains(aws_cloudfront_distribution.this.default_cache_behavior[0].allowed_methods, "POST")
    error_message = "dev: pages and server functions from the one ALB."
  }

  assert {
    condition     = length(aws_acm_certificate.cdn) == 0 && aws_cloudfront_distribution.this.viewer_certificate[0].cloudfront_default_certificate
    error_message = "dev: no domain, so CloudFront's default certificate."
  }

  assert {
    condition     = output.image_digest == var.image_digest
    error_message = "dev: the apply runs the given digest."
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
    condition     = output.image_digest == "sha256:1111111111111111111111111111111111111111111111111111111111111111"
    error_message = "dev: without -var image_digest the plan must keep the recorded image."
  }
}

run "first_apply_without_an_image_stops_with_a_message" {
  command         = plan
  expect_failures = [var.image_digest]
}
