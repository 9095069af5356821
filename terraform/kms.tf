# One customer-managed key per environment for logs, SNS and the static bucket, and
# one in us-east-1 for the WAF log group (WAF for CloudFront logs from us-east-1).

# What every key policy here starts with, per region: the account administers the key,
# CloudWatch alarms may publish to the topics it encrypts, and CloudWatch Logs of that region
# may use it for this account's log groups. The us-east-1 key's policy is exactly this; the
# main key's adds CloudFront.
data "aws_iam_policy_document" "kms_base" {
  #checkov:skip=CKV_AWS_109: Key policy: "*" as resource means "this key"; the statements are scoped by principal (account root, service principals with source conditions).
  #checkov:skip=CKV_AWS_111: Key policy: "*" as resource means "this key"; write access is limited to the account root and service principals with conditions.
  #checkov:skip=CKV_AWS_356: Key policy: the only valid resource in a KMS key policy is "*" (the key itself).
  for_each = toset([local.region, "us-east-1"])

  statement {
    sid       = "AccountAdmin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # Alarms notify SNS topics encrypted with these keys (the primary topic and the us-east-1
  # one of the WAF alarm): CloudWatch needs the key to publish.
  statement {
    sid       = "CloudWatchAlarmsToEncryptedSns"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }

  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${each.key}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${local.partition}:logs:${each.key}:${local.account_id}:log-group:*"]
    }
  }
}

data "aws_iam_policy_document" "kms_main" {
  #checkov:skip=CKV_AWS_111: Key policy: "*" as resource means "this key"; these statements only let the CloudWatch and CloudFront (source-ARN-scoped) service principals decrypt and generate data keys.
  #checkov:skip=CKV_AWS_356: Key policy: the only valid resource in a KMS key policy is "*" (the key itself).
  source_policy_documents = [data.aws_iam_policy_document.kms_base[local.region].json]

  statement {
    sid       = "CloudFrontReadsStaticAssets"
    actions   = ["kms:Decrypt"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "AWS:SourceArn"
      values   = ["arn:${local.partition}:cloudfront::${local.account_id}:distribution/*"]
    }
  }
}

resource "aws_kms_key" "main" {
  description             = "${local.name}: logs, SNS, static assets"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_main.json
}

resource "aws_kms_alias" "main" {
  name          = "alias/${local.name}"
  target_key_id = aws_kms_key.main.key_id
}

resource "aws_kms_key" "us_east_1" {
  provider                = aws.us_east_1
  description             = "${local.name}: WAF logs (us-east-1)"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.kms_base["us-east-1"].json
}
