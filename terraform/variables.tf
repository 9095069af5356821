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

variable "terraform_role_arn" {
  description = "The role the aws provider assumes in the workspace's account. null: its deploy role (modules/settings). The pipeline plans with the read-only hn-reader-plan role and applies that saved plan with the deploy role: ephemeral, so a saved plan keeps neither and each phase gives its own."
  type        = string
  default     = null
  ephemeral   = true

  validation {
    condition     = var.terraform_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/hn-reader-(plan|deploy)$", var.terraform_role_arn))
    error_message = "terraform_role_arn: the workspace account's hn-reader-plan or hn-reader-deploy role ARN, or null."
  }
}
