"""A configuration document as one item of an encrypted DynamoDB table, named by its content address.

The module builds the document (an HCL object expression); this construct encodes it
once (`jsonencode`, sorted keys), takes its SHA-256 as the version, and writes it
gzip-compressed as `{pk: "config#<version>", document: <binary>}`. A new version is a
new item: it is created before the function that reads it moves to it (the function
depends on the item) and the old item is deleted only after (create-before-destroy),
so no container ever looks for a version that is not there. `terraform plan` refuses
a document that would not fit one item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cdktn import DataResource, Precondition, TerraformLocal, TerraformResourceLifecycle
from cdktn_provider_aws.dynamodb_table_item import DynamodbTableItem
from constructs import Construct

from contract import config_document as layout
from modules_src.common.constructs.table import Table, TableProps
from modules_src.common.expressions import Expr, address
from modules_src.common.naming import named
from modules_src.common.validations import message


@dataclass(frozen=True)
class ConfigDocumentProps:
    """`logical_id` names the table and item (`aws_dynamodb_table.<id>`, `aws_dynamodb_table_item.<id>`)."""

    logical_id: str
    table_name: str
    kms_key_arn: str
    deletion_protection: Expr
    # An HCL object expression: the document itself (its keys are the contract's).
    document: Expr
    tags: Any


class ConfigDocument(Construct):
    """Attributes: `table`, `item`, `version` (token of the content address)."""

    def __init__(self, scope: Construct, id_: str, props: ConfigDocumentProps) -> None:
        super().__init__(scope, id_)
        name = props.logical_id
        self.table = Table(
            self,
            "table",
            TableProps(
                logical_id=name,
                name=props.table_name,
                kms_key_arn=props.kms_key_arn,
                tags=props.tags,
                deletion_protection=props.deletion_protection,
            ),
        ).table
        text = named(TerraformLocal(self, "text", f"${{jsonencode({props.document.text})}}"), f"{name}_document")
        version = named(TerraformLocal(self, "version", f"${{sha256({address(text)})}}"), f"{name}_version")
        blob = f"base64gzip({address(text)})"
        # Replaced whenever the version changes, which replaces the item (see the module docstring).
        trigger = named(
            DataResource(self, "trigger", triggers_replace={"version": version.as_string}), f"{name}_version"
        )
        size = f"floor(length({blob}) * 3 / 4)"
        self.item = named(
            DynamodbTableItem(
                self,
                "item",
                table_name=self.table.name,
                hash_key=layout.TABLE_HASH_KEY,
                item=(
                    f'${{jsonencode({{{layout.TABLE_HASH_KEY} = {{S = "{layout.ITEM_PREFIX}${{{address(version)}}}"}}, '
                    f"{layout.ITEM_DOCUMENT} = {{B = {blob}}}}})}}"
                ),
                lifecycle=TerraformResourceLifecycle(
                    create_before_destroy=True,
                    precondition=[
                        Precondition(
                            condition=f"${{length({blob}) <= {layout.MAX_DOCUMENT_BASE64_CHARS}}}",
                            error_message="${" + message(layout.TOO_LARGE, size=size) + "}.",
                        )
                    ],
                ),
            ),
            name,
        )
        # A reference, not an interpolation: Terraform's JSON syntax takes a bare address here.
        self.item.add_override("lifecycle.replace_triggered_by", [address(trigger)])
        self.version: str = version.as_string

    def read_statement(self, sid: str = "ReadConfiguration") -> dict[str, Any]:
        """Least privilege to read the document: GetItem on this table only (it holds nothing else)."""
        return {"Sid": sid, "Effect": "Allow", "Action": ["dynamodb:GetItem"], "Resource": self.table.arn}
