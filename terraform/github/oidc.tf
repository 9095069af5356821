# The repository's OIDC subject claim: AWS evaluates only aud and sub (no custom claims),
# so sub carries the run's ref and the workflow file that defines the job. The trust
# policies of terraform/bootstrap/github-oidc.tf match this template:
#   repo:<owner/name>:<context>:ref:<run's ref>:job_workflow_ref:<owner/name>/.github/workflows/<file>@<ref>
# The run's ref is what tells main's promotion apart from a pull request's (or a branch's)
# run that calls deploy-env.yml@main in an environment: context and job_workflow_ref are
# the same for both.
resource "github_actions_repository_oidc_subject_claim_customization_template" "this" {
  repository         = local.repository
  use_default        = false
  include_claim_keys = ["repo", "context", "ref", "job_workflow_ref"]
}
