# The image this region runs, recorded where the region's own apply can read it back: the
# root reads the primary's record (image_digest's default), and the pipeline's release-lag
# check compares the records of every region (scripts/release-lag.sh).

resource "aws_ssm_parameter" "image_digest" {
  #checkov:skip=CKV2_AWS_34: An image digest is public build metadata, not a secret: a plain String parameter.
  name        = "/hn-reader/${local.env}/release/image-digest"
  description = "Image digest the ${local.env} workspace runs in ${local.region} (written by terraform apply, read when -var image_digest is not given)"
  type        = "String"
  value       = var.image_digest
}
