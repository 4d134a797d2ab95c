"""Python CDK (cdktn) source of the Terraform modules in modules/."""
