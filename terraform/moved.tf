# The S3 buckets moved into modules/private-bucket: these blocks make Terraform move the
# existing state entries instead of destroying and recreating them (a bucket must never
# be replaced). Keep them until every workspace (dev, int, prod) has applied this change.
# The bucket policies' data sources need no move (data sources are not in state for long).

moved {
  from = aws_s3_bucket.static
  to   = module.static.aws_s3_bucket.this
}
