# CloudFront in front of everything: /pkg/* from S3 (OAC, immutable), the rest from the
# ALB (SSR, honours the app's Cache-Control). WAF (CLOUDFRONT scope) in us-east-1.
#
# With a standby region (docs/disaster-recovery.md), each of the two is an origin group that
# fails over request by request: /pkg/* from the standby's bucket, pages from the standby's
# ALB, when the primary refuses connections, times out or answers a failover status code.
# CloudFront fails over only GET, HEAD and OPTIONS, and refuses an origin group on a
# behaviour that allows POST: the server functions (/api/*, the Reload button) go to one
# origin, origin.<domain>, the Route 53 failover record of failover.tf.

locals {
  origin_header = "X-Origin-Verify"
  # The primary first: an origin group's first member is the one it tries first.
  region_keys           = local.has_standby ? ["primary", "standby"] : ["primary"]
  app_target            = local.has_standby ? "app" : "alb-${local.regions.primary.region}"
  static_target         = local.has_standby ? "static" : "static-${local.regions.primary.region}"
  read_methods          = ["GET", "HEAD", "OPTIONS"]
  all_methods           = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
  server_function_path  = "/api/*"
  static_failover_codes = [403, 404, 500, 502, 503, 504] # S3 answers 403 for a key it does not have
}

resource "aws_cloudfront_origin_access_control" "static" {
  name                              = "${local.name}-static"
  description                       = "CloudFront -> static assets bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# Hashed file names never change content: cache for a year everywhere.
resource "aws_cloudfront_cache_policy" "immutable" {
  name        = "${local.name}-immutable"
  comment     = "Hashed static assets (/pkg/*): 1 year, no cookies/headers/query strings"
  min_ttl     = 31536000
  default_ttl = 31536000
  max_ttl     = 31536000

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "none"
    }
  }
}

# SSR pages: min_ttl 0 and default_ttl 0 so the app's Cache-Control decides; query
# strings (?p=, ?id=) are part of the key; no cookies (the app is stateless).
resource "aws_cloudfront_cache_policy" "ssr" {
  name        = "${local.name}-ssr"
  comment     = "SSR responses: honour origin Cache-Control, key on query string"
  min_ttl     = 0
  default_ttl = 0
  max_ttl     = 3600

  parameters_in_cache_key_and_forwarded_to_origin {
    enable_accept_encoding_brotli = true
    enable_accept_encoding_gzip   = true
    cookies_config {
      cookie_behavior = "none"
    }
    headers_config {
      header_behavior = "none"
    }
    query_strings_config {
      query_string_behavior = "all"
    }
  }
}

# Forwarded to the ALB but not in the cache key: what Leptos server functions need.
resource "aws_cloudfront_origin_request_policy" "ssr" {
  name    = "${local.name}-ssr"
  comment = "Forward query strings and the headers server functions use; no cookies"
  cookies_config {
    cookie_behavior = "none"
  }
  headers_config {
    header_behavior = "whitelist"
    headers {
      items = ["Accept", "Content-Type", "Origin", "Referer"]
    }
  }
  query_strings_config {
    query_string_behavior = "all"
  }
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${local.name}-security"
  comment = "Security headers on every response"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = true
    }
    xss_protection {
      protection = true
      mode_block = true
      override   = true
    }
  }

  custom_headers_config {
    items {
      header   = "Permissions-Policy"
      value    = "camera=(), microphone=(), geolocation=()"
      override = true
    }
  }
}

# ---- viewer certificate (us-east-1) when the workspace has a domain ----

