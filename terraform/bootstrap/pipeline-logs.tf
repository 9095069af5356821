# Pipeline logs in the tooling account, KMS-encrypted, kept a year:
#   /hn-reader/pipeline/jobs     every job's log of every run (pipeline-log.yml), one stream
#                                per job: <commit>/<run id>-<attempt>/<job name>
#   /hn-reader/pipeline/events   deploy events (scripts/deploy.sh via pipeline-event.sh), JSON
#                                {event, env, commit, digest, run, result}, streams <env>-<run id>
#   /hn-reader/pipeline/runners  the CodeBuild runners' own logs (runners.tf)
# Saved Logs Insights queries find a commit's or an environment's history.

data "aws_iam_policy_document" "pipeline_logs_key" {
  #checkov:skip=CKV_AWS_109: Key policy: "*" as resource means "this key"; only the account root administers it.
  #checkov:skip=CKV_AWS_111: Key policy: "*" as resource means "this key"; CloudWatch Logs may use it only for this account's pipeline log groups (encryption-context condition).
  #checkov:skip=CKV_AWS_356: Key policy: the only valid resource in a KMS key policy is "*" (the key itself).
  statement {
    sid       = "AccountAdmin"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${local.tooling.account_id}:root"]
    }
  }
  statement {
    sid       = "CloudWatchLogs"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${local.tooling.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${local.tooling.region}:${local.tooling.account_id}:log-group:/hn-reader/pipeline/*"]
    }
  }
}

resource "aws_kms_key" "pipeline_logs" {
  description         = "hn-reader tooling: pipeline logs"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.pipeline_logs_key.json
}

resource "aws_cloudwatch_log_group" "pipeline" {
  for_each          = toset(["jobs", "events", "runners"])
  name              = "/hn-reader/pipeline/${each.key}"
  retention_in_days = 365
  kms_key_id        = aws_kms_key.pipeline_logs.arn
}

resource "aws_cloudwatch_query_definition" "by_commit" {
  name            = "hn-reader/pipeline/by-commit"
  log_group_names = [aws_cloudwatch_log_group.pipeline["jobs"].name, aws_cloudwatch_log_group.pipeline["events"].name]
  query_string    = <<-EOT
    fields @timestamp, @logStream, env, event, result, @message
    | filter @logStream like "COMMIT" or commit = "COMMIT"
    | sort @timestamp asc
  EOT
}

resource "aws_cloudwatch_query_definition" "deploys_by_environment" {
  name            = "hn-reader/pipeline/deploys-by-environment"
  log_group_names = [aws_cloudwatch_log_group.pipeline["events"].name]
  query_string    = <<-EOT
    fields @timestamp, env, commit, digest, result, run
    | filter event = "deploy" and env = "ENV"
    | sort @timestamp desc
  EOT
}
