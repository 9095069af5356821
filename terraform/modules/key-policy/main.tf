# What every customer-managed key policy of the stack starts with, for one region: the
# account administers the key, CloudWatch alarms may publish to the SNS topics it encrypts,
# and CloudWatch Logs of that region may use it for this account's log groups. One module so
# the regional keys (modules/region) and the us-east-1 key (root) cannot drift apart.

terraform {
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.100.0, < 7.0.0"
    }
  }
}

variable "region" {
  description = "Region of the key (the Logs service principal and log-group ARNs are per region)."
  type        = string
}

variable "account_id" {
  description = "The account that owns the key."
  type        = string
}

variable "partition" {
  description = "AWS partition (aws)."
  type        = string
}

data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_109: Key policy: "*" as resource means "this key"; the statements are scoped by principal (account root, service principals with source conditions).
  #checkov:skip=CKV_AWS_111: Key policy: "*" as resource means "this key"; write access is limited to the account root and service principals with conditions.
  #checkov:skip=CKV_AWS_356: Key policy: the only valid resource in a KMS key policy is "*" (the key itself).
  statement {
    sid       = "AccountAdmin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:${var.partition}:iam::${var.account_id}:root"]
    }
  }

  # Alarms notify SNS topics encrypted with these keys: CloudWatch needs the key to publish.
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
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${var.partition}:logs:${var.region}:${var.account_id}:log-group:*"]
    }
  }
}

output "json" {
  description = "The key policy's base statements (use as source_policy_documents, or as the policy)."
  value       = data.aws_iam_policy_document.this.json
}
