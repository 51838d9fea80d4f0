#!/usr/bin/env python3
"""Monthly AWS cost of the ERP stack (template.yaml) at pilot scale, 10x and 100x.

    python3 infra/cost-model.py            # Markdown tables on stdout (docs/cost.md pastes them)

Python 3 standard library only. Everything the model assumes is in the INPUTS block below,
each input with where it comes from: prices (us-east-1, USD), the project's benchmark figures
(README.md, "Benchmarks"), item sizes (README.md), what each user action does, and the usage
of each scale. Change an input and run the script again; docs/cost.md explains the model.

Two totals per scale: "free tier" counts the AWS free tiers that never expire (Lambda,
DynamoDB storage, CloudWatch, CloudFront, SQS, SNS); "list" prices every unit. The
12-month offers of new accounts (API Gateway, SES, S3) are counted in neither. The alarm
metrics of both values of the PerFunctionAlarms parameter are counted from template.yaml.
"""

import math
import re
import sys
from pathlib import Path

# =================================================================================== INPUTS
# Everything below this line and above "MODEL" is an input. Sources in brackets:
#   [README Benchmarks / <table>]   README.md, section "Benchmarks", the named table
#   [README <section>]              another README.md section
#   [template.yaml]                 the SAM template
#   [price: <source>]               see PRICE_SOURCES below
#   [assumption]                    not measured: a stated guess, change it when known

# ------------------------------------------------------------------ prices, us-east-1, USD
PRICES = {
    # Lambda, arm64 (Graviton2), first tier
    "lambda_per_million_requests": 0.20,
    "lambda_per_gb_second": 0.0000133334,
    # API Gateway HTTP API, first 300 million requests a month
    "http_api_per_million": 1.00,
    # DynamoDB on demand, Standard table class (the November 2024 prices)
    "dynamodb_per_million_rru": 0.125,
    "dynamodb_per_million_wru": 0.625,
    "dynamodb_storage_per_gb_month": 0.25,
    "dynamodb_pitr_per_gb_month": 0.20,
    # Secrets Manager
    "secret_per_month": 0.40,
    "secrets_per_10k_calls": 0.05,
    # SES outbound, pay as you go ("a la carte")
    "ses_per_1000_emails": 0.10,
    "ses_attachments_per_gb": 0.12,
    # CloudWatch
    "alarm_metric_per_month": 0.10,  # standard resolution; a metric-math alarm pays per metric
    "custom_metric_per_month": 0.30,  # first 10,000 metrics
    "logs_ingest_per_gb": 0.50,
    "logs_storage_per_gb_month": 0.03,
    # CloudFront, United States/Europe edge locations
    "cloudfront_per_gb_out": 0.085,
    "cloudfront_per_10k_https_requests": 0.0100,
    "cloudfront_functions_per_million": 0.10,
    # S3 Standard
    "s3_per_gb_month": 0.023,
    "s3_per_1000_get": 0.0004,
    "s3_per_1000_put": 0.005,
    # AWS WAF (off by default: EnableWaf=false)
    "waf_web_acl_per_month": 5.00,
    "waf_rule_per_month": 1.00,
    "waf_per_million_requests": 0.60,
}

# Free tiers that never expire (the "free tier" totals). Per account and region.
ALWAYS_FREE = {
    "lambda_requests": 1_000_000,
    "lambda_gb_seconds": 400_000,
    "dynamodb_storage_gb": 25,
    "alarm_metrics": 10,
    "custom_metrics": 10,
    "logs_gb": 5,  # ingestion, archive storage and Logs Insights scans together
    "cloudfront_gb_out": 1000,
    "cloudfront_requests": 10_000_000,
    "cloudfront_function_invocations": 2_000_000,
    # SQS 1M requests, SNS 1,000 email notifications, EventBridge Scheduler 14M invocations:
    # this stack stays far below them (see OTHER_FREE below).
}

# Where each price and free tier came from, and whether it was checked against a published
# copy (searched 2026-12; AWS pages change: check aws.amazon.com/pricing before relying on it).
PRICE_SOURCES = [
    ("Lambda arm64 $0.20/M requests, $0.0000133334/GB-s; 1M requests and 400,000 GB-s free, "
     "never expiring",
     "verified (third-party copies of aws.amazon.com/lambda/pricing: cloudchipr.com "
     "\"AWS Lambda Pricing Breakdown\", api-evangelist/aws-lambda plans file)"),
    ("HTTP API $1.00/M (first 300M); its free tier (1M calls) is for 12 months only",
     "verified (AWS whitepaper \"Best Practices for Designing Amazon API Gateway Private "
     "APIs\", Cost optimization, table 4; aws.amazon.com/api-gateway/pricing)"),
    ("DynamoDB on demand $0.125/M RRU, $0.625/M WRU (Nov 2024)",
     "verified (third-party: airbyte.com \"Amazon DynamoDB Pricing\"; AWS News Blog post on "
     "on-demand updated 2025-01-31 for the reduced prices, without figures)"),
    ("DynamoDB storage $0.25/GB-month after 25 GB free, never expiring",
     "verified (aws.amazon.com/dynamodb/pricing)"),
    ("DynamoDB PITR $0.20/GB-month",
     "verified (third-party: finops.com.py DynamoDB backups); that it is charged on the "
     "base table without global secondary indexes is not verified"),
    ("DynamoDB Streams read by a Lambda trigger: free",
     "verified (DynamoDB Developer Guide, \"Evaluate your DynamoDB streams usage\")"),
    ("Secrets Manager $0.40/secret-month, $0.05 per 10,000 API calls (no lasting free tier)",
     "verified (api-evangelist/amazon-secrets-manager plans file, quoting "
     "aws.amazon.com/secrets-manager/pricing)"),
    ("SES $0.10 per 1,000 emails ($0.0001 per recipient), $0.12/GB of attachments",
     "verified (api-evangelist/amazon-ses plans file, read from the AWS Price List API, "
     "2026-07-22). The same file says SES introduced plans on 2026-07-21 and new accounts "
     "start on \"Essentials\" at $0.16 per 1,000: not checked with AWS"),
    ("CloudWatch $0.10 per standard alarm metric, 10 free; custom metrics $0.30 (first "
     "10,000), 10 free; Logs $0.50/GB ingested, $0.03/GB-month stored, 5 GB free",
     "verified (api-evangelist/cloudwatch plans file, from aws.amazon.com/cloudwatch/pricing)"
     "; that a metric-math alarm is charged for each metric it references is from the brief, "
     "not found in a published copy"),
    ("CloudFront: 1 TB out, 10M requests, 2M CloudFront Function invocations free every "
     "month; $0.085/GB, $0.0100 per 10,000 HTTPS requests (US/Europe)",
     "free tier verified (aws.amazon.com/cloudfront/pricing); request price from a "
     "third-party copy (wring.co CloudFront pricing guide); Functions $0.10/M (vantage.sh)"),
    ("S3 Standard $0.023/GB-month, $0.0004 per 1,000 GET, $0.005 per 1,000 PUT",
     "not verified (usual list prices; a few cents either way)"),
    ("AWS WAF $5/web ACL-month, $1/rule-month, $0.60/M requests",
     "verified (third-party: c3x.dev \"AWS WAF cost explained\"; docs/operations.md)"),
    ("Cloud SQL db-f1-micro about $9.37/month; SSD storage $0.17/GB-month; Cloud Run free "
     "tier covers a pilot",
     "not verified (figures from the brief; GCP pages not found in the search corpus)"),
]

