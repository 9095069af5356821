variable "workspace" {
  description = "The Terraform workspace (terraform.workspace in the root). Must be dev, int or prod."
  type        = string

  validation {
    condition     = var.workspace != "default"
    error_message = "The default workspace is not used by this stack. Run `terraform workspace select dev` (or int, prod); create it once with `terraform workspace new dev`."
  }

  validation {
    condition     = var.workspace == "default" || contains(["dev", "int", "prod"], var.workspace)
    error_message = "Unknown workspace: only dev, int and prod have settings (terraform/modules/settings/variables.tf). Add an entry to var.environments before using a new workspace."
  }
}

# The one readable map of per-workspace settings. Edit the defaults below; the root
# module passes nothing but the workspace name, so no -var-file is ever needed.
# Account ids 1111..., 2222..., 3333..., 4444... and example.com are placeholders:
# replace them with your accounts and domain before the first apply.
variable "environments" {
  description = "Per-workspace settings, keyed by workspace name."
  type = map(object({
    account_id        = string           # the dedicated AWS account of this environment
    deploy_role_arn   = string           # role the aws provider assumes in that account
    region            = string           # primary region (CloudFront/WAF/ACM-for-CloudFront are always us-east-1)
    standby_region    = optional(string) # disaster-recovery region running the same module warm; null = single region
    standby_min_tasks = optional(number) # the standby's autoscaling floor (its ceiling is max_tasks)
    # The second cloud (terraform/dr-gcp): Cloud Run in this project and region, with
    # min_instances always running (0: cold standby). The pipeline signs in through the
    # project's workload identity pool "github" as hn-reader-deployer@<project_id>
    # (docs/disaster-recovery.md, one-time setup). null: none.
    second_cloud        = optional(object({ project_id = string, project_number = string, region = string, min_instances = number, max_instances = number }))
    az_count            = number           # 2 or 3
    single_nat_gateway  = bool             # true: one NAT for the VPC; false: one NAT per AZ
    task_cpu            = number           # Fargate CPU units
    task_memory         = number           # MiB, must be valid for task_cpu
    min_tasks           = number           # autoscaling floor
    max_tasks           = number           # autoscaling ceiling
    log_retention_days  = number           # CloudWatch Logs retention (app, flow logs, WAF)
    domain_name         = optional(string) # public host name; null = CloudFront default domain
    hosted_zone_id      = optional(string) # Route 53 zone for domain_name (same account)
    alarm_email         = string           # SNS email subscription for alarms
    waf_rate_limit      = number           # requests per 5 minutes per IP before WAF blocks
    deletion_protection = bool             # ALB deletion protection, log buckets force_destroy=false, etc.
    deployment_strategy = string           # ROLLING (ECS, by terraform apply) or BLUE_GREEN (CodeDeploy)
    deployment_config   = optional(string) # BLUE_GREEN: CodeDeploy traffic shift (CodeDeployDefault.ECS...)
    bake_time_minutes   = number           # BLUE_GREEN: minutes the old task set keeps running, for rollback
  }))

  default = {
    dev = {
      account_id          = "111111111111"
      deploy_role_arn     = "arn:aws:iam::111111111111:role/hn-reader-deploy"
      region              = "eu-west-1"
      az_count            = 2
      single_nat_gateway  = true
      task_cpu            = 256
      task_memory         = 512
      min_tasks           = 1
      max_tasks           = 2
      log_retention_days  = 14
      domain_name         = null
      hosted_zone_id      = null
      alarm_email         = "hn-reader-alerts-dev@example.com"
      waf_rate_limit      = 2000
      deletion_protection = false
      deployment_strategy = "ROLLING"
      deployment_config   = null
      bake_time_minutes   = 0
    }
    int = {
      account_id          = "222222222222"
      deploy_role_arn     = "arn:aws:iam::222222222222:role/hn-reader-deploy"
      region              = "eu-west-1"
      standby_region      = "eu-central-1"
      standby_min_tasks   = 1
      second_cloud        = { project_id = "hn-reader-int", project_number = "100000000002", region = "europe-west1", min_instances = 0, max_instances = 4 }
      az_count            = 3
      single_nat_gateway  = true
      task_cpu            = 512
      task_memory         = 1024
      min_tasks           = 2
      max_tasks           = 4
      log_retention_days  = 30
      domain_name         = "int.hn-reader.example.com"
      hosted_zone_id      = "Z0000000000000000INT"
      alarm_email         = "hn-reader-alerts-int@example.com"
      waf_rate_limit      = 2000
      deletion_protection = true
      deployment_strategy = "BLUE_GREEN"
      deployment_config   = "CodeDeployDefault.ECSLinear10PercentEvery1Minutes"
      bake_time_minutes   = 5
    }
    prod = {
      account_id          = "333333333333"
      deploy_role_arn     = "arn:aws:iam::333333333333:role/hn-reader-deploy"
      region              = "eu-west-1"
      standby_region      = "eu-central-1"
      standby_min_tasks   = 2
      second_cloud        = { project_id = "hn-reader-prod", project_number = "100000000003", region = "europe-west1", min_instances = 1, max_instances = 12 }
      az_count            = 3
      single_nat_gateway  = false
      task_cpu            = 512
      task_memory         = 1024
      min_tasks           = 3
      max_tasks           = 12
      log_retention_days  = 90
      domain_name         = "hn-reader.example.com"
      hosted_zone_id      = "Z000000000000000PROD"
      alarm_email         = "hn-reader-alerts@example.com"
      waf_rate_limit      = 1000
      deletion_protection = true
      deployment_strategy = "BLUE_GREEN"
      deployment_config   = "CodeDeployDefault.ECSCanary10Percent5Minutes"
      bake_time_minutes   = 15
    }
  }

  validation {
    condition     = alltrue([for k in keys(var.environments) : contains(["dev", "int", "prod"], k)])
    error_message = "environments: keys must be workspace names dev, int or prod."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : can(regex("^[0-9]{12}$", e.account_id))])
    error_message = "environments: account_id must be 12 digits."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : startswith(e.deploy_role_arn, "arn:aws:iam::${e.account_id}:role/")])
    error_message = "environments: deploy_role_arn must be an IAM role in the same account as account_id."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", e.region))])
    error_message = "environments: region must look like eu-west-1."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : e.standby_region == null ? true : can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", e.standby_region)) && e.standby_region != e.region])
    error_message = "environments: standby_region must be another region than region (like eu-central-1), or null."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : e.standby_region == null ? e.standby_min_tasks == null : (e.standby_min_tasks == null ? false : e.standby_min_tasks >= 1 && e.standby_min_tasks <= e.max_tasks)])
    error_message = "environments: a standby_region needs standby_min_tasks between 1 and max_tasks (warm standby: a standby without tasks could not take traffic at once), and only then."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : e.standby_region == null || e.domain_name != null])
    error_message = "environments: a standby_region needs domain_name: POST server functions fail over through a Route 53 record in its zone."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : e.second_cloud == null ? true : can(regex("^[a-z][a-z0-9-]{4,28}[a-z0-9]$", e.second_cloud.project_id)) && e.second_cloud.min_instances >= 0 && e.second_cloud.min_instances <= e.second_cloud.max_instances && e.domain_name != null])
    error_message = "environments: second_cloud needs a GCP project id, 0 <= min_instances <= max_instances, and a domain_name (make failover-cloud points it there)."
  }
  validation {
    condition     = alltrue([for k, e in var.environments : k != "prod" || e.standby_region != null])
    error_message = "environments: prod must have a standby_region (disaster recovery, docs/disaster-recovery.md)."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : contains([2, 3], e.az_count)])
    error_message = "environments: az_count must be 2 or 3."
  }
  validation {
    condition = alltrue([for e in values(var.environments) : contains(lookup({
      "256"  = [512, 1024, 2048]
      "512"  = [1024, 2048, 3072, 4096]
      "1024" = [2048, 3072, 4096, 5120, 6144, 7168, 8192]
      "2048" = [for m in range(4096, 16385, 1024) : m]
      "4096" = [for m in range(8192, 30721, 1024) : m]
    }, tostring(e.task_cpu), []), e.task_memory)])
    error_message = "environments: task_cpu/task_memory must be a valid Fargate combination (e.g. 256/512, 512/1024, 1024/2048)."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : e.min_tasks >= 1 && e.min_tasks <= e.max_tasks && e.max_tasks <= 50])
    error_message = "environments: need 1 <= min_tasks <= max_tasks <= 50."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], e.log_retention_days)])
    error_message = "environments: log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : (e.domain_name == null) == (e.hosted_zone_id == null)])
    error_message = "environments: set domain_name and hosted_zone_id together, or neither."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : e.domain_name == null || can(regex("^([a-z0-9-]+\\.)+[a-z]{2,}$", e.domain_name))])
    error_message = "environments: domain_name must be a lower-case DNS name."
  }
  validation {
    condition     = alltrue([for k, e in var.environments : k == "dev" || e.domain_name != null])
    error_message = "environments: int and prod must set domain_name/hosted_zone_id (end-to-end TLS to the ALB needs a certificate)."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : can(regex("^[^@ ]+@[^@ ]+\\.[a-z]{2,}$", e.alarm_email))])
    error_message = "environments: alarm_email must be an e-mail address."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : e.waf_rate_limit >= 10 && e.waf_rate_limit <= 2000000000])
    error_message = "environments: waf_rate_limit must be between 10 and 2,000,000,000 (AWS WAF limits)."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : contains(["ROLLING", "BLUE_GREEN"], e.deployment_strategy)])
    error_message = "environments: deployment_strategy must be ROLLING or BLUE_GREEN."
  }
  validation {
    condition     = alltrue([for e in values(var.environments) : (e.deployment_strategy == "BLUE_GREEN") == contains(keys(local.traffic_shift_minutes), coalesce(e.deployment_config, "none"))])
    error_message = "environments: BLUE_GREEN needs deployment_config, one of the CodeDeployDefault.ECS* configs in modules/settings/outputs.tf; ROLLING takes none."
  }
  validation {
    # The pipeline waits shift + bake + 10 minutes for CodeDeploy, inside its 60-minute job.
    condition     = alltrue([for e in values(var.environments) : e.bake_time_minutes >= 0 && (e.deployment_strategy == "BLUE_GREEN" ? lookup(local.traffic_shift_minutes, coalesce(e.deployment_config, "none"), 0) + e.bake_time_minutes <= 40 : e.bake_time_minutes == 0)])
    error_message = "environments: bake_time_minutes is 0 for ROLLING; for BLUE_GREEN, traffic shift + bake may take at most 40 minutes (the deploy job's time limit)."
  }
  validation {
    condition     = alltrue([for k, e in var.environments : k != "prod" || (e.deletion_protection && !e.single_nat_gateway && e.az_count == 3 && e.deployment_strategy == "BLUE_GREEN" && coalesce(e.deployment_config, "none") != "CodeDeployDefault.ECSAllAtOnce" && e.bake_time_minutes > 0)])
    error_message = "environments: prod must keep deletion_protection, a NAT per AZ, 3 AZs and BLUE_GREEN deployments that shift gradually (canary or linear) with a bake time."
  }
}

