# Pipeline jobs run on CodeBuild-hosted GitHub Actions runners in the tooling account:
# a job with `runs-on: codebuild-hn-reader-runner-<run id>-<attempt>` makes GitHub send a
# WORKFLOW_JOB_QUEUED webhook, and CodeBuild starts a runner for it in the CI image
# (ci/Dockerfile, pinned by digest in the settings). The runner's own role can only pull
# that image and write its log; a job gets its AWS rights from its GitHub OIDC role.
#
# No runner exists until the CI image does: without tooling.ci_image_digest (null until
# ci-image.yml, on GitHub's runner, pushed the first one) the project and its webhook are
# not created, so no job ever runs in an image other than the pinned CI image; the jobs
# wait queued. Order: bootstrap, ci-image.yml, the digest into the settings by a pull
# request, bootstrap again (terraform/README.md, "First deploy").
#
# The GitHub connection is created PENDING: an administrator completes it once in the
# console (Developer Tools > Connections), installing the AWS Connector GitHub App on the
# repository. Until then no runner starts.

resource "aws_codestarconnections_connection" "github" {
  name          = "hn-reader-github"
  provider_type = "GitHub"
}

data "aws_iam_policy_document" "runner_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["codebuild.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.tooling.account_id]
    }
  }
}

resource "aws_iam_role" "runner" {
  name               = "hn-reader-runner"
  assume_role_policy = data.aws_iam_policy_document.runner_trust.json
}

data "aws_iam_policy_document" "runner" {
  statement {
    sid       = "RunnerLog"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.pipeline["runners"].arn}:log-stream:*"]
  }
  statement {
    sid       = "EcrAuth"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # no resource-level permissions for this action
  }
  statement {
    sid       = "PullCiImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [aws_ecr_repository.ci.arn]
  }
  statement {
    sid       = "GitHubConnection"
    actions   = ["codeconnections:GetConnectionToken", "codeconnections:GetConnection", "codestar-connections:GetConnectionToken", "codestar-connections:GetConnection"]
    resources = [aws_codestarconnections_connection.github.arn]
  }
}

resource "aws_iam_role_policy" "runner" {
  name   = "runner"
  role   = aws_iam_role.runner.id
  policy = data.aws_iam_policy_document.runner.json
}

locals {
  # the CI image by digest, or no runner at all
  ci_image = local.tooling.ci_image_digest == null ? null : "${aws_ecr_repository.ci.repository_url}@${local.tooling.ci_image_digest}"
}

resource "aws_codebuild_project" "runner" {
  #checkov:skip=CKV_AWS_316: Privileged mode runs the Docker daemon the image build needs (make image-push); the runner holds no AWS rights beyond pulling the CI image and writing its log.
  count          = local.ci_image == null ? 0 : 1
  name           = "hn-reader-runner"
  description    = "GitHub Actions runners for ${local.repo} (terraform/bootstrap/runners.tf)"
  service_role   = aws_iam_role.runner.arn
  build_timeout  = 90
  encryption_key = aws_kms_key.tooling.arn

  artifacts {
    type = "NO_ARTIFACTS"
  }

  environment {
    compute_type                = "BUILD_GENERAL1_LARGE" # 8 vCPU / 15 GB: the Rust build of make test
    image                       = local.ci_image
    image_pull_credentials_type = "SERVICE_ROLE" # the runner role pulls the CI image from the tooling ECR
    type                        = "LINUX_CONTAINER"
    privileged_mode             = true
  }

  source {
    type     = "GITHUB"
    location = "https://github.com/${local.repo}.git"
    auth {
      type     = "CODECONNECTIONS"
      resource = aws_codestarconnections_connection.github.arn
    }
  }

  logs_config {
    cloudwatch_logs {
      group_name = aws_cloudwatch_log_group.pipeline["runners"].name
    }
  }

  depends_on = [aws_iam_role_policy.runner]
}

resource "aws_codebuild_webhook" "runner" {
  count        = length(aws_codebuild_project.runner)
  project_name = aws_codebuild_project.runner[0].name
  build_type   = "BUILD"
  filter_group {
    filter {
      type    = "EVENT"
      pattern = "WORKFLOW_JOB_QUEUED"
    }
  }
}
# (Adding count moved the existing project and webhook to [0] implicitly: Terraform does that for index 0.)
