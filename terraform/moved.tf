# Resources that changed address when duplicated code was merged: these blocks make
# Terraform move the existing state entries instead of destroying and recreating them (a
# bucket must never be replaced). Keep them until every workspace (dev, int, prod) has
# applied this change. Data sources need no move: they are read again on every plan.
#
# The S3 buckets moved into modules/private-bucket (static.tf).

# ---- static ----

moved {
  from = aws_s3_bucket.static
  to   = module.static.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.static
  to   = module.static.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.static
  to   = module.static.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.static
  to   = module.static.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.static
  to   = module.static.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.static
  to   = module.static.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.static
  to   = module.static.aws_s3_bucket_policy.this
}

moved {
  from = aws_s3_bucket_logging.static
  to   = module.static.aws_s3_bucket_logging.this[0]
}

# ---- logs ----

moved {
  from = aws_s3_bucket.logs
  to   = module.logs.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.logs
  to   = module.logs.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.logs
  to   = module.logs.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.logs
  to   = module.logs.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs
  to   = module.logs.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.logs
  to   = module.logs.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.logs
  to   = module.logs.aws_s3_bucket_policy.this
}

# ---- cdn_logs ----

moved {
  from = aws_s3_bucket.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket.this
}

moved {
  from = aws_s3_bucket_public_access_block.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_public_access_block.this
}

moved {
  from = aws_s3_bucket_ownership_controls.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_ownership_controls.this
}

moved {
  from = aws_s3_bucket_versioning.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_versioning.this
}

moved {
  from = aws_s3_bucket_server_side_encryption_configuration.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_server_side_encryption_configuration.this
}

moved {
  from = aws_s3_bucket_lifecycle_configuration.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_lifecycle_configuration.this
}

moved {
  from = aws_s3_bucket_policy.cdn_logs
  to   = module.cdn_logs.aws_s3_bucket_policy.this
}

# ---- CPU and memory alarms: one for_each resource (observability.tf) ----

moved {
  from = aws_cloudwatch_metric_alarm.cpu_high
  to   = aws_cloudwatch_metric_alarm.utilization_high["cpu"]
}

moved {
  from = aws_cloudwatch_metric_alarm.memory_high
  to   = aws_cloudwatch_metric_alarm.utilization_high["memory"]
}

# ---- ECS service: one resource per deployment controller (service.tf) ----

moved {
  from = aws_ecs_service.app
  to   = aws_ecs_service.rolling[0]
}
