# Everything per-environment lives in modules/settings; the only input is the
# image the pipeline promotes. There is no -var-file.

variable "image_digest" {
  description = "Digest (sha256:...) of the hn-reader image in the tooling account's ECR repository. The pipeline passes the same digest to dev, int and prod; an operator re-applying by hand passes the deployed one (terraform output -raw image_digest)."
  type        = string

  validation {
    condition     = can(regex("^sha256:[a-f0-9]{64}$", var.image_digest))
    error_message = "image_digest must be an image digest like sha256:<64 hex chars>; tags such as :latest are never deployed."
  }
}
