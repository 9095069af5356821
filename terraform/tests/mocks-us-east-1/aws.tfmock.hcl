# The us_east_1 provider alias of the plan tests: its resources get ARNs naming us-east-1
# (tests/mocks/aws.tfmock.hcl has the rest).
mock_resource "aws_kms_key" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:us-east-1:000000000000:aws_kms_key"
  }
}

mock_resource "aws_sns_topic" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:us-east-1:000000000000:aws_sns_topic"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:us-east-1:000000000000:aws_cloudwatch_log_group"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:us-east-1:000000000000:aws_cloudwatch_metric_alarm"
  }
}

mock_resource "aws_acm_certificate" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:us-east-1:000000000000:aws_acm_certificate"
  }
}

mock_resource "aws_wafv2_web_acl" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:us-east-1:000000000000:aws_wafv2_web_acl"
  }
}

mock_resource "aws_wafv2_web_acl_logging_configuration" {
  override_during = plan
  defaults = {
    id = "arn:aws:mock:us-east-1:000000000000:aws_wafv2_web_acl_logging_configuration"
  }
}

mock_resource "aws_acm_certificate_validation" {
  override_during = plan
  defaults = {
    id = "arn:aws:mock:us-east-1:000000000000:aws_acm_certificate_validation"
  }
}

mock_resource "aws_sns_topic_subscription" {
  override_during = plan
  defaults = {
    arn = "arn:aws:mock:us-east-1:000000000000:aws_sns_topic_subscription"
  }
}