# Not priced because they cost nothing here: SQS (the dead-letter queue only receives
# failures), SNS (alarm emails, 1,000 a month free), EventBridge (one daily schedule and one
# 5-minute rule), KMS (AWS-managed keys of DynamoDB and Secrets Manager: no monthly fee,
# 20,000 requests a month free), data transfer between AWS services in the region.
OTHER_FREE = "SQS, SNS email, EventBridge, KMS (AWS-managed keys), in-region transfer"

# ------------------------------------------------------- the stack [template.yaml]
TEMPLATE = Path(__file__).resolve().parent.parent / "template.yaml"
FUNCTION_MEMORY_MB = {"default": 256, "notifier": 512}  # [template.yaml Globals, Notifier]
SECRETS = 3  # AppSecret, SalesforceSecret, OriginSecret [template.yaml]
# Alarm metrics when template.yaml cannot be read (it normally is: see alarm_metrics()).
ALARM_METRICS_FALLBACK = {"per_function_off": 8, "per_function_on": 30}
# Business metrics in CloudWatch's embedded metric format, no dimensions
# [shared/src/observability.rs], plus one per AWS::Logs::MetricFilter of template.yaml.
EMF_METRICS = ["InvoicesIssued", "EmailsSent", "EmailsFailed", "RemindersSent"]
LOG_RETENTION_DAYS = 30  # LogRetentionDays default [template.yaml]
NOTIFIER_SWEEPS_PER_MONTH = 30 * 24 * 12  # rate(5 minutes) [template.yaml]
REMINDER_RUNS_PER_MONTH = 30  # daily [template.yaml]

# ---------------------------------------------- measured figures [README Benchmarks]
# In-process p50 latency (ms, embedded redb store, release build, x86_64 development
# machine, 2026-12-02) and store round trips per request. On Lambda, every round trip is a
# network call to DynamoDB instead (DYNAMODB_RTT_MS), and the CPU is a share of one core.
BENCH = {
    # [README Benchmarks / In-process latency]
    "GET /auth/me": (0.134, 1),
    "POST /auth/login": (25.089, 5),
    # [README Benchmarks / Customers on a store of 10,000 customers]
    "GET /customers?limit=25": (0.555, 1),
    # [README Benchmarks / Orders, invoices and payments]
    "POST /orders (20 lines)": (2.478, 3),
    "GET /orders/{id} (20 lines)": (0.245, 1),
    "POST /invoices/{id}/issue": (1.574, 3),  # 4 in the table, 3 at c230807 (note below it)
    "POST /invoices/{id}/payments": (1.563, 3),
    "GET /invoices?limit=25": (3.679, 1),
    "GET /invoices/{id}/pdf (20 lines)": (2.856, 2),
    "POST /invoices/{id}/send": (7.270, 8),
}
# [README Benchmarks / Daily reminder job]: first run 1,370 invoices read, 1,098 reminders,
# 981.7 ms; second run the same day 1,370 read, 0 queued, 25.9 ms.
REMINDER_MS_PER_INVOICE_READ = 25.9 / 1370
REMINDER_MS_PER_REMINDER = (981.7 - 25.9) / 1098
# [README Benchmarks / Start-up to ready]: median ms from exec to the first invocation/next.
STARTUP_MS = {
    "auth": 8.68, "users": 10.41, "customers": 7.58, "products": 7.63, "audit": 6.98,
    "orders": 8.04, "invoices": 8.26, "payments": 8.50, "dashboard": 8.57,
    "salesforce": 9.43, "notifier": 8.60, "reminders": 8.48,
}

# ------------------------------------------------------------ Lambda on AWS [assumption]
# Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB (Lambda
# documentation), so CPU time measured on one core of the development machine is multiplied
# by 1769/memory (6.9 at 256 MB): pessimistic for I/O, fair for argon2 and PDF rendering.
FULL_VCPU_MB = 1769
DYNAMODB_RTT_MS = 6.0  # one DynamoDB call from Lambda in the same region
SES_SEND_MS = 60.0  # one SES v2 SendEmail call
SECRET_READ_MS = 20.0  # GetSecretValue on a cold start's first request
COLD_START_SHARE = {"pilot": 0.15, "10x": 0.03, "100x": 0.005}  # of API invocations

