"""Generates modules/operations: the alarm topic, the alarms, log metric filters, dashboard, queries, budget."""

from __future__ import annotations

from cdktn import Fn, TerraformLocal, Token
from cdktn_provider_aws.budgets_budget import BudgetsBudget
from cdktn_provider_aws.cloudwatch_dashboard import CloudwatchDashboard
from cdktn_provider_aws.cloudwatch_log_metric_filter import CloudwatchLogMetricFilter
from cdktn_provider_aws.cloudwatch_metric_alarm import CloudwatchMetricAlarm
from cdktn_provider_aws.cloudwatch_query_definition import CloudwatchQueryDefinition
from cdktn_provider_aws.sns_topic import SnsTopic
from cdktn_provider_aws.sns_topic_policy import SnsTopicPolicy
from cdktn_provider_aws.sns_topic_subscription import SnsTopicSubscription
from constructs import Construct

from contract import metrics as emf
from modules_src.common.account import AccountContext
from modules_src.common.constructs.kms_key import KmsKey, KmsKeyProps
from modules_src.common.expressions import Expr, address, hcl_value, one, ref
from modules_src.common.module_stack import ModuleStack
from modules_src.common.naming import named
from modules_src.operations.dashboard import dashboard_body
from modules_src.operations.queries import GROUPINGS, query
from modules_src.operations.variables import SPEC
from modules_src.operations.watches import BUDGET_RECONCILE, STAGE_THROTTLED, Metric, Sources, Watch, watches

# The services that publish to the alarm topic.
PUBLISHERS = ("cloudwatch.amazonaws.com", "budgets.amazonaws.com")
EACH_KEY, EACH_VALUE = Expr("each.key"), Expr("each.value")


