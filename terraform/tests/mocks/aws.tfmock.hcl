# Data-source answers for the plan tests (mock_provider "aws" in tests/*.tftest.hcl). Each
# test file sets the workspace's account id with override_data; everything else is the
# same in every account.

mock_data "aws_partition" {
  defaults = {
    partition = "aws"
  }
}

mock_data "aws_availability_zones" {
  defaults = {
    names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  }
}

mock_data "aws_ec2_managed_prefix_list" {
  defaults = {
    id = "pl-4fa04526"
  }
}

mock_data "aws_elb_service_account" {
  defaults = {
    arn = "arn:aws:iam::156460612806:root"
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}

mock_data "aws_secretsmanager_random_password" {
  defaults = {
    random_password = "mockedoriginsecretmockedoriginsecretmockedorigin"
  }
}

# Resources that exist in both regions get an ARN naming the provider's region, so a test
# can tell which provider a resource uses: this is the default provider (eu-west-1).
mock_resource "aws_kms_key" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:eu-west-1:000000000000:aws_kms_key"
  }
}

mock_resource "aws_sns_topic" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:eu-west-1:000000000000:aws_sns_topic"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:eu-west-1:000000000000:aws_cloudwatch_log_group"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:eu-west-1:000000000000:aws_cloudwatch_metric_alarm"
  }
}

mock_resource "aws_acm_certificate" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:eu-west-1:000000000000:aws_acm_certificate"
  }
}

mock_resource "aws_wafv2_web_acl" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:eu-west-1:000000000000:aws_wafv2_web_acl"
  }
}

mock_resource "aws_wafv2_web_acl_logging_configuration" {
  override_during = plan
  defaults = {
    id = "arn:aws:mock:eu-west-1:000000000000:aws_wafv2_web_acl_logging_configuration"
  }
}

mock_resource "aws_acm_certificate_validation" {
  override_during = plan
  defaults = {
    id = "arn:aws:mock:eu-west-1:000000000000:aws_acm_certificate_validation"
  }
}

mock_resource "aws_sns_topic_subscription" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:eu-west-1:000000000000:aws_sns_topic_subscription"
  }
}

# No release recorded yet (a test overrides it to model later applies).
mock_data "aws_ssm_parameters_by_path" {
  defaults = {
    names  = []
    values = []
  }
}

# What modules/region's inventory output lists, so the plan tests can tell each region's
# provider by its ARNs.
mock_resource "aws_ecs_service" {
  override_during = plan
  defaults = {
    id = "arn:aws:ecs:eu-west-1:000000000000:service/mock/mock"
  }
}

mock_resource "aws_lb" {
  override_during = plan
  defaults = {
    arn      = "arn:aws:elasticloadbalancing:eu-west-1:000000000000:loadbalancer/app/mock/0"
    dns_name = "mock.eu-west-1.elb.amazonaws.com"
    zone_id  = "Z32O12XQLNTSW2"
  }
}

mock_resource "aws_lb_target_group" {
  override_during = plan
  defaults = {
    arn = "arn:aws:elasticloadbalancing:eu-west-1:000000000000:targetgroup/mock/0"
  }
}

mock_resource "aws_cloudwatch_dashboard" {
  override_during = plan
  defaults = {
    dashboard_arn = "arn:aws:cloudwatch::000000000000:dashboard/mock-eu-west-1"
  }
}

mock_resource "aws_ssm_parameter" {
  override_during = plan
  defaults = {
    arn = "arn:aws:ssm:eu-west-1:000000000000:parameter/mock"
  }
}

mock_resource "aws_codedeploy_deployment_group" {
  override_during = plan
  defaults = {
    arn = "arn:aws:codedeploy:eu-west-1:000000000000:deploymentgroup:mock/mock"
  }
}

mock_resource "aws_route53_health_check" {
  override_during = plan
  defaults = {
    id = "mock-health-check-eu-west-1"
  }
}