# -------------------------------------------------------- item sizes (KB = 1,024 bytes)
# [README Benchmarks / Largest order that fits in one item]: an invoice of 500 worst-case
# lines (200-character descriptions, ASCII) is 211,630 bytes; 20 such lines scale to 8.3 KB.
INVOICE_KB = 211_630 / 500 * 20 / 1024
CUSTOMER_KB = 1.0  # [README Lists, search and what they cost]: "customers of about 1 KB"
PRODUCT_KB = 1.0  # [assumption] like a customer
USER_KB = 1.0  # [assumption]
SMALL_KB = 0.3  # [assumption] throttle buckets, guards, counters, rollups, sessions
AUDIT_KB = 1.0  # [README Benchmarks note]: audit records store a line count, "stay small"
OUTBOX_KB = 5.0  # [assumption] a queued email: subject, text and HTML body
SETTINGS_KB = 2.0  # [assumption] company settings
LOGO_KB = 20.0  # [assumption] the 240 x 240 logo [README What is tested: notifications]
ATTACHMENTS_KB = 50.0  # [assumption] an invoice email's Factur-X PDF and UBL
ITEM_OVERHEAD_KB = 100 / 1024  # DynamoDB's 100 bytes per item and per index copy

# ------------------------------------------------------ what each user action does
# A request is (name, function, benchmark row or (ms, None), DynamoDB operations). The
# operations (one per round trip) are:
#   ("get", kb)                 GetItem, strongly consistent (shared/src/store/dynamo.rs)
#   ("batch", [kb, ...])        BatchGetItem, strongly consistent
#   ("query", n, kb, index)     Query returning n items; on an index eventually consistent
#   ("tx", [(kb, ix), ...])     TransactWriteItems: 2 WRU per KB per item, plus ix index
#                               writes of the item (GSIs project ALL [template.yaml]; a
#                               changed index key is a delete and a put: 2)
#   ("write", kb, ix)           PutItem/UpdateItem: 1 WRU per KB, plus ix index writes
#   ("ses", attachments_kb)     one SES SendEmail (not a store round trip)
# The round trips of a request must match its benchmark row (the script warns otherwise).
I = INVOICE_KB
ACTIONS = {
    # [README Benchmarks / In-process latency; README "Cost per call"]: login is a batch get
    # of the three throttle buckets, a transaction drawing from them, gets of the email
    # guard and the user, a transaction writing the session, its audit record and the
    # refilled buckets. The app then asks /auth/me.
    "sign-in": [
        ("POST /auth/login", "auth", "POST /auth/login", [
            ("batch", [SMALL_KB] * 3),
            ("tx", [(SMALL_KB, 0)] * 3),
            ("get", SMALL_KB),
            ("get", USER_KB),
            ("tx", [(SMALL_KB, 0), (AUDIT_KB, 2)] + [(SMALL_KB, 0)] * 3),
        ]),
        ("GET /auth/me", "auth", "GET /auth/me", [("get", USER_KB)]),
    ],
    # [README Lists, search and what they cost]: one Query of the name index, 25 customers.
    "list customers": [
        ("GET /customers?limit=25", "customers", "GET /customers?limit=25", [
            ("query", 25, CUSTOMER_KB, True),
        ]),
    ],
    # POST /invoices with 20 lines does what POST /orders does (sales::start_document: the
    # customer, one batch read of the products, one transaction of the document and its
    # audit record); the benchmark measures the order. A draft is in gsi1, gsi2 and gsi4.
    "create invoice (20 lines)": [
        ("POST /invoices", "invoices", "POST /orders (20 lines)", [
            ("get", CUSTOMER_KB),
            ("batch", [PRODUCT_KB] * 20),
            ("tx", [(I, 3), (AUDIT_KB, 2)]),
        ]),
    ],
    # [README Benchmarks note, c230807]: the draft; the counter with the e-invoice's parties
    # in one batch; one transaction: number, status, audit record, rollups (daily totals,
    # all-time totals, a customer shard, up to 8 product shards). New keys in gsi3 and gsi5,
    # a changed key in gsi1.
    "issue invoice": [
        ("POST /invoices/{id}/issue", "invoices", "POST /invoices/{id}/issue", [
            ("get", I),
            ("batch", [SMALL_KB, CUSTOMER_KB, SETTINGS_KB]),
            ("tx", [(I, 6), (SMALL_KB, 0), (AUDIT_KB, 2)] + [(SMALL_KB, 0)] * 11),
        ]),
    ],
    # [README Benchmarks note]: queue the email with its audit record, then deliver at once
    # (claim, render the PDF, send, mark sent): 8 round trips, "the customer is read to know
    # whether it wants the UBL". The outbox insert then wakes the notifier once, which finds
    # the email sent (one read).
    "send invoice email": [
        ("POST /invoices/{id}/send", "invoices", "POST /invoices/{id}/send", [
            ("get", I),
            ("get", CUSTOMER_KB),
            ("tx", [(OUTBOX_KB, 1), (AUDIT_KB, 2)]),
            ("get", OUTBOX_KB),
            ("write", OUTBOX_KB, 1),
            ("get", I),
            ("batch", [CUSTOMER_KB, SETTINGS_KB, LOGO_KB]),
            ("write", OUTBOX_KB, 1),
            ("ses", ATTACHMENTS_KB),
        ]),
        ("notifier (stream)", "notifier", (0.2, None), [("get", OUTBOX_KB)]),
    ],
    # [README Benchmarks note]: the invoice, the customer that addresses the receipt, one
    # transaction (invoice, payment, audit, idempotency record, receipt, rollups). Then the
    # receipt is delivered at once [functions/payments: deliver_now]: read, claim, mark sent
    # (not in the benchmark's 3 round trips: an assumption), and the notifier wakes once.
    "record payment": [
        ("POST /invoices/{id}/payments", "payments", "POST /invoices/{id}/payments", [
            ("get", I),
            ("get", CUSTOMER_KB),
            ("tx", [(I, 6), (SMALL_KB, 2), (AUDIT_KB, 2), (SMALL_KB, 0), (OUTBOX_KB, 1)]
             + [(SMALL_KB, 0)] * 3),
        ]),
        ("receipt delivery", "payments", (0.5, None), [
            ("get", OUTBOX_KB),
            ("write", OUTBOX_KB, 1),
            ("write", OUTBOX_KB, 1),
            ("ses", 0),
        ]),
        ("notifier (stream)", "notifier", (0.2, None), [("get", OUTBOX_KB)]),
    ],
    # No benchmark row: the dashboard page's five requests for 30 days, as
    # functions/dashboard reads them (daily totals of this and the previous period, open
    # invoices for overdue receivables, 30 x 8 customer and product shards, the audit feed).
    # In-process time assumed 1 ms per request.
    "dashboard": [
        ("GET /dashboard/summary", "dashboard", (1.0, None), [
            ("batch", [SMALL_KB] * 30),
            ("batch", [SMALL_KB] * 30),
            ("get", SMALL_KB),
            ("query", "open_invoices", I, True),
        ]),
        ("GET /dashboard/trends", "dashboard", (1.0, None), [("batch", [SMALL_KB] * 30)]),
        ("GET /dashboard/top-customers", "dashboard", (1.0, None), [
            ("batch", [SMALL_KB] * 100),
            ("batch", [SMALL_KB] * 100),
            ("batch", [SMALL_KB] * 40),
            ("batch", [CUSTOMER_KB] * 10),
        ]),
        ("GET /dashboard/top-products", "dashboard", (1.0, None), [
            ("batch", [SMALL_KB] * 100),
            ("batch", [SMALL_KB] * 100),
            ("batch", [SMALL_KB] * 40),
            ("batch", [PRODUCT_KB] * 10),
        ]),
        ("GET /dashboard/activity", "dashboard", (1.0, None), [
            ("query", 20, AUDIT_KB, True),
            ("batch", [USER_KB] * 10 + [I] * 10),
        ]),
    ],
}