class OperationsStack(ModuleStack):
    def __init__(self, scope: Construct) -> None:
        super().__init__(scope, SPEC)
        account = AccountContext.declare(self)
        name = self.variable("name").string_value
        tags = Token.as_string_map(self.variable("tags").value)
        key = KmsKey(
            self,
            "kms",
            KmsKeyProps(
                account=account,
                description=f"Alarm topic of {name}",
                existing_key_arn=self.ref("kms_key_arn"),
                deletion_window_in_days=self.variable("kms_key_deletion_window_in_days").number_value,
                log_group_prefixes=(),
                service_principals=PUBLISHERS,
                tags=tags,
            ),
        )
        topic = named(
            SnsTopic(self, "topic", name=f"{name}-alarms", kms_master_key_id=key.key_arn, tags=tags), "alarms"
        )
        self._topic_policy(topic, account)
        subscription = named(
            SnsTopicSubscription(self, "email", topic_arn=topic.arn, protocol="email", endpoint="${each.value}"),
            "email",
        )
        subscription.add_override("for_each", f"${{toset({self.ref('alarm_email_addresses').text})}}")
        sources = self._sources(account)
        self._log_metric_filters(sources)
        watched = watches(sources)
        alarms = {watch.key: self._alarm(watch, topic) for watch in watched}
        dashboard = named(
            CloudwatchDashboard(
                self,
                "dashboard",
                dashboard_name=name,
                dashboard_body=f"${{jsonencode({hcl_value(dashboard_body(watched, sources))})}}",
            ),
            "this",
        )
        queries = self._queries(sources)
        budget = self._budget(topic)
        names = [
            Expr(f'{{for k, a in {address(alarms[w.key])} : "{w.key}/${{k}}" => a.alarm_name}}')
            if w.each is not None
            else Expr(f'{{for a in {address(alarms[w.key])}[*] : "{w.key}" => a.alarm_name}}')
            for w in watched
        ]
        self.output("alarm_topic_arn", topic.arn)
        self.output("alarm_names", f"${{merge({', '.join(n.text for n in names)})}}")
        self.output("dashboard_name", dashboard.dashboard_name)
        self.output("query_definition_names", f"${{[for q in {address(queries)} : q.name]}}")
        self.output("cost_budget_name", str(one(budget, "name")))
        self.output("kms_key_arn", key.key_arn)
        self.check_complete()

    # -- what the watches read -----------------------------------------------------------------------------

    def _sources(self, account: AccountContext) -> Sources:
        gateway = self.ref("gateway")
        chosen = self.ref("alarm_models")
        models = named(
            TerraformLocal(
                self,
                "local_alarm_models",
                f"${{{{for alias, m in {gateway.text}.models : alias => m if contains("
                f"{chosen.text} == null ? keys({gateway.text}.models) : {chosen.text}, alias)}}}}",
            ),
            "alarm_models",
        )
        models_ref = ref(models)
        bedrock = named(
            TerraformLocal(
                self,
                "bedrock_models",
                f'${{{{for alias, m in {models_ref.text} : m.model_id => alias... if m.provider == "bedrock"}}}}',
            ),
            "bedrock_models",
        )
        budgeted = named(
            TerraformLocal(
                self,
                "budgeted_tenants",
                f"${{{{for id, t in {gateway.text}.tenants : id => t.daily_token_budget "
                f"if t.daily_token_budget != null}}}}",
            ),
            "budgeted_tenants",
        )
        return Sources(
            gateway=gateway,
            thresholds=self.ref("alarm_thresholds"),
            web_acl_name=self.ref("web_acl_name"),
            region=account.region_ref,
            models=models_ref,
            bedrock_models=ref(bedrock),
            budgeted_tenants=ref(budgeted),
            tenant_spend=self.ref("tenant_daily_spend_usd"),
            # Per gateway: two gateways in one account keep their filter metrics apart.
            filter_namespace=Expr(f'"${{{gateway.text}.metrics_namespace}}/${{{gateway.text}.rest_api_name}}"'),
        )

    def _log_metric_filters(self, s: Sources) -> None:
        """Metrics from log lines: the stage's 429 answers (access log) and the router's counter corrections."""
        for logical_id, log_group, pattern, metric in (
            ("stage_throttled", s.field("access_log_group_name"), '{ $.status = "429" }', STAGE_THROTTLED),
            (
                "budget_reconcile",
                s.field("router_log_group_name"),
                f'{{ $.message = "{emf.BUDGET_RECONCILE_MESSAGE}" }}',
                BUDGET_RECONCILE,
            ),
        ):
            named(
                CloudwatchLogMetricFilter(
                    self,
                    logical_id,
                    name=f"{self.variable('name').string_value}-{logical_id.replace('_', '-')}",
                    log_group_name=str(log_group),
                    pattern=pattern,
                    metric_transformation={
                        "name": metric,
                        "namespace": s.filter_namespace.attribute(),
                        "value": "1",
                        # Zero for every other line: the alarm sees traffic, not missing data.
                        "default_value": "0",
                    },
                ),
                logical_id,
            )

    # -- alarms ----------------------------------------------------------------------------------------------

    def _alarm(self, watch: Watch, topic: SnsTopic) -> CloudwatchMetricAlarm:
        key, value = (EACH_KEY, EACH_VALUE) if watch.each is not None else (Expr("null"), Expr("null"))
        suffix = "-${each.key}" if watch.each is not None else ""
        metrics = watch.metrics(key, value)
        alarm = named(
            CloudwatchMetricAlarm(
                self,
                watch.key,
                alarm_name=f"{self.variable('name').string_value}-{watch.key}{suffix}",
                alarm_description=f"{watch.title}{suffix and ' (${each.key})'}. {watch.why}"[:1024],
                comparison_operator="GreaterThanOrEqualToThreshold",
                evaluation_periods=watch.periods,
                datapoints_to_alarm=watch.periods,
                threshold=Token.as_number(str(watch.threshold(key, value))),
                treat_missing_data="notBreaching",
                alarm_actions=[topic.arn],
                ok_actions=[topic.arn],
                tags=Token.as_string_map(self.variable("tags").value),
            ),
            watch.key.replace("-", "_"),
        )
        if watch.expression is None:
            (metric,) = metrics
            alarm.add_override("namespace", metric.namespace.attribute())
            alarm.add_override("metric_name", metric.name)
            alarm.add_override("period", watch.period)
            alarm.add_override("extended_statistic" if metric.stat.startswith("p") else "statistic", metric.stat)
            if metric.dimensions:
                alarm.add_override("dimensions", _dimensions(metric))
        else:
            alarm.add_override(
                "metric_query",
                [
                    {"id": "e0", "expression": watch.expression, "label": watch.title, "return_data": True},
                    *(
                        {
                            "id": f"m{index}",
                            "return_data": False,
                            "metric": {
                                "namespace": metric.namespace.attribute(),
                                "metric_name": metric.name,
                                "period": watch.period,
                                "stat": metric.stat,
                                "dimensions": _dimensions(metric),
                            },
                        }
                        for index, metric in enumerate(metrics)
                    ),
                ],
            )
        if watch.each is not None:
            alarm.add_override("for_each", str(watch.each))
        elif watch.when is not None:
            alarm.add_override("count", str(watch.when.count()))
        return alarm

    def _topic_policy(self, topic: SnsTopic, account: AccountContext) -> None:
        """Only this account's alarms and budgets may publish.

        The account's own principals need no statement: within one account an IAM policy
        alone grants SNS access, so the topic names no account principal at all.
        """
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "AlarmsAndBudgetsOfThisAccountPublish",
                    "Effect": "Allow",
                    "Principal": {"Service": list(PUBLISHERS)},
                    "Action": "SNS:Publish",
                    "Resource": topic.arn,
                    "Condition": {"StringEquals": {"aws:SourceAccount": account.account_id}},
                },
            ],
        }
        named(SnsTopicPolicy(self, "topic_policy", arn=topic.arn, policy=Fn.jsonencode(policy)), "alarms")

    # -- chargeback and cost ----------------------------------------------------------------------------------

    def _queries(self, s: Sources) -> CloudwatchQueryDefinition:
        definitions = {slug: query(grouping) for slug, grouping in GROUPINGS.items()}
        saved = named(
            CloudwatchQueryDefinition(
                self,
                "chargeback",
                name=f"{self.variable('name').string_value}/chargeback/${{each.key}}",
                query_string="${each.value}",
                log_group_names=[str(s.field("router_log_group_name"))],
            ),
            "chargeback",
        )
        enabled = self.ref("enable_query_definitions")
        saved.add_override("for_each", f"${{{enabled.text} ? {hcl_value(definitions)} : {{}}}}")
        return saved

    def _budget(self, topic: SnsTopic) -> BudgetsBudget:
        amount = self.ref("monthly_cost_budget_usd")
        percentages = self.ref("cost_budget_alert_percentages")
        budget = named(
            BudgetsBudget(
                self,
                "cost",
                name=f"{self.variable('name').string_value}-monthly-cost",
                budget_type="COST",
                limit_amount=f'${{format("%.2f", {amount.text})}}',
                limit_unit="USD",
                time_unit="MONTHLY",
                tags=Token.as_string_map(self.variable("tags").value),
            ),
            "monthly_cost",
        )
        budget.add_override("count", str(Expr(f"{amount.text} == null ? 0 : 1")))
        # Each percentage on actual cost; the forecast warns at each one too, before the month is spent.
        notification = {
            "comparison_operator": "GREATER_THAN",
            "threshold": "${notification.value[0]}",
            "threshold_type": "PERCENTAGE",
            "notification_type": "${notification.value[1]}",
            "subscriber_sns_topic_arns": [topic.arn],
        }
        budget.add_override(
            "dynamic.notification",
            {
                "for_each": f'${{[for pair in setproduct({percentages.text}, ["ACTUAL", "FORECASTED"]) : pair]}}',
                "content": notification,
            },
        )
        return budget


def _dimensions(metric: Metric) -> dict[str, str]:
    return {name: value.attribute() for name, value in metric.dimensions}