resource "aws_acm_certificate" "cdn" {
  count             = local.has_domain ? 1 : 0
  provider          = aws.us_east_1
  domain_name       = local.settings.domain_name
  validation_method = "DNS"
  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_route53_record" "cdn_validation" {
  for_each = local.has_domain ? {
    for o in aws_acm_certificate.cdn[0].domain_validation_options : o.domain_name => o
  } : {}
  zone_id         = local.settings.hosted_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "cdn" {
  count                   = local.has_domain ? 1 : 0
  provider                = aws.us_east_1
  certificate_arn         = aws_acm_certificate.cdn[0].arn
  validation_record_fqdns = [for r in aws_route53_record.cdn_validation : r.fqdn]

  timeouts {
    create = "20m" # see aws_acm_certificate_validation.origin
  }
}

# ---- the distribution ----

resource "aws_cloudfront_distribution" "this" {
  #checkov:skip=CKV2_AWS_47: The Log4j protection (AWSManagedRulesKnownBadInputsRuleSet) is attached; the check also demands AWSManagedRulesAnonymousIpList, which would block VPN/Tor/cloud-hosted readers of a public, read-only site.
  #checkov:skip=CKV_AWS_374: Geo restriction off on purpose: a public Hacker News reader for a worldwide audience; abuse is handled by WAF rate limiting and IP reputation.
  #checkov:skip=CKV_AWS_305: No default root object: "/" is rendered by the SSR origin (ALB); a default root object would rewrite it to an S3 key.
  #checkov:skip=CKV_AWS_310: Origin failover is configured: origin_group is a dynamic block, present in every workspace with a standby region (int; prod must have one, modules/settings), which checkov does not expand (it fails without this skip); dev runs one region by choice (cost) and has nothing to fail over to.
  #checkov:skip=CKV_AWS_174: Without a domain (dev only) CloudFront's default certificate is used and its minimum protocol cannot be raised; with a domain the viewer certificate enforces TLSv1.2_2021.
  #checkov:skip=CKV2_AWS_42: Same: dev without a domain uses the default *.cloudfront.net certificate; int/prod use a custom ACM certificate (settings module enforces a domain there).
  enabled         = true
  comment         = local.name
  aliases         = local.has_domain ? [local.settings.domain_name] : []
  http_version    = "http2and3"
  is_ipv6_enabled = true
  price_class     = "PriceClass_100"
  web_acl_id      = aws_wafv2_web_acl.this.arn
  # The provider would wait up to 90 minutes for the edge to deploy, beyond the deploy job's
  # limit (a killed job leaves the state locked); the edge finishes on its own in minutes.
  wait_for_deployment = false

  dynamic "origin" {
    for_each = local.region_keys
    content {
      origin_id                = "static-${local.regions[origin.value].region}"
      domain_name              = local.static_domain[origin.value]
      origin_access_control_id = aws_cloudfront_origin_access_control.static.id
    }
  }

  # Each region's ALB under its own name, and (with a standby) the failover name for POST.
  dynamic "origin" {
    for_each = merge(
      { for k in local.region_keys : "alb-${local.regions[k].region}" => local.origin_domain[k] },
      local.has_standby ? { alb-failover = local.failover_origin_host } : {},
    )
    content {
      origin_id           = origin.key
      domain_name         = origin.value
      connection_attempts = local.failover.origin_connection_attempts
      connection_timeout  = local.failover.origin_connection_timeout

      custom_origin_config {
        http_port                = 80
        https_port               = 443
        origin_protocol_policy   = local.has_domain ? "https-only" : "http-only"
        origin_ssl_protocols     = ["TLSv1.2"]
        origin_read_timeout      = local.failover.origin_read_timeout
        origin_keepalive_timeout = 5
      }

      custom_header {
        name  = local.origin_header
        value = local.origin_secret
      }
    }
  }

  dynamic "origin_group" {
    for_each = local.has_standby ? {
      static = { codes = local.static_failover_codes, members = [for k in local.region_keys : "static-${local.regions[k].region}"] }
      app    = { codes = local.failover.failover_status_codes, members = [for k in local.region_keys : "alb-${local.regions[k].region}"] }
    } : {}
    content {
      origin_id = origin_group.key
      failover_criteria {
        status_codes = origin_group.value.codes
      }
      dynamic "member" {
        for_each = origin_group.value.members
        content {
          origin_id = member.value
        }
      }
    }
  }

  ordered_cache_behavior {
    path_pattern               = "/pkg/*"
    target_origin_id           = local.static_target
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = local.read_methods
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.immutable.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
  }

  # Server functions (POST) with a standby: to the failover name, which Route 53 answers
  # with the healthy region (failover.tf).
  dynamic "ordered_cache_behavior" {
    for_each = local.has_standby ? [local.server_function_path] : []
    content {
      path_pattern               = ordered_cache_behavior.value
      target_origin_id           = "alb-failover"
      viewer_protocol_policy     = "redirect-to-https"
      allowed_methods            = local.all_methods
      cached_methods             = ["GET", "HEAD"]
      compress                   = true
      cache_policy_id            = aws_cloudfront_cache_policy.ssr.id
      origin_request_policy_id   = aws_cloudfront_origin_request_policy.ssr.id
      response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
    }
  }

  # Pages. With a standby only the read methods, as an origin group requires; a POST
  # elsewhere than /api/* gets CloudFront's 403 (the app has none).
  default_cache_behavior {
    target_origin_id           = local.app_target
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = local.has_standby ? local.read_methods : local.all_methods
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = aws_cloudfront_cache_policy.ssr.id
    origin_request_policy_id   = aws_cloudfront_origin_request_policy.ssr.id
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
  }

  logging_config {
    bucket          = module.cdn_logs.log_target.domain_name
    prefix          = "cloudfront/"
    include_cookies = false
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    cloudfront_default_certificate = !local.has_domain
    acm_certificate_arn            = local.has_domain ? aws_acm_certificate_validation.cdn[0].certificate_arn : null
    ssl_support_method             = local.has_domain ? "sni-only" : null
    minimum_protocol_version       = local.has_domain ? "TLSv1.2_2021" : "TLSv1"
  }
}

resource "aws_route53_record" "public" {
  for_each = local.has_domain ? toset(["A", "AAAA"]) : toset([])
  zone_id  = local.settings.hosted_zone_id
  name     = local.settings.domain_name
  type     = each.key
  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}

# ---- WAF (CLOUDFRONT scope lives in us-east-1) ----

resource "aws_wafv2_web_acl" "this" {
  provider    = aws.us_east_1
  name        = local.name
  description = "hn-reader ${local.env}: AWS managed rules + per-IP rate limit"
  scope       = "CLOUDFRONT"

  default_action {
    allow {}
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 0
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit                 = local.settings.waf_rate_limit
        aggregate_key_type    = "IP"
        evaluation_window_sec = 300
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "AWSManagedRulesAmazonIpReputationList"
    priority = 1
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesAmazonIpReputationList"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "AWSManagedRulesAmazonIpReputationList"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "AWSManagedRulesCommonRuleSet"
    priority = 2
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesCommonRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "AWSManagedRulesCommonRuleSet"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "AWSManagedRulesKnownBadInputsRuleSet"
    priority = 3
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "AWSManagedRulesKnownBadInputsRuleSet"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "AWSManagedRulesSQLiRuleSet"
    priority = 4
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        vendor_name = "AWS"
        name        = "AWSManagedRulesSQLiRuleSet"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "AWSManagedRulesSQLiRuleSet"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = local.name
    sampled_requests_enabled   = true
  }
}

# WAF requires the log group name to start with aws-waf-logs-.
resource "aws_cloudwatch_log_group" "waf" {
  provider          = aws.us_east_1
  name              = "aws-waf-logs-${local.name}"
  retention_in_days = local.settings.log_retention_days
  kms_key_id        = aws_kms_key.us_east_1.arn
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  provider                = aws.us_east_1
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

# ---- CloudFront standard logs (need ACLs: CloudFront writes with the awslogsdelivery ACL) ----

module "cdn_logs" {
  #checkov:skip=CKV_AWS_18: This is an access-log bucket; logging it would only move the problem.
  #checkov:skip=CKV_AWS_145: Kept on SSE-S3 like the other log bucket; CloudFront log delivery with SSE-KMS needs a key grant to the awslogsdelivery account, not worth it for access logs.
  #checkov:skip=CKV2_AWS_65: CloudFront standard logging requires ACLs (BucketOwnerPreferred); the bucket still blocks public ACLs.
  source           = "./modules/private-bucket"
  name             = "${local.name}-cdn-logs-${local.account_id}"
  force_destroy    = !local.settings.deletion_protection
  kms_key_arn      = null # SSE-S3: see the CKV_AWS_145 skip above
  object_ownership = "BucketOwnerPreferred"

  lifecycle_rules = [{
    id                                     = "expire-logs"
    expiration_days                        = 365
    noncurrent_version_expiration_days     = 7
    abort_incomplete_multipart_upload_days = 1
  }]
}

# ---- the origin secret: generated, stored encrypted, never in the repo; one for every
# region, because the POST failover origin reaches whichever Route 53 answers ----

# Secrets Manager generates a new value on every read; the parameter keeps the first one
# (ignore_changes) and everything else reads the parameter. Rotate with
# `terraform apply -replace=aws_ssm_parameter.origin_header`.
data "aws_secretsmanager_random_password" "origin_header" {
  password_length     = 48
  exclude_punctuation = true
}

resource "aws_ssm_parameter" "origin_header" {
  name        = "/hn-reader/${local.env}/cloudfront-origin-secret"
  description = "Value of the ${local.origin_header} header CloudFront adds and the ALB requires"
  type        = "SecureString"
  key_id      = module.primary.kms_key_arn
  value       = data.aws_secretsmanager_random_password.origin_header.random_password

  lifecycle {
    ignore_changes = [value]
  }
}

locals {
  origin_secret = aws_ssm_parameter.origin_header.value
}