# Every other request (documents opened, invoice lists, PDFs, /auth/me, token refreshes)
# fills the scale's API requests a day. Share of each [assumption], and what it does.
BROWSE_MIX = [
    (0.35, ("GET /invoices/{id}", "invoices", "GET /orders/{id} (20 lines)", [("get", I)])),
    (0.15, ("GET /invoices?limit=25", "invoices", "GET /invoices?limit=25", [
        ("query", 25, I, True)])),
    (0.10, ("GET /invoices/{id}/pdf", "invoices", "GET /invoices/{id}/pdf (20 lines)", [
        ("get", I), ("batch", [CUSTOMER_KB, SETTINGS_KB, LOGO_KB])])),
    (0.25, ("GET /auth/me", "auth", "GET /auth/me", [("get", USER_KB)])),
    # No benchmark row: the session and the user read, the rotated session written.
    (0.15, ("POST /auth/refresh", "auth", (0.5, None), [
        ("get", SMALL_KB), ("get", USER_KB), ("tx", [(SMALL_KB, 0)])])),
]

# Background work. The sweep queries the pending-outbox index (usually empty) every five
# minutes; a reminder run reads the open invoices (one index Query per 1 MB, one batch read
# of the step guards per 50) and writes one transaction per reminder (guard, invoice check,
# outbox, audit); the notifier then delivers each reminder email with its PDF.
REMINDERS_PER_INVOICE = 1.5  # [assumption] of the default -3, 0, 7, 14, 30 day schedule
OPEN_INVOICE_SHARE = 0.5  # [assumption] open invoices = half a month's invoices
REMINDER_EMAIL = ("notifier (reminder email)", "notifier", (2.856, None), [
    ("get", OUTBOX_KB), ("write", OUTBOX_KB, 1), ("get", I),
    ("batch", [CUSTOMER_KB, SETTINGS_KB, LOGO_KB]), ("write", OUTBOX_KB, 1),
    ("ses", ATTACHMENTS_KB),
])
NOTIFIER_SWEEP = ("notifier (sweep)", "notifier", (0.2, None), [
    ("query", 0, OUTBOX_KB, True)])

# Logs [assumption]: per API request one access-log line (~330 bytes), Lambda's START, END
# and REPORT lines (~360) and one application line (~350); per other invocation the
# platform lines and one line; per business event one embedded-metric line (~250).
LOG_KB_PER_API_REQUEST = 1.0
LOG_KB_PER_OTHER_INVOCATION = 0.6
LOG_KB_PER_METRIC_EVENT = 0.25

# The web app through CloudFront [docs/operations.md, "The optional WAF"]: at pilot scale
# "page loads roughly 100,000 requests a month" with the API's: 40,000 app requests.
APP_REQUESTS_PER_API_REQUEST = 40_000 / 60_000  # [assumption, from the figure above]
APP_RESPONSE_KB = 15  # [assumption] index.html and gzip'd chunks (150 KB sign-in budget)
API_RESPONSE_KB = 4  # [assumption]
S3_CACHE_MISS_SHARE = 0.05  # [assumption] app requests CloudFront fetches from S3
S3_STORED_GB = 0.05  # [assumption] web/dist (a few MB) and its old versions
S3_PUTS_PER_MONTH = 200  # [assumption] a few deploys of ~40 files
SECRETS_CALLS_PER_MONTH_FIXED = 50  # [assumption] deploy-time resolves, key rotations

# ------------------------------------------------------------------------------ scales
# The pilot (5 users, 300 invoices a month, 2,000 API requests a day), 10x, 100x.
# Every invoice is created, issued, sent and paid once; each user signs in once per working
# day, opens the dashboard twice and a customer list ten times [assumption].
DAYS_PER_MONTH = 30
WORKING_DAYS = 22
BASE_SCALE = {"users": 5, "invoices": 300, "api_requests_per_day": 2000,
              "customers": 200, "products": 100}
SCALES = {"pilot": 1, "10x": 10, "100x": 100}
SIGN_INS_PER_USER_DAY = 1
DASHBOARDS_PER_USER_DAY = 2
CUSTOMER_LISTS_PER_USER_DAY = 10
DATA_MONTHS = 12  # stored data priced after a year of use [assumption]

# The alternative: a small Cloud SQL + Cloud Run deployment [the issue; not verified].
GCP = {
    "Cloud SQL db-f1-micro (shared core, 0.6 GB)": 9.37,
    "Cloud SQL 10 GB SSD storage ($0.17/GB)": 1.70,
    "Cloud Run, min-instances 0 (within its free tier at pilot scale)": 0.0,
}
GCP_RANGE = (10, 20)  # the "$10-20 a month"

# ==================================================================================== MODEL


