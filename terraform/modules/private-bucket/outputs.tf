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
