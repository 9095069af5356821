# The repository's OIDC subject claim: AWS evaluates only aud and sub (no custom claims),
# so sub carries the workflow file that defines the job. The trust policies of
# terraform/bootstrap/github-oidc.tf match this template:
#   repo:<owner/name>:<context>:job_workflow_ref:<owner/name>/.github/workflows/<file>@<ref>
resource "github_actions_repository_oidc_subject_claim_customization_template" "this" {
  repository         = local.repository
  use_default        = false
  include_claim_keys = ["repo", "context", "job_workflow_ref"]
}