variable "tooling" {
  description = "The shared tooling account: holds the ECR repository (images are built once and pulled cross-account) and the Terraform state bucket."
  type = object({
    account_id     = string
    region         = string
    ecr_repository = string
    state_bucket   = string
    github_repo    = string
    # The CI image (ci/Dockerfile) the CodeBuild runners use, pushed by ci-image.yml to the
    # hn-reader-ci repository: sha256:<hex>; null until its first build (then there is no
    # runner at all, see terraform/bootstrap/runners.tf).
    ci_image_digest = optional(string)
  })
  default = {
    account_id      = "444444444444"
    region          = "eu-west-1"
    ecr_repository  = "hn-reader"
    state_bucket    = "hn-reader-tfstate-444444444444"
    github_repo     = "example-org/hn-reader"
    ci_image_digest = null
  }

  validation {
    condition     = can(regex("^[0-9]{12}$", var.tooling.account_id))
    error_message = "tooling.account_id must be 12 digits."
  }
  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9._/-]{1,255}$", var.tooling.ecr_repository))
    error_message = "tooling.ecr_repository must be a valid ECR repository name."
  }
  validation {
    condition     = var.tooling.ci_image_digest == null || can(regex("^sha256:[0-9a-f]{64}$", var.tooling.ci_image_digest))
    error_message = "tooling.ci_image_digest must be sha256:<64 hex> (ci-image.yml prints it) or null."
  }
  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.tooling.github_repo))
    error_message = "tooling.github_repo must be owner/name."
  }
}