def memory_mb(function):
    return FUNCTION_MEMORY_MB.get(function, FUNCTION_MEMORY_MB["default"])


def cpu_factor(function):
    return max(1.0, FULL_VCPU_MB / memory_mb(function))


def ceil_units(kb, unit_kb):
    return max(1, math.ceil(kb / unit_kb - 1e-9))


def op_cost(op, ctx):
    """(read units, write units, round trips, SES emails, attachment KB) of one operation."""
    kind = op[0]
    if kind == "get":
        return ceil_units(op[1], 4), 0, 1, 0, 0
    if kind == "batch":
        return sum(ceil_units(kb, 4) for kb in op[1]), 0, 1, 0, 0
    if kind == "query":
        n = ctx[op[1]] if isinstance(op[1], str) else op[1]
        size = n * op[2]
        pages = max(1, math.ceil(size / 1024))  # a Query page is at most 1 MB
        units = ceil_units(size, 4) * (0.5 if op[3] else 1.0)
        return units, 0, pages, 0, 0
    if kind == "tx":
        return 0, sum(ceil_units(kb, 1) * (2 + ix) for kb, ix in op[1]), 1, 0, 0
    if kind == "write":
        return 0, ceil_units(op[1], 1) * (1 + op[2]), 1, 0, 0
    if kind == "ses":
        return 0, 0, 0, 1, op[1]
    raise ValueError(op)


WARNINGS = []


def request_cost(request, ctx):
    """Usage of one request: dict of rru, wru, trips, emails, attach_kb, ms, gb_s."""
    name, function, bench, ops = request
    if isinstance(bench, str):
        p50, trips_measured = BENCH[bench]
    else:
        p50, trips_measured = bench
    u = {"rru": 0.0, "wru": 0.0, "trips": 0, "emails": 0, "attach_kb": 0.0}
    for op in ops:
        r, w, t, e, a = op_cost(op, ctx)
        u["rru"] += r
        u["wru"] += w
        u["trips"] += t
        u["emails"] += e
        u["attach_kb"] += a
    if trips_measured is not None and u["trips"] != trips_measured:
        WARNINGS.append(f"{name}: {u['trips']} modelled round trips, benchmark says "
                        f"{trips_measured} ({bench}); update ACTIONS")
    u["ms"] = (p50 * cpu_factor(function) + u["trips"] * DYNAMODB_RTT_MS
               + u["emails"] * SES_SEND_MS)
    u["gb_s"] = u["ms"] / 1000 * memory_mb(function) / 1024
    u["function"] = function
    return u


def add(total, u, n):
    for k in ("rru", "wru", "trips", "emails", "attach_kb", "gb_s"):
        total[k] = total.get(k, 0) + u[k] * n


def template_resources():
    """{logical id: block text} of template.yaml's Resources (a line-based reading)."""
    try:
        lines = TEMPLATE.read_text().splitlines()
    except OSError:
        return None
    resources, current, inside = {}, None, False
    for line in lines:
        if line.startswith("Resources:"):
            inside = True
            continue
        if inside and re.match(r"^\S", line):
            break
        if not inside:
            continue
        m = re.match(r"^  ([A-Za-z0-9]+):\s*$", line)
        if m:
            current = m.group(1)
            resources[current] = []
        elif current:
            resources[current].append(line)
    return {k: "\n".join(v) for k, v in resources.items()}


def alarm_metrics():
    """Alarm metrics with PerFunctionAlarms off and on, and log metric filters."""
    resources = template_resources()
    if resources is None:
        return dict(ALARM_METRICS_FALLBACK), 1, False
    counts = {"per_function_off": 0, "per_function_on": 0}
    filters = 0
    for body in resources.values():
        if re.search(r"^    Type: AWS::Logs::MetricFilter\s*$", body, re.M):
            filters += 1
        if not re.search(r"^    Type: AWS::CloudWatch::Alarm\s*$", body, re.M):
            continue
        metrics = len(re.findall(r"^\s+MetricStat:\s*$", body, re.M)) or 1
        cond = re.search(r"^    Condition: (\S+)", body, re.M)
        cond = cond.group(1) if cond else None
        if cond in (None, "AccountLevelAlarmsEnabled"):
            counts["per_function_off"] += metrics
        if cond in (None, "PerFunctionAlarmsEnabled"):
            counts["per_function_on"] += metrics
    return counts, filters, True


def check_memory_sizes():
    """Warns when FUNCTION_MEMORY_MB no longer matches template.yaml."""
    resources = template_resources()
    if resources is None:
        return
    text = TEMPLATE.read_text()
    glob = re.search(r"^Globals:\n(?:^ .*\n)*?^    MemorySize: (\d+)", text, re.M)
    default = int(glob.group(1)) if glob else 128
    for body in resources.values():
        if not re.search(r"^    Type: AWS::Serverless::Function\s*$", body, re.M):
            continue
        binary = re.search(r"^        Binary: (\S+)", body, re.M)
        size = re.search(r"^      MemorySize: (\d+)", body, re.M)
        if binary:
            actual = int(size.group(1)) if size else default
            if actual != memory_mb(binary.group(1)):
                WARNINGS.append(f"{binary.group(1)}: {actual} MB in template.yaml, "
                                f"{memory_mb(binary.group(1))} MB in FUNCTION_MEMORY_MB")


