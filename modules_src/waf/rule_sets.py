"""The AWS managed rule groups the web ACL runs, their rules (what an override may name), and the LLM profile.

The LLM profile: these rules of the groups fire on ordinary prompts (ShellCheck-style
`../` in pasted code, URLs to 127.0.0.1 or 169.254.169.254 in agent transcripts,
HTML and JavaScript in coding questions, any body over 8 KB), so on the model routes
they must not block. They run in count mode everywhere (which adds their label to
the request), and one rule of our own, right after the groups, blocks a request that
carries one of those labels unless its path is a model route. So every other route
keeps the groups' full protection, and the model routes lose exactly these body
rules and nothing else. (The alternative, each group twice with opposite path
scope-downs, would cost twice the WCUs: the core rule set alone is 700 of the 1,500
a web ACL holds by default.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from modules_src.ai_gateway.routes import ROUTES


@dataclass(frozen=True)
class ManagedRuleSet:
    """One AWS managed rule group: its name, the variable key it goes by, its rules and its WCU cost."""

    key: str
    name: str
    rules: tuple[str, ...]
    capacity: int
    # Rules of the LLM profile: (rule name, the label it adds).
    prompt_rules: tuple[tuple[str, str], ...] = ()


CORE = ManagedRuleSet(
    "common",
    "AWSManagedRulesCommonRuleSet",
    (
        "NoUserAgent_HEADER", "UserAgent_BadBots_HEADER", "SizeRestrictions_QUERYSTRING",
        "SizeRestrictions_Cookie_HEADER", "SizeRestrictions_BODY", "SizeRestrictions_URIPATH",
        "EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_COOKIE", "EC2MetaDataSSRF_URIPATH", "EC2MetaDataSSRF_QUERYARGUMENTS",
        "GenericLFI_QUERYARGUMENTS", "GenericLFI_URIPATH", "GenericLFI_BODY", "RestrictedExtensions_URIPATH",
        "RestrictedExtensions_QUERYARGUMENTS", "GenericRFI_QUERYARGUMENTS", "GenericRFI_BODY", "GenericRFI_URIPATH",
        "CrossSiteScripting_COOKIE", "CrossSiteScripting_QUERYARGUMENTS", "CrossSiteScripting_BODY",
        "CrossSiteScripting_URIPATH",
    ),
    700,
    tuple(
        (rule, f"awswaf:managed:aws:core-rule-set:{label}")
        for rule, label in (
            ("SizeRestrictions_BODY", "SizeRestrictions_Body"),
            ("GenericLFI_BODY", "GenericLFI_Body"),
            ("GenericRFI_BODY", "GenericRFI_Body"),
            ("EC2MetaDataSSRF_BODY", "EC2MetaDataSSRF_Body"),
            ("CrossSiteScripting_BODY", "CrossSiteScripting_Body"),
        )
    ),
)  # fmt: skip
KNOWN_BAD_INPUTS = ManagedRuleSet(
    "known_bad_inputs",
    "AWSManagedRulesKnownBadInputsRuleSet",
    (
        "JavaDeserializationRCE_HEADER", "JavaDeserializationRCE_BODY", "JavaDeserializationRCE_URIPATH",
        "JavaDeserializationRCE_QUERYSTRING", "Host_localhost_HEADER", "PROPFIND_METHOD", "ExploitablePaths_URIPATH",
        "Log4JRCE_HEADER", "Log4JRCE_QUERYSTRING", "Log4JRCE_BODY", "Log4JRCE_URIPATH",
    ),
    200,
)  # fmt: skip
IP_REPUTATION = ManagedRuleSet(
    "ip_reputation",
    "AWSManagedRulesAmazonIpReputationList",
    ("AWSManagedIPReputationList", "AWSManagedReconnaissanceList", "AWSManagedIPDDoSList"),
    25,
)
SQL_DATABASE = ManagedRuleSet(
    "sql_database",
    "AWSManagedRulesSQLiRuleSet",
    (
        "SQLi_QUERYARGUMENTS", "SQLiExtendedPatterns_QUERYARGUMENTS", "SQLi_BODY", "SQLiExtendedPatterns_BODY",
        "SQLi_COOKIE", "SQLi_URIPATH",
    ),
    200,
    (
        # Prompts about SQL ("why does `' OR 1=1 --` work?") are ordinary on a model route.
        ("SQLi_BODY", "awswaf:managed:aws:sql-database:SQLi_Body"),
        ("SQLiExtendedPatterns_BODY", "awswaf:managed:aws:sql-database:SQLiExtendedPatterns_Body"),
    ),
)  # fmt: skip
ANONYMOUS_IP = ManagedRuleSet(
    "anonymous_ip", "AWSManagedRulesAnonymousIpList", ("AnonymousIPList", "HostingProviderIPList"), 50
)
RULE_SETS: tuple[ManagedRuleSet, ...] = (IP_REPUTATION, KNOWN_BAD_INPUTS, CORE, SQL_DATABASE, ANONYMOUS_IP)
ALWAYS_ON = ("ip_reputation", "known_bad_inputs", "common", "sql_database")


def prompt_labels() -> tuple[str, ...]:
    return tuple(label for rule_set in RULE_SETS for _, label in rule_set.prompt_rules)


def model_route_pattern() -> str:
    """A regex for the URI path of every model route (the API's expensive routes), after an optional stage or
    base path segment: `^(/[^/]+)?/v1/(chat/completions|...)$`."""
    alternatives = []
    for route in ROUTES:
        if not route.expensive:
            continue
        alternatives.append("/".join("[^/]+" if s.startswith("{") else re.escape(s) for s in route.segments))
    return "^(/[^/]+)?/(" + "|".join(alternatives) + ")$"
