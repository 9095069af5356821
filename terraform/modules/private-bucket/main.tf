# A private S3 bucket with the hardening every bucket of this stack gets: public access
# blocked, ACLs disabled (unless log delivery needs them), versioning, default encryption
# (SSE-KMS with a bucket key, or SSE-S3 where the writing AWS service needs it), a
# lifecycle, optional server access logging, and a bucket policy that denies non-TLS access
# after the caller's own statements.
#
# checkov skips: those that hold for every bucket are inline below; those that hold only
# for some callers (a log bucket has no access log of its own, SSE-S3, ACLs for CloudFront
# logs) are on the caller's `module` block, which checkov pushes down to that instance only,
# so the buckets that pass those checks keep being checked.

resource "aws_s3_bucket" "this" {
  #checkov:skip=CKV_AWS_144: No cross-region replication: the static bucket holds build artifacts the pipeline can re-upload (and CloudFront caches at the edge); log buckets hold diagnostic data with a retention limit, not a system of record.
  #checkov:skip=CKV2_AWS_62: No consumer for event notifications: static objects are written only by the pipeline and read by CloudFront; log objects are written only by AWS log delivery.
  bucket        = var.name
  force_destroy = var.force_destroy
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = var.object_ownership
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
    bucket_key_enabled = var.kms_key_arn == null ? null : true
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "this" {
  bucket = aws_s3_bucket.this.id

  dynamic "rule" {
    for_each = var.lifecycle_rules
    content {
      id     = rule.value.id
      status = "Enabled"
      filter {}

      dynamic "transition" {
        for_each = rule.value.transition == null ? [] : [rule.value.transition]
        content {
          days          = transition.value.days
          storage_class = transition.value.storage_class
        }
      }

      dynamic "expiration" {
        for_each = rule.value.expiration_days == null ? [] : [rule.value.expiration_days]
        content {
          days = expiration.value
        }
      }

      noncurrent_version_expiration {
        noncurrent_days = rule.value.noncurrent_version_expiration_days
      }

      abort_incomplete_multipart_upload {
        days_after_initiation = rule.value.abort_incomplete_multipart_upload_days
      }
    }
  }
}

resource "aws_s3_bucket_logging" "this" {
  count         = var.access_log == null ? 0 : 1
  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log.bucket
  target_prefix = var.access_log.prefix
}

data "aws_iam_policy_document" "this" {
  source_policy_documents = var.policy_documents

  statement {
    sid       = "DenyInsecureTransport"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    # {"AWS": "*"}: the same as "*" (everyone, anonymous too); moto 5.2.5 cannot read a
    # plain "*" principal when it checks a log target's policy.
    principals {
      type        = "AWS"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket     = aws_s3_bucket.this.id
  policy     = data.aws_iam_policy_document.this.json
  depends_on = [aws_s3_bucket_public_access_block.this]
}