def usage(scale_name):
    k = SCALES[scale_name]
    users = BASE_SCALE["users"] * k
    invoices = BASE_SCALE["invoices"] * k
    api_per_month = BASE_SCALE["api_requests_per_day"] * k * DAYS_PER_MONTH
    open_invoices = invoices * OPEN_INVOICE_SHARE
    ctx = {"open_invoices": open_invoices}

    counts = {
        "sign-in": users * WORKING_DAYS * SIGN_INS_PER_USER_DAY,
        "list customers": users * WORKING_DAYS * CUSTOMER_LISTS_PER_USER_DAY,
        "create invoice (20 lines)": invoices,
        "issue invoice": invoices,
        "send invoice email": invoices,
        "record payment": invoices,
        "dashboard": users * WORKING_DAYS * DASHBOARDS_PER_USER_DAY,
    }
    total = {"api_requests": 0, "invocations": 0, "other_invocations": 0}
    per_action = {}
    for action, requests in ACTIONS.items():
        n = counts[action]
        a = {"rru": 0, "wru": 0, "trips": 0, "emails": 0, "attach_kb": 0, "gb_s": 0,
             "ms": 0, "api_requests": 0, "invocations": 0}
        for req in requests:
            u = request_cost(req, ctx)
            add(a, u, 1)
            a["ms"] += u["ms"]
            if req[1] == "notifier":
                a["invocations"] += 1
            elif not req[0].startswith("receipt"):
                a["api_requests"] += 1
                a["invocations"] += 1
        per_action[action] = (n, a)
        add(total, a, n)
        total["api_requests"] += a["api_requests"] * n
        total["invocations"] += a["invocations"] * n
        total["other_invocations"] += (a["invocations"] - a["api_requests"]) * n

    browse = max(0, api_per_month - total["api_requests"])
    b = {"rru": 0, "wru": 0, "trips": 0, "emails": 0, "attach_kb": 0, "gb_s": 0, "ms": 0}
    for share, req in BROWSE_MIX:
        u = request_cost(req, ctx)
        for key in ("rru", "wru", "trips", "emails", "attach_kb", "gb_s", "ms"):
            b[key] += u[key] * share
    b["api_requests"] = b["invocations"] = 1
    per_action["browse (other reads)"] = (browse, b)
    add(total, b, browse)
    total["api_requests"] += browse
    total["invocations"] += browse

    # Cold starts of the API functions: billed init, one secret read.
    cold = total["api_requests"] * COLD_START_SHARE[scale_name]
    startup = sum(STARTUP_MS.values()) / len(STARTUP_MS)
    init_ms = startup * cpu_factor("auth") + SECRET_READ_MS
    total["gb_s"] += cold * init_ms / 1000 * memory_mb("auth") / 1024
    total["cold_starts"] = cold

    # Background: sweeps, reminder runs, reminder emails.
    bg_before = (total["rru"], total["wru"])
    sweep = request_cost(NOTIFIER_SWEEP, ctx)
    add(total, sweep, NOTIFIER_SWEEPS_PER_MONTH)
    reminders = invoices * REMINDERS_PER_INVOICE
    per_run_reads = open_invoices
    query_pages = max(1, math.ceil(open_invoices * INVOICE_KB / 1024))
    batch_trips = math.ceil(open_invoices / 50)
    run_rru = (ceil_units(open_invoices * INVOICE_KB, 4) * 0.5 + open_invoices)
    reminder_wru = (ceil_units(SMALL_KB, 1) * 2 + ceil_units(INVOICE_KB, 1) * 2
                    + ceil_units(OUTBOX_KB, 1) * 3 + ceil_units(AUDIT_KB, 1) * 4)
    runs = REMINDER_RUNS_PER_MONTH
    run_trips = query_pages + batch_trips
    run_ms = (per_run_reads * REMINDER_MS_PER_INVOICE_READ * cpu_factor("reminders")
              + run_trips * DYNAMODB_RTT_MS)
    per_reminder_ms = (REMINDER_MS_PER_REMINDER * cpu_factor("reminders") + DYNAMODB_RTT_MS)

    total["rru"] += run_rru * runs
    total["wru"] += reminder_wru * reminders
    total["gb_s"] += ((run_ms * runs + per_reminder_ms * reminders) / 1000
                      * memory_mb("reminders") / 1024)
    email = request_cost(REMINDER_EMAIL, ctx)
    add(total, email, reminders)
    per_action["reminders, notifier sweeps (background)"] = (None, {
        "rru": total["rru"] - bg_before[0], "wru": total["wru"] - bg_before[1]})
    total["other_invocations"] += NOTIFIER_SWEEPS_PER_MONTH + runs + reminders
    total["invocations"] += NOTIFIER_SWEEPS_PER_MONTH + runs + reminders
    total["reminders"] = reminders

    # Stored data after DATA_MONTHS: per invoice its item in the table and four indexes,
    # audit records (created, issued, sent, paid; table + 2 indexes), the payment (table +
    # 2 indexes), its emails (outbox items, off the pending index once sent), reminder
    # guards; customers and products (table + 3 indexes); daily rollups.
    emails_per_invoice = 2 + REMINDERS_PER_INVOICE
    per_invoice_base = (INVOICE_KB + 4 * AUDIT_KB + SMALL_KB
                        + emails_per_invoice * OUTBOX_KB + REMINDERS_PER_INVOICE * SMALL_KB)
    per_invoice_ix = 4 * INVOICE_KB + 4 * 2 * AUDIT_KB + 2 * SMALL_KB
    items_base = 1 + 4 + 1 + emails_per_invoice + REMINDERS_PER_INVOICE
    items_ix = 4 + 8 + 2
    n_inv = invoices * DATA_MONTHS
    master = (BASE_SCALE["customers"] * k * CUSTOMER_KB + BASE_SCALE["products"] * k
              * PRODUCT_KB)
    rollups = DAYS_PER_MONTH * DATA_MONTHS * 20 * SMALL_KB
    base_kb = (n_inv * (per_invoice_base + items_base * ITEM_OVERHEAD_KB) + master
               + rollups)
    ix_kb = n_inv * (per_invoice_ix + items_ix * ITEM_OVERHEAD_KB) + 3 * master
    total["table_gb"] = base_kb / 1024 / 1024
    total["stored_gb"] = (base_kb + ix_kb) / 1024 / 1024

    # Logs.
    metric_events = invoices + total["emails"] + runs
    log_kb = (total["api_requests"] * LOG_KB_PER_API_REQUEST
              + total["other_invocations"] * LOG_KB_PER_OTHER_INVOCATION
              + metric_events * LOG_KB_PER_METRIC_EVENT)
    total["log_gb"] = log_kb / 1024 / 1024
    total["log_stored_gb"] = total["log_gb"] * LOG_RETENTION_DAYS / DAYS_PER_MONTH

    # Web app and API through CloudFront.
    app_requests = total["api_requests"] * APP_REQUESTS_PER_API_REQUEST
    total["app_requests"] = app_requests
    total["cloudfront_requests"] = app_requests + total["api_requests"]
    total["cloudfront_gb"] = (app_requests * APP_RESPONSE_KB
                              + total["api_requests"] * API_RESPONSE_KB) / 1024 / 1024
    total["secrets_calls"] = cold + SECRETS_CALLS_PER_MONTH_FIXED
    total["users"], total["invoices"] = users, invoices
    return total, per_action