variable "game_day_workspace" {
  description = "The workspace the scheduled game-day drill (.github/workflows/dr-drill.yml) takes a region away from; it must have a standby region."
  type        = string
  default     = "int"
}

# How failover is detected and how long it takes; the same for every workspace with a
# standby. The recovery objectives (output recovery_objectives, README, docs/disaster-recovery.md)
# are computed from these, so the stated figures follow any change here.
variable "failover" {
  description = "CloudFront origin failover, the regional health alarms behind the Route 53 failover record, and the DNS step of the cloud failover."
  type = object({
    origin_connection_attempts   = number       # CloudFront's tries to connect to the primary origin before failing over (1-3)
    origin_connection_timeout    = number       # seconds per try (1-10)
    origin_read_timeout          = number       # seconds CloudFront waits for a response before failing over (GET/HEAD)
    failover_status_codes        = list(number) # primary answers that send the request to the standby
    health_alarm_period          = number       # seconds per datapoint of a region's health alarm (ALB metrics: 60)
    health_alarm_periods         = number       # datapoints without a healthy target before Route 53 calls the region down
    alias_ttl                    = number       # TTL of Route 53 alias records to an ALB or CloudFront (fixed by AWS: 60 s)
    cloud_dns_ttl                = number       # TTL of the records make failover-cloud writes
    cloud_uptime_check_period    = number       # seconds between the second cloud's uptime checks of the public URL
    cloud_failover_decision_secs = number       # the runbook's time box for deciding to leave AWS (a target, not a measurement)
  })
  default = {
    origin_connection_attempts   = 2
    origin_connection_timeout    = 3
    origin_read_timeout          = 30
    failover_status_codes        = [500, 502, 503, 504]
    health_alarm_period          = 60
    health_alarm_periods         = 2
    alias_ttl                    = 60
    cloud_dns_ttl                = 60
    cloud_uptime_check_period    = 60
    cloud_failover_decision_secs = 600
  }

  validation {
    condition     = var.failover.origin_connection_attempts >= 1 && var.failover.origin_connection_attempts <= 3 && var.failover.origin_connection_timeout >= 1 && var.failover.origin_connection_timeout <= 10
    error_message = "failover: CloudFront allows 1-3 connection attempts of 1-10 seconds."
  }
  validation {
    condition     = var.failover.origin_read_timeout >= 1 && var.failover.origin_read_timeout <= 60
    error_message = "failover: origin_read_timeout must be 1-60 seconds (above 60 needs a quota increase)."
  }
  validation {
    condition     = alltrue([for c in var.failover.failover_status_codes : contains([400, 403, 404, 416, 500, 502, 503, 504], c)])
    error_message = "failover: CloudFront fails over only on 400, 403, 404, 416, 500, 502, 503 or 504."
  }
  validation {
    condition     = contains([10, 30, 60], var.failover.health_alarm_period) && var.failover.health_alarm_periods >= 1
    error_message = "failover: health_alarm_period is 10, 30 or 60 seconds, health_alarm_periods at least 1."
  }
  validation {
    condition     = contains([60, 300], var.failover.cloud_uptime_check_period)
    error_message = "failover: cloud_uptime_check_period must be 60 or 300 seconds (Cloud Monitoring uptime check periods used here)."
  }
}
