# One customer-managed key per region for logs, SNS, the static bucket and the origin secret.

module "key_policy" {
  source     = "../key-policy"
  region     = local.region
  account_id = local.account_id
  partition  = local.partition
}

data "aws_iam_policy_document" "kms_main" {
  #checkov:skip=CKV_AWS_111: Key policy: "*" as resource means "this key"; these statements only let the CloudWatch and CloudFront (source-ARN-scoped) service principals decrypt and generate data keys.
  #checkov:skip=CKV_AWS_356: Key policy: the only valid resource in a KMS key policy is "*" (the key itself).
  source_policy_documents = [module.key_policy.json]

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
