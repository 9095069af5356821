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
