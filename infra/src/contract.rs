//! The last pass over the OpenAPI document, so that it describes the API as it answers:
//!
//! - errors are `application/problem+json` (utoipa writes `application/json` for every
//!   body), and every operation lists the problems any request can meet (400 for an
//!   unreadable query, body or cursor; 401 and 403 where a token is needed; 404 where the
//!   path names a resource; 413, 415 and 422 where there is a body; 429 from the throttles);
//! - the query parameters the lists share say their formats, limits and enums once, here,
//!   rather than in every handler's parameter struct;
//! - parameters a route's parameter struct lists but the route does not read are removed.
//!
//! `tests/tests/deployment.rs` checks `docs/openapi.json` against this output, and
//! `infra/schemathesis.sh` checks the API against it.

use serde_json::{Map, Value, json};

use erp_shared::domain::sales::{InvoiceStatus, OrderStatus};
use erp_shared::domain::{Currency, UserStatus};

const PROBLEM: &str = "application/problem+json";

fn problem(description: &str) -> Value {
    json!({
        "description": description,
        "content": { PROBLEM: { "schema": { "$ref": "#/components/schemas/ProblemBody" } } }
    })
}

/// A date (`YYYY-MM-DD`) or an RFC 3339 instant.
fn date_or_instant(description: &str) -> Value {
    json!({
        "description": description,
        "anyOf": [
            { "type": "string", "format": "date" },
            { "type": "string", "format": "date-time" }
        ]
    })
}

fn string_enum<'a>(values: impl IntoIterator<Item = &'a str>) -> Value {
    json!({ "type": "string", "enum": values.into_iter().collect::<Vec<_>>() })
}

/// The schema of a shared query parameter on `path`, or `None` to leave it as declared.
fn query_schema(path: &str, name: &str) -> Option<Value> {
    let dashboard = path.starts_with("/api/v1/dashboard/");
    Some(match name {
        "limit" if dashboard => json!({ "type": "integer", "minimum": 1, "maximum": 50 }),
        "limit" => json!({
            "type": "integer",
            "minimum": 1,
            "maximum": erp_shared::http::cursor::MAX_LIMIT
        }),
        // Opaque and signed: only a cursor this API returned for the same list is accepted.
        "cursor" => {
            json!({ "type": "string", "minLength": 1, "maxLength": 2048, "pattern": "^[A-Za-z0-9_.-]+$" })
        }
        "from" | "to" if path.starts_with("/api/v1/audit") => date_or_instant("inclusive"),
        "created_from" | "created_to" => date_or_instant("creation time, inclusive (UTC)"),
        "from" | "to" | "due_from" | "due_to" => json!({ "type": "string", "format": "date" }),
        "currency" => string_enum(Currency::codes()),
        "metric" => string_enum(["revenue", "cash", "orders"]),
        "interval" => string_enum(["day", "week", "month"]),
        "amount_min" | "amount_max" => {
            json!({ "type": "integer", "format": "int64", "minimum": 0 })
        }
        "customer_id" => json!({ "type": "string", "minLength": 1, "maxLength": 64 }),
        "q" => json!({ "type": "string", "maxLength": 100 }),
        "number" => json!({ "type": "string" }),
        "sort" if path == "/api/v1/customers" || path == "/api/v1/products" => {
            string_enum(["name", "-name", "created", "-created"])
        }
        "sort" => string_enum(["date", "-date"]),
        "status" => match path {
            "/api/v1/customers" | "/api/v1/products" => string_enum(["active", "archived"]),
            "/api/v1/orders" => string_enum(OrderStatus::ALL.iter().map(|s| s.as_str())),
            "/api/v1/invoices" => string_enum(
                InvoiceStatus::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .chain(["overdue"]),
            ),
            "/api/v1/users" => string_enum(UserStatus::ALL.iter().map(|s| s.as_str())),
            "/api/v1/outbox" => string_enum(["failed", "pending"]),
            _ => return None,
        },
        _ => return None,
    })
}

/// Parameters a route's parameter struct declares but the route does not read.
fn unused(path: &str, name: &str) -> bool {
    match path {
        "/api/v1/orders" => matches!(name, "due_from" | "due_to" | "number"),
        "/api/v1/payments" => matches!(name, "due_from" | "due_to" | "number" | "status"),
        "/api/v1/dashboard/summary" => matches!(name, "metric" | "interval" | "limit"),
        "/api/v1/dashboard/trends" => name == "limit",
        "/api/v1/dashboard/top-customers" | "/api/v1/dashboard/top-products" => {
            matches!(name, "metric" | "interval")
        }
        _ => false,
    }
}

