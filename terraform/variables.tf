# Everything per-environment lives in modules/settings; the only input is the image the
# pipeline promotes, and even that has a default (release.tf). There is no -var-file.

variable "image_digest" {
  description = "Digest (sha256:...) of the hn-reader image in the tooling account's ECR repository. The pipeline passes the digest it promotes. Default (null): the digest this workspace last applied, recorded in SSM (/hn-reader/<workspace>/release/image-digest), so a plain `terraform apply` keeps what runs; the first apply of a workspace has no record and needs the variable."
  type        = string
  default     = null

  validation {
    condition     = var.image_digest == null || can(regex("^sha256:[a-f0-9]{64}$", var.image_digest))
    error_message = "image_digest must be an image digest like sha256:<64 hex chars>; tags such as :latest are never deployed."
  }

  validation {
    condition     = var.image_digest != null || local.recorded_digest != null
    error_message = "This workspace has no image yet: its first apply needs -var image_digest=sha256:<digest> (make image-push prints it). Later applies without it keep the recorded image (SSM /hn-reader/<workspace>/release/image-digest)."
  }
}
