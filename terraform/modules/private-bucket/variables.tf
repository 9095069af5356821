variable "name" {
  description = "Bucket name (globally unique)."
  type        = string
}

variable "force_destroy" {
  description = "Allow `terraform destroy` to empty the bucket (only where deletion protection is off)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "Customer-managed KMS key for SSE-KMS (with an S3 bucket key). null = SSE-S3 (AES256), for log buckets whose AWS delivery service cannot write SSE-KMS objects."
  type        = string
  default     = null
}

variable "object_ownership" {
  description = "BucketOwnerEnforced (ACLs disabled) unless a log delivery service writes with ACLs (CloudFront standard logs: BucketOwnerPreferred)."
  type        = string
  default     = "BucketOwnerEnforced"
  validation {
    condition     = contains(["BucketOwnerEnforced", "BucketOwnerPreferred"], var.object_ownership)
    error_message = "object_ownership must be BucketOwnerEnforced or BucketOwnerPreferred (ObjectWriter would let writers keep ownership)."
  }
}

variable "access_log" {
  description = "Where S3 server access logs of this bucket go ({ bucket, prefix }); null for a bucket that is itself a log bucket."
  type = object({
    bucket = string
    prefix = string
  })
  default = null
}

variable "lifecycle_rules" {
  description = "Lifecycle rules, each applied to the whole bucket. Every rule aborts incomplete multipart uploads and expires noncurrent versions (the bucket is versioned); expiration and a storage-class transition of current versions are optional."
  type = list(object({
    id                                     = string
    noncurrent_version_expiration_days     = number
    abort_incomplete_multipart_upload_days = number
    expiration_days                        = optional(number)
    transition = optional(object({
      days          = number
      storage_class = string
    }))
  }))
  validation {
    condition     = length(var.lifecycle_rules) > 0
    error_message = "Give at least one lifecycle rule: a versioned bucket without one keeps every noncurrent version forever."
  }
}

variable "policy_documents" {
  description = "IAM policy documents (JSON) whose statements go into the bucket policy before the module's DenyInsecureTransport statement, e.g. read access for CloudFront or write access for log delivery."
  type        = list(string)
  default     = []
}