fn header_schema(name: &str) -> Option<Value> {
    Some(match name.to_ascii_lowercase().as_str() {
        // The ETag of the version being changed: `"<version>"`.
        "if-match" => json!({ "type": "string", "pattern": "^\"[0-9]{1,18}\"$" }),
        "idempotency-key" => json!({ "type": "string", "pattern": "^[!-~]{1,100}$" }),
        _ => return None,
    })
}

fn refine_parameters(path: &str, op: &mut Map<String, Value>) {
    let Some(Value::Array(params)) = op.get_mut("parameters") else {
        return;
    };
    params.retain(|p| !(p["in"] == "query" && unused(path, p["name"].as_str().unwrap_or(""))));
    for p in params.iter_mut() {
        let name = p["name"].as_str().unwrap_or_default().to_string();
        let schema = match p["in"].as_str() {
            Some("query") => query_schema(path, &name),
            Some("header") => header_schema(&name),
            Some("path") => Some(json!({ "type": "string", "minLength": 1, "maxLength": 64 })),
            _ => None,
        };
        if let Some(s) = schema {
            p["schema"] = s;
        }
        if name.eq_ignore_ascii_case("if-match") {
            // Missing: 428.
            p["required"] = Value::Bool(true);
        }
    }
}

fn refine_responses(path: &str, op: &mut Map<String, Value>) {
    let secured = op.get("security").is_some();
    let has_body = op.get("requestBody").is_some();
    let names_resource = path.contains('{');
    let Some(Value::Object(responses)) = op.get_mut("responses") else {
        return;
    };
    for response in responses.values_mut() {
        let Some(Value::Object(content)) = response.get_mut("content") else {
            continue;
        };
        let is_problem = content
            .get("application/json")
            .is_some_and(|c| c["schema"]["$ref"] == "#/components/schemas/ProblemBody");
        if is_problem {
            let body = content.remove("application/json").unwrap_or_default();
            content.insert(PROBLEM.into(), body);
        }
    }
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem(description));
    };
    add("400", "unreadable query string, body or cursor");
    if secured {
        add("401", "no valid access token");
        add("403", "the caller's role lacks the permission");
    }
    if names_resource {
        add("404", "no such resource");
    }
    if has_body {
        add("413", "body larger than the API accepts");
        add("415", "body is not JSON");
    }
    add("422", "invalid fields (`errors` names them)");
    add("429", "too many requests");
    add(
        "500",
        "an internal failure (details are logged, never returned)",
    );
}

/// Request bodies that may be left out: `null` is not one of their values.
fn refine_request_body(op: &mut Map<String, Value>) {
    let Some(Value::Object(body)) = op.get_mut("requestBody") else {
        return;
    };
    if let Some(Value::Object(content)) = body.get_mut("content") {
        for media in content.values_mut() {
            if let Some(Value::Array(one_of)) = media["schema"].get("oneOf").cloned() {
                let not_null: Vec<Value> =
                    one_of.into_iter().filter(|s| s["type"] != "null").collect();
                if not_null.len() == 1 {
                    media["schema"] = not_null[0].clone();
                }
            }
        }
    }
}

/// Applies the pass to a serialised document.
pub fn refine(doc: &mut Value) {
    if let Some(Value::Object(paths)) = doc.get_mut("paths") {
        for (path, ops) in paths.iter_mut() {
            let Value::Object(ops) = ops else { continue };
            for op in ops.values_mut() {
                let Value::Object(op) = op else { continue };
                refine_parameters(path, op);
                refine_request_body(op);
                refine_responses(path, op);
            }
        }
    }
    // Addresses in request bodies are parsed as email addresses (except the password-reset
    // request, which answers 202 to anything, so that it reveals nothing).
    if let Some(Value::Object(schemas)) = doc.pointer_mut("/components/schemas") {
        for (name, schema) in schemas.iter_mut() {
            if name == "ResetRequest" {
                continue;
            }
            if let Some(email) = schema.pointer_mut("/properties/email") {
                if email["type"] == "string" {
                    email["format"] = "email".into();
                    email["maxLength"] = 254.into();
                }
            }
        }
    }
    // Audit changes hold whatever JSON value the field had.
    if let Some(change) = doc.pointer_mut("/components/schemas/Change/properties") {
        change["old"] =
            json!({ "description": "the value before (any JSON value; null when it was not set)" });
        change["new"] =
            json!({ "description": "the value after (any JSON value; null when it was removed)" });
    }
}
