# The deploy role's root planned with a mocked provider, in each workspace (make tf-check):
# validate does not know the types of values built from the settings (a list inside a
# resources list passed validate and failed the first apply); a plan evaluates every argument.
# The policies' content is checked against the applied documents by make tf-emulated.

mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
}

run "plans" {
  command = plan
}
