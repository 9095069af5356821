output "id" {
  description = "Bucket name (as the id other resources take)."
  value       = aws_s3_bucket.this.id
}

output "arn" {
  description = "Bucket ARN."
  value       = aws_s3_bucket.this.arn
}

output "bucket" {
  description = "Bucket name."
  value       = aws_s3_bucket.this.bucket
}

output "bucket_domain_name" {
  description = "bucket.s3.amazonaws.com (CloudFront standard logging takes this)."
  value       = aws_s3_bucket.this.bucket_domain_name
}

output "bucket_regional_domain_name" {
  description = "Regional domain name (a CloudFront S3 origin takes this)."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "log_target" {
  description = "The bucket as a log delivery target ({ id, domain_name }): known only once its policy and ownership controls are in place, so a log writer that takes it waits for them (S3 server access logs, ALB and CloudFront logs check on creation)."
  value = {
    id          = aws_s3_bucket.this.id
    domain_name = aws_s3_bucket.this.bucket_domain_name
  }
  depends_on = [aws_s3_bucket_policy.this, aws_s3_bucket_ownership_controls.this]
}
