# Each resource here breaks one rule of terraform/checkov (its id in the name); the
# policies must fail every one of them (tools/terraform/checkov_policies_check.py).

provider "aws" {
  region = "eu-west-1"
}

provider "aws" {
  alias  = "us_east_1"
  region = "us-east-1"
}

resource "aws_wafv2_web_acl" "ckv2_hnr_1" {
  name  = "cloudfront-acl-in-eu-west-1"
  scope = "CLOUDFRONT"
  default_action {
    allow {}
  }
  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "acl"
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_logging_configuration" "ckv2_hnr_2" {
  resource_arn            = aws_wafv2_web_acl.ckv2_hnr_1.arn
  log_destination_configs = ["arn:aws:logs:us-east-1:111111111111:log-group:aws-waf-logs-x"]
}

resource "aws_acm_certificate" "validated_by_ckv2_hnr_3" {
  domain_name       = "example.com"
  validation_method = "DNS"
}

resource "aws_acm_certificate_validation" "ckv2_hnr_3" {
  certificate_arn = aws_acm_certificate.validated_by_ckv2_hnr_3.arn
}

resource "aws_acm_certificate" "ckv2_hnr_4_validated_in_us_east_1" {
  domain_name       = "www.example.com"
  validation_method = "DNS"
}

resource "aws_acm_certificate_validation" "us_east_1" {
  provider        = aws.us_east_1
  certificate_arn = aws_acm_certificate.ckv2_hnr_4_validated_in_us_east_1.arn
}

resource "aws_cloudfront_distribution" "uses_ckv2_hnr_3" {
  enabled = true
  origin {
    domain_name = "origin.example.com"
    origin_id   = "o"
  }
  default_cache_behavior {
    allowed_methods        = ["GET", "HEAD"]
    cached_methods         = ["GET", "HEAD"]
    target_origin_id       = "o"
    viewer_protocol_policy = "redirect-to-https"
  }
  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }
  viewer_certificate {
    acm_certificate_arn = aws_acm_certificate_validation.ckv2_hnr_3.certificate_arn
    ssl_support_method  = "sni-only"
  }
}

resource "aws_cloudwatch_metric_alarm" "ckv2_hnr_5" {
  alarm_name          = "waf-blocks-in-eu-west-1"
  namespace           = "AWS/WAFV2"
  metric_name         = "BlockedRequests"
  statistic           = "Sum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 100
  comparison_operator = "GreaterThanThreshold"
}
