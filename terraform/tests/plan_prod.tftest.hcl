# Plan of the prod workspace with a mocked AWS provider (no credentials, no network):
#   TF_WORKSPACE=prod terraform test -filter=tests/plan_prod.tftest.hcl   (make tf-check runs it)
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
  values = { account_id = "333333333333" }
}

# modules/region has its own caller identity (the same account).
override_data {
  target = module.primary.data.aws_caller_identity.current
  values = { account_id = "333333333333" }
}

override_data {
  target = module.standby[0].data.aws_caller_identity.current
  values = { account_id = "333333333333" }
}

run "prod" {
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
    condition     = keys(module.standby[0].inventory) == keys(module.primary.inventory) && alltrue([for k, v in module.primary.inventory : (v == null) == (module.standby[0].inventory[k] == null)])
    error_message = "The standby must have every piece the primary has: service, ALB, target groups, certificate, alarms and topic, dashboard, logs, key, image, release record, CodeDeploy."
  }

  assert {
    condition     = alltrue([for k, v in module.standby[0].inventory : v == null ? true : strcontains(v, "eu-central-1") && !strcontains(v, "eu-west-1")])
    error_message = "No piece of the standby may point at the primary region (eu-west-1): each must be in eu-central-1, with the standby provider."
  }

  assert {
    condition     = { for g in aws_cloudfront_distribution.this.origin_group : g.origin_id => [for m in g.member : m.origin_id] } == { app = ["alb-eu-west-1", "alb-eu-central-1"], static = ["static-eu-west-1", "static-eu-central-1"] }
    error_message = "Origin groups for pages and /pkg/*, the primary first."
  }

  assert {
    condition     = { for o in aws_cloudfront_distribution.this.origin : o.origin_id => o.domain_name if startswith(o.origin_id, "alb-eu") } == { "alb-eu-west-1" = "origin-euw1.hn-reader.example.com", "alb-eu-central-1" = "origin-euc1.hn-reader.example.com" }
    error_message = "Each region's ALB origin under its own name, origin-<region code>.hn-reader.example.com."
  }

  assert {
    condition     = aws_cloudfront_distribution.this.default_cache_behavior[0].target_origin_id == "app" && toset(aws_cloudfront_distribution.this.default_cache_behavior[0].allowed_methods) == toset(["GET", "HEAD", "OPTIONS"])
    error_message = "Pages through the origin group, which allows only the read methods."
  }

  assert {
    condition     = one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b if b.path_pattern == "/api/*"]).target_origin_id == "alb-failover" && contains(one([for b in aws_cloudfront_distribution.this.ordered_cache_behavior : b if b.path_pattern == "/api/*"]).allowed_methods, "POST") && one([for o in aws_cloudfront_distribution.this.origin : o if o.origin_id == "alb-failover"]).domain_name == "origin.hn-reader.example.com"
    error_message = "POST server functions (/api/*) to the failover name origin.hn-reader.example.com."
  }

  assert {
    condition     = { for k, r in aws_route53_record.origin_failover : k => [one(r.failover_routing_policy).type, r.health_check_id, r.name] } == { primary = ["PRIMARY", "mock-health-check-eu-west-1", "origin.hn-reader.example.com"], standby = ["SECONDARY", "mock-health-check-eu-central-1", "origin.hn-reader.example.com"] }
    error_message = "origin.hn-reader.example.com: the primary while its health check passes, else the standby."
  }

  assert {
    condition     = alltrue([for o in aws_cloudfront_distribution.this.origin : o.connection_attempts * o.connection_timeout == output.recovery_objectives.region_loss_get_seconds if length(o.custom_header) > 0])
    error_message = "The ALB origins' tries x timeout must be the stated GET recovery time."
  }

  assert {
    condition     = strcontains(output.regions.standby.ecr_repository_url, ".dkr.ecr.eu-central-1.amazonaws.com/") && output.regions.standby.ecs_service_name == "hn-reader-prod-euc1"
    error_message = "The standby pulls the replica in its own region and has its own names."
  }

  assert {
    condition     = length(aws_acm_certificate.cdn) == 1 && strcontains(aws_acm_certificate.cdn[0].arn, ":us-east-1:")
    error_message = "prod: the CloudFront certificate in us-east-1."
  }
}
