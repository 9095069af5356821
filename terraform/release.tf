# The image this workspace runs. Every apply records it in SSM in each region
# (modules/region/release.tf); an apply without -var image_digest=... (an operator's
# `terraform workspace select dev && terraform apply`) reads the primary's record back and
# keeps the running image.

locals {
  release_path     = "/hn-reader/${local.env}/release"
  digest_parameter = "${local.release_path}/image-digest"
  # The provider marks every value by path sensitive; a digest is not a secret.
  recorded_digest = try(nonsensitive(data.aws_ssm_parameters_by_path.release.values[index(data.aws_ssm_parameters_by_path.release.names, local.digest_parameter)]), null)
  image_digest    = var.image_digest != null ? var.image_digest : local.recorded_digest
}

# By path: unlike aws_ssm_parameter, it returns nothing (no error) before the first apply.
data "aws_ssm_parameters_by_path" "release" {
  path = local.release_path
}
