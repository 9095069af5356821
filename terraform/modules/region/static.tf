# S3 buckets of the region: hashed static assets (/pkg/*) served by CloudFront through OAC
# (the pipeline syncs the same files into every region's bucket), and the region's logs.
# The hardening every bucket shares (public access block, ownership, versioning,
# encryption, lifecycle, access logging, TLS-only policy) is modules/private-bucket; what
# differs per bucket is below. checkov skips that hold for one bucket only sit on its
# module block (checkov applies them to that instance's resources only).

# ---- static assets ----

# Versioned, and the pipeline syncs WITHOUT --delete: the previous release's hashed
# files stay, so a page that loaded old HTML during a rolling deploy still gets its
# old /pkg/hn-reader.<hash>.{js,wasm,css}. Lifecycle trims only noncurrent versions.
locals {
  static_bucket_name       = "${local.name}-static-${local.account_id}"
  static_access_log_prefix = "s3/static/"
}

module "static" {
  source        = "../private-bucket"
  name          = local.static_bucket_name
  force_destroy = !local.settings.deletion_protection
  kms_key_arn   = aws_kms_key.main.arn
  access_log    = { bucket = module.logs.log_target.id, prefix = local.static_access_log_prefix }

  lifecycle_rules = [{
    id                                     = "noncurrent-versions"
    noncurrent_version_expiration_days     = 90
    abort_incomplete_multipart_upload_days = 7
  }]

  policy_documents = [data.aws_iam_policy_document.static_cloudfront_read.json]
}

data "aws_iam_policy_document" "static_cloudfront_read" {
  statement {
    sid       = "CloudFrontOACRead"
    actions   = ["s3:GetObject"]
    resources = ["${module.static.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [var.cloudfront_distribution_arn]
    }
  }
}

# ---- logs: ALB access/connection logs and S3 server access logs ----

module "logs" {
  #checkov:skip=CKV_AWS_18: This is the access-log bucket; logging it into another bucket would only move the problem.
  #checkov:skip=CKV_AWS_145: ALB access-log delivery supports only SSE-S3 (AES256), not SSE-KMS.
  source        = "../private-bucket"
  name          = "${local.name}-logs-${local.account_id}"
  force_destroy = !local.settings.deletion_protection
  kms_key_arn   = null # SSE-S3: see the CKV_AWS_145 skip above

  lifecycle_rules = [{
    id                                     = "expire-logs"
    transition                             = { days = 30, storage_class = "STANDARD_IA" }
    expiration_days                        = 365
    noncurrent_version_expiration_days     = 7
    abort_incomplete_multipart_upload_days = 1
  }]

  policy_documents = [data.aws_iam_policy_document.logs_delivery.json]
}

data "aws_elb_service_account" "this" {}

locals {
  alb_log_objects = [for p in ["alb", "alb-connections"] : "${module.logs.arn}/${p}/AWSLogs/${local.account_id}/*"]
}

data "aws_iam_policy_document" "logs_delivery" {
  statement {
    sid       = "AlbLogDeliveryLegacyRegions"
    actions   = ["s3:PutObject"]
    resources = local.alb_log_objects
    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.this.arn]
    }
  }

  statement {
    sid       = "AlbLogDelivery"
    actions   = ["s3:PutObject"]
    resources = local.alb_log_objects
    principals {
      type        = "Service"
      identifiers = ["logdelivery.elasticloadbalancing.amazonaws.com"]
    }
  }

  # Only the static bucket's access logs, only under its prefix.
  statement {
    sid       = "S3ServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${module.logs.arn}/${local.static_access_log_prefix}*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }
    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:s3:::${local.static_bucket_name}"]
    }
  }
}
