# The tooling account's root planned with a mocked provider (make tf-check): as
# deploy-role/tests/plan.tftest.hcl, every argument is evaluated, which validate does not.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

mock_provider "aws" {
  alias = "replica"
}

run "plans" {
  command = plan
}
