variable "image_digest" {
  description = "sha256:<64 hex> of the image, the digest AWS runs; scripts/mirror-image.sh copies it into the Artifact Registry repository first."
  type        = string

  validation {
    condition     = can(regex("^sha256:[a-f0-9]{64}$", var.image_digest))
    error_message = "image_digest must be sha256:<64 hex chars>; tags are never deployed."
  }
}
