# The image this region runs, in two records:
#   image-digest     written by every terraform apply: the digest the apply registered. The
#                    root reads the primary's back (image_digest's default), so a plain
#                    `terraform apply` keeps what runs.
#   deployed-digest  written by the pipeline (scripts/deploy.sh) once this region's deployment
#                    has finished. Terraform creates it and leaves its value alone; every task
#                    reads it in each region for /status, where a region whose deployment
#                    failed or has not run yet shows behind (src/server/release.rs).

locals {
  deployed_digest_parameter = "/hn-reader/${local.env}/release/deployed-digest"
}

resource "aws_ssm_parameter" "image_digest" {
  #checkov:skip=CKV2_AWS_34: An image digest is public build metadata, not a secret: a plain String parameter.
  name        = "/hn-reader/${local.env}/release/image-digest"
  description = "Image digest the ${local.env} workspace runs in ${local.region} (written by terraform apply, read when -var image_digest is not given)"
  type        = "String"
  value       = var.image_digest
}

resource "aws_ssm_parameter" "deployed_digest" {
  #checkov:skip=CKV2_AWS_34: An image digest is public build metadata, not a secret: a plain String parameter.
  name        = local.deployed_digest_parameter
  description = "Image digest whose deployment last finished in ${local.region} (written by scripts/deploy.sh; shown on /status)"
  type        = "String"
  # A new region starts with the digest its first apply runs; after that the pipeline owns it.
  value = var.image_digest

  lifecycle {
    ignore_changes = [value]
  }
}
