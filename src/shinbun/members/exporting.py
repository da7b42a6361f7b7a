"""Members, their subscriptions, receipts and meter, plans, campaigns, staff roles and the
audit log as CSV for the operator (`shinbun export`, written by core.tables)."""

from shinbun.core.tables import Table, same
from shinbun.members.models import (
    AuditLog,
    Campaign,
    MeteredRead,
    MeterSetting,
    Plan,
    Receipt,
    Subscription,
    User,
)


def tables() -> list[Table]:
    return [
        Table(
            "members.csv",
            User.objects.all(),
            same(
                "id",
                "email",
                "display_name",
                "date_joined",
                "last_login",
                "is_active",
                "is_staff",
                "is_expert",
                "expert_title",
                "expert_affiliation",
            ),
        ),
        Table(
            "subscriptions.csv",
            Subscription.objects.all(),
            {
                "id": "id",
                "member_id": "user_id",
                "email": "user__email",
                "plan": "plan__code",
                "campaign": "campaign__name",
                **same(
                    "status",
                    "paid",
                    "started_at",
                    "trial_ends_at",
                    "current_period_start",
                    "current_period_end",
                    "cancel_at_period_end",
                    "canceled_at",
                    "ended_at",
                    "provider",
                    "provider_customer_id",
                    "provider_subscription_id",
                ),
            },
        ),
        Table(
            "receipts.csv",
            Receipt.objects.all(),
            {
                "number": "number",
                "member_id": "user_id",
                "subscription_id": "subscription_id",
                **same(
                    "description",
                    "amount_jpy",
                    "period_start",
                    "period_end",
                    "issued_at",
                    "provider_reference",
                ),
            },
        ),
        Table(
            "plans.csv",
            Plan.objects.all(),
            same("code", "name", "interval", "price_jpy", "stripe_price_id", "is_active"),
        ),
        Table(
            "campaigns.csv",
            Campaign.objects.all(),
            same("id", "name", "cta_text", "starts_at", "ends_at", "trial_days"),
        ),
        Table(
            "campaign_plans.csv",
            Campaign.plans.through.objects.all(),
            {"campaign_id": "campaign_id", "plan": "plan__code"},
        ),
        # Staff roles (編集者, 運用, 管理者) are groups.
        Table(
            "staff_roles.csv",
            User.groups.through.objects.all(),
            {"member_id": "user_id", "role": "group__name"},
        ),
        Table("meter_setting.csv", MeterSetting.objects.all(), same("limit", "updated_at")),
        Table(
            "meter_reads.csv",
            MeteredRead.objects.all(),
            {"member_id": "user_id", **same("article_id", "month", "read_at")},
        ),
        Table(
            "audit_log.csv",
            AuditLog.objects.all(),
            {
                "created_at": "created_at",
                "actor_id": "actor_id",
                "member_id": "subject_id",
                **same("subject_email", "action", "reason", "detail"),
            },
        ),
    ]
