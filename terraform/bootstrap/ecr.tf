# Decision: one ECR repository in the tooling account. The image is built and scanned
# once, and dev, int and prod pull the very same digest cross-account (their task
# execution roles have ecr:BatchGetImage on this repository; this policy lets them in).

resource "aws_ecr_repository" "app" {
  name                 = local.tooling.ecr_repository
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.tooling.arn
  }
}

# Images an environment ran are kept by their deployment tags (<env>-<run id>, added by
# scripts/deploy.sh after each deployment): a rule that selects an image protects it from the
# lower-priority ones. tools/terraform/ecr_lifecycle_check.py simulates the rules.
resource "aws_ecr_lifecycle_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy     = file("${path.module}/ecr-lifecycle.json")
}

data "aws_iam_policy_document" "ecr_pull" {
  statement {
    sid     = "EnvironmentAccountsPull"
    actions = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    principals {
      type        = "AWS"
      identifiers = [for a in local.accounts : "arn:aws:iam::${a}:root"]
    }
  }
}

resource "aws_ecr_repository_policy" "app" {
  repository = aws_ecr_repository.app.name
  policy     = data.aws_iam_policy_document.ecr_pull.json
}

# Pull-request images (pr.yml): pr-<number>, moved by each push to the pull request, never
# deployed; pulled by reviewers to try a change. Kept apart from the release repository so
# the PR role cannot write to what environments run.
resource "aws_ecr_repository" "pr" {
  #checkov:skip=CKV_AWS_51: pr-<number> is meant to move with each push to the pull request; nothing deploys from this repository (environments pull only hn-reader, which is immutable).
  name                 = "${local.tooling.ecr_repository}-pr"
  image_tag_mutability = "MUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.tooling.arn
  }
}

resource "aws_ecr_lifecycle_policy" "pr" {
  repository = aws_ecr_repository.pr.name
  policy = jsonencode({ rules = [{
    rulePriority = 1
    description  = "Pull-request images live 14 days after their last push"
    selection    = { tagStatus = "any", countType = "sinceImagePushed", countUnit = "days", countNumber = 14 }
    action       = { type = "expire" }
  }] })
}

# The CI image (ci/Dockerfile, ci-image.yml): the toolchain every pipeline job runs in.
resource "aws_ecr_repository" "ci" {
  name                 = "${local.tooling.ecr_repository}-ci"
  image_tag_mutability = "IMMUTABLE"
  image_scanning_configuration {
    scan_on_push = true
  }
  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.tooling.arn
  }
}

resource "aws_ecr_lifecycle_policy" "ci" {
  repository = aws_ecr_repository.ci.name
  policy = jsonencode({ rules = [{
    rulePriority = 1
    description  = "Keep the last 20 CI images (the runners use the one pinned in the settings)"
    selection    = { tagStatus = "any", countType = "imageCountMoreThan", countNumber = 20 }
    action       = { type = "expire" }
  }] })
}