def costs(u, per_function_alarms, alarms, metric_filters):
    """{service: (with always-free tiers, without)} in USD a month."""
    p, f = PRICES, ALWAYS_FREE

    def pair(units, free, price):
        return max(0.0, units - free) * price, units * price

    out = {}
    req_f, req_n = pair(u["invocations"], f["lambda_requests"],
                        p["lambda_per_million_requests"] / 1e6)
    gbs_f, gbs_n = pair(u["gb_s"], f["lambda_gb_seconds"], p["lambda_per_gb_second"])
    out["Lambda (requests, GB-s)"] = (req_f + gbs_f, req_n + gbs_n)
    api = u["api_requests"] * p["http_api_per_million"] / 1e6
    out["API Gateway HTTP API"] = (api, api)
    ddb = (u["rru"] * p["dynamodb_per_million_rru"] + u["wru"]
           * p["dynamodb_per_million_wru"]) / 1e6
    out["DynamoDB reads and writes"] = (ddb, ddb)
    out["DynamoDB storage"] = pair(u["stored_gb"], f["dynamodb_storage_gb"],
                                   p["dynamodb_storage_per_gb_month"])
    pitr = u["table_gb"] * p["dynamodb_pitr_per_gb_month"]
    out["DynamoDB PITR"] = (pitr, pitr)
    sm = SECRETS * p["secret_per_month"] + u["secrets_calls"] / 1e4 * p["secrets_per_10k_calls"]
    out[f"Secrets Manager ({SECRETS} secrets)"] = (sm, sm)
    ses = (u["emails"] / 1000 * p["ses_per_1000_emails"]
           + u["attach_kb"] / 1024 / 1024 * p["ses_attachments_per_gb"])
    out["SES email"] = (ses, ses)
    n_alarm = alarms["per_function_on" if per_function_alarms else "per_function_off"]
    out[f"CloudWatch alarms ({n_alarm} alarm metrics)"] = pair(
        n_alarm, f["alarm_metrics"], p["alarm_metric_per_month"])
    n_metrics = len(EMF_METRICS) + metric_filters
    out[f"CloudWatch custom metrics ({n_metrics})"] = pair(
        n_metrics, f["custom_metrics"], p["custom_metric_per_month"])
    ingest_free = min(u["log_gb"], f["logs_gb"])
    stored_free = min(u["log_stored_gb"], f["logs_gb"] - ingest_free)
    logs_f = ((u["log_gb"] - ingest_free) * p["logs_ingest_per_gb"]
              + (u["log_stored_gb"] - stored_free) * p["logs_storage_per_gb_month"])
    logs_n = (u["log_gb"] * p["logs_ingest_per_gb"]
              + u["log_stored_gb"] * p["logs_storage_per_gb_month"])
    out["CloudWatch Logs"] = (logs_f, logs_n)
    cf = [pair(u["cloudfront_gb"], f["cloudfront_gb_out"], p["cloudfront_per_gb_out"]),
          pair(u["cloudfront_requests"], f["cloudfront_requests"],
               p["cloudfront_per_10k_https_requests"] / 1e4),
          pair(u["app_requests"], f["cloudfront_function_invocations"],
               p["cloudfront_functions_per_million"] / 1e6)]
    out["CloudFront (app and API)"] = (sum(c[0] for c in cf), sum(c[1] for c in cf))
    s3 = (S3_STORED_GB * p["s3_per_gb_month"]
          + u["app_requests"] * S3_CACHE_MISS_SHARE / 1000 * p["s3_per_1000_get"]
          + S3_PUTS_PER_MONTH / 1000 * p["s3_per_1000_put"])
    out["S3 (web app files)"] = (s3, s3)
    out[OTHER_FREE] = (0.0, 0.0)
    out["AWS WAF (EnableWaf=false)"] = (0.0, 0.0)
    return out


def waf_cost(u):
    return (PRICES["waf_web_acl_per_month"] + 2 * PRICES["waf_rule_per_month"]
            + u["cloudfront_requests"] / 1e6 * PRICES["waf_per_million_requests"])


def money(x):
    if x == 0:
        return "$0.00"
    if x < 0.005:
        return "<$0.01"
    return f"${x:,.2f}"


def signed(x):
    return "+" + money(x) if x > 0 else "-" + money(-x) if x < 0 else money(0)


def number(x):
    if x == 0:
        return "0"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 1:
        return f"{x:,.1f}"
    return f"{x:.3f}"


