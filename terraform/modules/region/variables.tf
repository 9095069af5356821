# One region of a workspace: network, ALB, ECS service, deployment, buckets, key, alarms and
# dashboard. The root instantiates it once per region of the settings (module.primary,
# module.standby) with that region's provider; what both regions share (CloudFront, WAF,
# the origin secret, DNS) stays in the root.

variable "env" {
  description = "Workspace name (dev, int, prod)."
  type        = string
}

variable "name" {
  description = "Prefix of this region's resource names (modules/settings output regions): hn-reader-<env> in the primary, hn-reader-<env>-<region code> in the standby, because IAM roles and S3 buckets are global."
  type        = string
}

variable "region" {
  description = "This region; must be the region of the aws provider passed in."
  type        = string
}

variable "role" {
  description = "primary or standby (tags, the release-lag widget)."
  type        = string

  validation {
    condition     = contains(["primary", "standby"], var.role)
    error_message = "role must be primary or standby."
  }
}

variable "settings" {
  description = "The workspace's settings (modules/settings output settings)."
  type        = any
}

variable "min_tasks" {
  description = "This region's autoscaling floor (primary: min_tasks; standby: standby_min_tasks)."
  type        = number
}

variable "ecr_repository" {
  description = "Repository URL and ARN in this region: the tooling account's repository, or its replica (bootstrap/ecr-replication.tf)."
  type        = object({ url = string, arn = string })
}

variable "image_digest" {
  description = "sha256:... of the image; the same in every region."
  type        = string
}

variable "origin_header" {
  description = "Name and value of the secret header CloudFront adds and the ALB requires (the same for every region: the POST failover origin reaches either)."
  type        = object({ name = string, value = string })
  sensitive   = true
}

variable "origin_host_names" {
  description = "With a domain: the names this region's ALB certificate covers, its own name first (origin-<code>.<domain>, then the failover name origin.<domain>). Empty without a domain."
  type        = list(string)
}

variable "cloudfront_distribution_arn" {
  description = "The distribution that reads the static bucket (bucket policy)."
  type        = string
}

variable "web_acl_name" {
  description = "Name of the CLOUDFRONT-scope web ACL (us-east-1), for the dashboard."
  type        = string
}

variable "release_regions" {
  description = "Every region of the workspace: the release-lag widget (a region whose ReleaseRun line is below another's runs an older release) and the release records each task reads for /status."
  type        = list(string)
}

variable "health_alarm" {
  description = "Period (seconds) and datapoints of the alarms behind this region's Route 53 health check (modules/settings variable failover)."
  type        = object({ period = number, periods = number })
}

variable "route53_health_check" {
  description = "Whether Route 53 health checks follow this region (workspaces with a standby: the failover record of POST server functions)."
  type        = bool
}
