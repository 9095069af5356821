# The release repository replicated into the standby region, so a standby whose primary
# region is gone still pulls (and scales out with) the very digest the primary ran. ECR
# copies every push (images and the deployment tags scripts/deploy.sh adds) within minutes;
# the pipeline waits for the digest in the replica before it deploys (scripts/deploy.sh).
# The replica is created here, not by the replication, so that it has its own key, the
# environments' pull policy and the same lifecycle: ECR copies neither policy.

resource "aws_ecr_replication_configuration" "standby" {
  replication_configuration {
    rule {
      destination {
        region      = local.replica_region
        registry_id = local.tooling.account_id
      }
      repository_filter {
        filter      = local.tooling.ecr_repository
        filter_type = "PREFIX_MATCH"
      }
    }
  }
  depends_on = [aws_ecr_repository.replica]
}

resource "aws_kms_key" "replica" {
  provider            = aws.replica
  description         = "hn-reader tooling: ECR replica (${local.replica_region})"
  enable_key_rotation = true
  policy              = data.aws_iam_policy_document.kms.json
}

resource "aws_ecr_repository" "replica" {
  provider             = aws.replica
  name                 = local.tooling.ecr_repository
  image_tag_mutability = "IMMUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = aws_kms_key.replica.arn
  }
}

resource "aws_ecr_lifecycle_policy" "replica" {
  provider   = aws.replica
  repository = aws_ecr_repository.replica.name
  policy     = file("${path.module}/ecr-lifecycle.json")
}

resource "aws_ecr_repository_policy" "replica" {
  provider   = aws.replica
  repository = aws_ecr_repository.replica.name
  policy     = data.aws_iam_policy_document.ecr_pull.json
}