def main():
    alarms, metric_filters, from_template = alarm_metrics()
    check_memory_sizes()
    results = {s: usage(s) for s in SCALES}
    out = []
    w = out.append

    w("<!-- generated by python3 infra/cost-model.py: do not edit by hand -->")
    w("")
    w("### Usage per month")
    w("")
    w("| | " + " | ".join(SCALES) + " |")
    w("|---|" + "---|" * len(SCALES))
    rows = [
        ("users", "users"), ("invoices", "invoices"),
        ("API requests", "api_requests"), ("Lambda invocations", "invocations"),
        ("Lambda GB-seconds", "gb_s"), ("cold starts (API)", "cold_starts"),
        ("DynamoDB read request units", "rru"), ("DynamoDB write request units", "wru"),
        ("emails sent (invoices, receipts, reminders)", "emails"),
        ("stored in DynamoDB after 12 months, GB (with indexes)", "stored_gb"),
        ("of which the base table (PITR), GB", "table_gb"),
        ("log data ingested, GB", "log_gb"),
        ("CloudFront requests (app and API)", "cloudfront_requests"),
        ("CloudFront data out, GB", "cloudfront_gb"),
    ]
    for label, key in rows:
        w(f"| {label} | " + " | ".join(number(results[s][0][key]) for s in SCALES) + " |")
    w("")
    w("### What one action costs (model)")
    w("")
    w("Per action: API requests, billed Lambda milliseconds (all its requests), DynamoDB "
      "read and write request units, and how many a month at pilot scale.")
    w("")
    w("| action | requests | Lambda ms | RRU | WRU | emails | a month (pilot) |")
    w("|---|---|---|---|---|---|---|")
    for action, (n, a) in results["pilot"][1].items():
        if n is None:
            continue
        w(f"| {action} | {a['api_requests']} | {a['ms']:.0f} | {number(a['rru'])} | "
          f"{number(a['wru'])} | {a['emails']:g} | {number(n)} |")
    w("")
    w("### DynamoDB request units a month, by action")
    w("")
    w("| action | " + " | ".join(f"{s} RRU | {s} WRU" for s in SCALES) + " |")
    w("|---|" + "---|" * (2 * len(SCALES)))
    for action in results["pilot"][1]:
        cells = []
        for s in SCALES:
            n, a = results[s][1][action]
            m = 1 if n is None else n
            cells += [number(a["rru"] * m), number(a["wru"] * m)]
        w(f"| {action} | " + " | ".join(cells) + " |")
    w("")
    w("### Monthly cost per service (USD, us-east-1, PerFunctionAlarms=false)")
    w("")
    w("\"free tier\": the AWS free tiers that never expire are counted; \"list\": every unit "
      "at its price. The 12-month offers of new accounts are counted in neither.")
    w("")
    head = " | ".join(f"{s} free tier | {s} list" for s in SCALES)
    w(f"| service | {head} |")
    w("|---|" + "---|" * (2 * len(SCALES)))
    table = {s: costs(results[s][0], False, alarms, metric_filters) for s in SCALES}
    for service in table["pilot"]:
        cells = []
        for s in SCALES:
            fr, ls = table[s][service]
            cells += [money(fr), money(ls)]
        w(f"| {service} | " + " | ".join(cells) + " |")
    totals = {s: (sum(v[0] for v in table[s].values()), sum(v[1] for v in table[s].values()))
              for s in SCALES}
    w("| **total** | " + " | ".join(f"**{money(totals[s][0])}** | **{money(totals[s][1])}**"
                                      for s in SCALES) + " |")
    w("")
    w("### What would change it")
    w("")
    w("| change | " + " | ".join(f"{s} free tier | {s} list" for s in SCALES) + " |")
    w("|---|" + "---|" * (2 * len(SCALES)))
    on = {s: costs(results[s][0], True, alarms, metric_filters) for s in SCALES}
    deltas = []
    cells = []
    for s in SCALES:
        t_on = (sum(v[0] for v in on[s].values()), sum(v[1] for v in on[s].values()))
        cells += [t_on[0] - totals[s][0], t_on[1] - totals[s][1]]
    deltas.append((f"PerFunctionAlarms=true ({alarms['per_function_on']} alarm metrics "
                   f"instead of {alarms['per_function_off']})", cells))
    cells = []
    for s in SCALES:
        wc = waf_cost(results[s][0])
        cells += [wc, wc]
    deltas.append(("EnableWaf=true (web ACL, 2 rules, every CloudFront request)", cells))
    cells = []
    for s in SCALES:
        u = results[s][0]
        d = u["emails"] / 1000 * (0.16 - PRICES["ses_per_1000_emails"])
        cells += [d, d]
    deltas.append(("SES \"Essentials\" plan at $0.16 per 1,000 (if it applies; unverified)",
                   cells))
    cells = []
    for s in SCALES:
        views = results[s][1]["dashboard"][0]
        open_invoices = results[s][0]["invoices"] * OPEN_INVOICE_SHARE
        rru = ceil_units(open_invoices * INVOICE_KB, 4) * 0.5
        d = -views * rru * PRICES["dynamodb_per_million_rru"] / 1e6
        cells += [d, d]
    deltas.append(("the dashboard summary without reading every open invoice (overdue "
                   "receivables kept in the rollups)", cells))
    cells = []
    for s in SCALES:
        d = -2 * PRICES["secret_per_month"]
        cells += [d, d]
    deltas.append(("two secrets fewer (the Salesforce secret only where the integration is "
                   "used, the origin header as a NoEcho parameter)", cells))
    for label, cells in deltas:
        w(f"| {label} | " + " | ".join(signed(c) for c in cells) + " |")
    w("")
    w("### Against a small Cloud SQL + Cloud Run deployment")
    w("")
    gcp = sum(GCP.values())
    w("| | " + " | ".join(SCALES) + " |")
    w("|---|" + "---|" * len(SCALES))
    w("| this stack, always-free tiers counted | " + " | ".join(
        money(totals[s][0]) for s in SCALES) + " |")
    w("| this stack, list prices | " + " | ".join(money(totals[s][1]) for s in SCALES) + " |")
    w(f"| Cloud SQL db-f1-micro + 10 GB SSD + Cloud Run (min-instances 0) | {money(gcp)} "
      f"(the issue: ${GCP_RANGE[0]}-{GCP_RANGE[1]}) | {money(gcp)} or more | a larger "
      "instance (not priced) |")
    w("")
    goal = totals["pilot"][0] < 2
    w(f"Pilot goal, under $2 a month: **{'met' if goal else 'not met'}** with the always-free "
      f"tiers ({money(totals['pilot'][0])}); {money(totals['pilot'][1])} at list prices.")
    w("")
    w("### Prices and their sources")
    w("")
    w("| price | source |")
    w("|---|---|")
    for what, src in PRICE_SOURCES:
        w(f"| {what} | {src} |")
    w("")
    if not from_template:
        WARNINGS.append(f"{TEMPLATE} not readable: alarm metrics from ALARM_METRICS_FALLBACK")
    for msg in dict.fromkeys(WARNINGS):
        print(f"warning: {msg}", file=sys.stderr)
    w("<!-- end of generated output -->")
    print("\n".join(out))


if __name__ == "__main__":
    main()
