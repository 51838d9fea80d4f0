//! What IAM lets each function do to the table, read from `template.yaml`, and a check that
//! every write the end-to-end tests make would be allowed on AWS.
//!
//! The emulator and the embedded store enforce no IAM, so a function whose code writes a key
//! prefix its policy lacks would pass every test and fail in production. [`WriteCheck`] closes
//! that gap: the harness tags each request with the function that serves its route on AWS
//! (from the template's `HttpApi` events), the store reports every write, and each write is
//! evaluated against that function's statements the way IAM evaluates them (an explicit
//! `Deny` wins, then an `Allow` whose action, resource and `dynamodb:LeadingKeys` condition
//! match). A write IAM would refuse fails the test that made it.

use std::sync::{Arc, Mutex, OnceLock};

use erp_shared::store::{Key, WriteAction, WriteObserver};
use serde_yaml::Value;

/// The table, as statements name it.
pub const TABLE_RESOURCE: &str = "!GetAtt Table.Arn";
/// Every index of the table, as statements name it.
pub const INDEX_RESOURCE: &str = "!Sub ${Table.Arn}/index/*";

/// Routes that only the local server has, and the functions that do their work on AWS.
const LOCAL_ROUTES: &[(&str, &str, &[&str])] = &[(
    "POST",
    "/api/v1/admin/run-reminders",
    &["reminders", "notifier"],
)];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// A `dynamodb:LeadingKeys` condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LeadingKeys {
    /// e.g. `ForAllValues:StringLike`.
    pub operator: String,
    pub patterns: Vec<String>,
}

/// One IAM statement of a function's inline policies.
#[derive(Clone, Debug)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub actions: Vec<String>,
    /// Resources as written, tags included (`!GetAtt Table.Arn`, `!Ref AppSecret`).
    pub resources: Vec<String>,
    pub leading_keys: Option<LeadingKeys>,
}

impl Statement {
    pub fn names_action(&self, action: &str) -> bool {
        self.actions
            .iter()
            .any(|a| string_like(&a.to_ascii_lowercase(), &action.to_ascii_lowercase()))
    }

    pub fn on_table(&self) -> bool {
        self.resources.iter().any(|r| r == TABLE_RESOURCE)
    }

    pub fn on_indexes(&self) -> bool {
        self.resources.iter().any(|r| r == INDEX_RESOURCE)
    }

    /// Whether the statement applies to `action` on the table item with partition key `pk`.
    /// A single-item action has exactly one leading key, so `ForAllValues`, `ForAnyValue` and
    /// the plain operators all reduce to "pk matches one of the patterns".
    fn applies(&self, action: &str, pk: &str) -> bool {
        self.names_action(action)
            && self.on_table()
            && self
                .leading_keys
                .as_ref()
                .is_none_or(|c| c.patterns.iter().any(|p| c.matches(p, pk)))
    }
}

impl LeadingKeys {
    fn matches(&self, pattern: &str, value: &str) -> bool {
        if self.operator.ends_with("StringLike") {
            string_like(pattern, value)
        } else {
            pattern == value
        }
    }
}

/// A function of the template.
#[derive(Clone, Debug)]
pub struct Function {
    /// Logical id (`AuthFunction`).
    pub resource: String,
    /// The cargo binary (`auth`).
    pub binary: String,
    pub statements: Vec<Statement>,
    /// `(METHOD, path)` of its `HttpApi` events.
    pub routes: Vec<(String, String)>,
    /// Its own environment variables (not the globals).
    pub environment: Vec<String>,
}

impl Function {
    /// True when IAM lets this function make `action` on the item whose partition key is
    /// `pk`: some `Allow` applies and no `Deny` does.
    pub fn allows(&self, action: &str, pk: &str) -> bool {
        let applying = |e: Effect| {
            self.statements
                .iter()
                .any(|s| s.effect == e && s.applies(action, pk))
        };
        applying(Effect::Allow) && !applying(Effect::Deny)
    }

    /// The statements that name a DynamoDB action.
    pub fn dynamodb_statements(&self) -> impl Iterator<Item = &Statement> {
        self.statements
            .iter()
            .filter(|s| s.actions.iter().any(|a| a.starts_with("dynamodb:")))
    }
}

pub struct Template {
    pub functions: Vec<Function>,
    pub raw: Value,
}

/// IAM's `StringLike`: `*` matches any run of characters, `?` any one character.
pub fn string_like(pattern: &str, value: &str) -> bool {
    fn go(p: &[char], v: &[char]) -> bool {
        match p.split_first() {
            None => v.is_empty(),
            Some(('*', rest)) => (0..=v.len()).any(|i| go(rest, &v[i..])),
            Some(('?', rest)) => !v.is_empty() && go(rest, &v[1..]),
            Some((c, rest)) => v.first() == Some(c) && go(rest, &v[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    go(&p, &v)
}

/// A value as written in the template: tags (`!Ref`, `!GetAtt`, `!Sub`) kept as text.
pub fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Tagged(t) => format!("{} {}", t.tag, text(&t.value)),
        Value::Sequence(items) => items.iter().map(text).collect::<Vec<_>>().join(" "),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    }
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::Sequence(items) => items.iter().map(text).collect(),
        Value::Null => Vec::new(),
        other => vec![text(other)],
    }
}

fn statement(s: &Value, function: &str) -> Statement {
    let effect = match s["Effect"].as_str() {
        Some("Allow") => Effect::Allow,
        Some("Deny") => Effect::Deny,
        other => panic!("{function}: statement with Effect {other:?}"),
    };
    let mut leading_keys = None;
    if let Some(conditions) = s["Condition"].as_mapping() {
        for (operator, keys) in conditions {
            let operator = operator.as_str().expect("condition operator").to_string();
            for (key, values) in keys.as_mapping().expect("condition keys") {
                let key = key.as_str().expect("condition key");
                assert_eq!(
                    key, "dynamodb:LeadingKeys",
                    "{function}: tests/src/iam.rs evaluates only dynamodb:LeadingKeys conditions"
                );
                assert!(
                    [
                        "ForAllValues:StringLike",
                        "ForAnyValue:StringLike",
                        "ForAllValues:StringEquals",
                        "ForAnyValue:StringEquals",
                    ]
                    .contains(&operator.as_str()),
                    "{function}: condition operator {operator} (use ForAllValues/ForAnyValue)"
                );
                assert!(
                    leading_keys.is_none(),
                    "{function}: one LeadingKeys condition per statement"
                );
                leading_keys = Some(LeadingKeys {
                    operator: operator.clone(),
                    patterns: strings(values),
                });
            }
        }
    }
    Statement {
        sid: s["Sid"].as_str().map(str::to_string),
        effect,
        actions: strings(&s["Action"]),
        resources: strings(&s["Resource"]),
        leading_keys,
    }
}

impl Template {
    pub fn parse(source: &str) -> Self {
        let raw: Value = serde_yaml::from_str(source).expect("template.yaml parses");
        let mut functions = Vec::new();
        for (name, r) in raw["Resources"].as_mapping().expect("Resources") {
            if r["Type"].as_str() != Some("AWS::Serverless::Function") {
                continue;
            }
            let resource = name.as_str().expect("resource name").to_string();
            let binary = r["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap_or_else(|| panic!("{resource}: Metadata.BuildProperties.Binary"))
                .to_string();
            let mut statements = Vec::new();
            for p in r["Properties"]["Policies"]
                .as_sequence()
                .into_iter()
                .flatten()
            {
                match p.get("Statement") {
                    Some(list) => statements.extend(
                        list.as_sequence()
                            .expect("Statement list")
                            .iter()
                            .map(|s| statement(s, &resource)),
                    ),
                    // A SAM policy template or a managed policy: only non-DynamoDB ones.
                    None => assert!(
                        !text(p).to_lowercase().contains("dynamo"),
                        "{resource}: DynamoDB access only through inline statements, never a policy template ({})",
                        text(p)
                    ),
                }
            }
            let mut routes = Vec::new();
            for (_, e) in r["Properties"]["Events"].as_mapping().into_iter().flatten() {
                if e["Type"].as_str() == Some("HttpApi") {
                    routes.push((
                        e["Properties"]["Method"]
                            .as_str()
                            .expect("method")
                            .to_uppercase(),
                        e["Properties"]["Path"].as_str().expect("path").to_string(),
                    ));
                }
            }
            let environment = r["Properties"]["Environment"]["Variables"]
                .as_mapping()
                .into_iter()
                .flatten()
                .filter_map(|(k, _)| k.as_str().map(str::to_string))
                .collect();
            functions.push(Function {
                resource,
                binary,
                statements,
                routes,
                environment,
            });
        }
        Self { functions, raw }
    }

    /// `template.yaml` of the workspace (or the file `ERP_TEST_TEMPLATE` names, to try
    /// the checks on another version), parsed once.
    pub fn load() -> &'static Template {
        static T: OnceLock<Template> = OnceLock::new();
        T.get_or_init(|| {
            Template::parse(&std::fs::read_to_string(template_path()).expect("template.yaml"))
        })
    }

    pub fn function(&self, binary: &str) -> &Function {
        self.functions
            .iter()
            .find(|f| f.binary == binary)
            .unwrap_or_else(|| panic!("no function with binary {binary} in template.yaml"))
    }

    /// The functions whose permissions a request to `method path` runs with on AWS (`HEAD`
    /// is served as `GET`). Empty when no function serves it.
    pub fn functions_serving(&self, method: &str, path: &str) -> Vec<String> {
        let method = if method.eq_ignore_ascii_case("HEAD") {
            "GET".to_string()
        } else {
            method.to_uppercase()
        };
        let local = LOCAL_ROUTES
            .iter()
            .filter(|(m, p, _)| *m == method && *p == path)
            .flat_map(|(_, _, fs)| fs.iter().map(|f| f.to_string()));
        self.functions
            .iter()
            .filter(|f| {
                f.routes
                    .iter()
                    .any(|(m, p)| *m == method && path_matches(p, path))
            })
            .map(|f| f.binary.clone())
            .chain(local)
            .collect()
    }
}

/// The template the checks read: `ERP_TEST_TEMPLATE`, or the workspace's `template.yaml`.
pub fn template_path() -> std::path::PathBuf {
    std::env::var_os("ERP_TEST_TEMPLATE")
        .map(Into::into)
        .unwrap_or_else(|| concat!(env!("CARGO_MANIFEST_DIR"), "/../template.yaml").into())
}

/// `/api/v1/users/{id}` matches `/api/v1/users/123`.
fn path_matches(template: &str, path: &str) -> bool {
    let t: Vec<&str> = template.split('/').collect();
    let p: Vec<&str> = path.split('/').collect();
    t.len() == p.len()
        && t.iter()
            .zip(&p)
            .all(|(t, p)| (t.starts_with('{') && t.ends_with('}') && !p.is_empty()) || t == p)
}

tokio::task_local! {
    /// The request being served and the functions that serve it on AWS.
    static CALLER: (String, Vec<String>);
}

/// Middleware of the test server: runs each request as the function that serves its route.
pub async fn attribute(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let route = format!("{} {}", req.method(), req.uri().path());
    let functions = Template::load().functions_serving(req.method().as_str(), req.uri().path());
    CALLER.scope((route, functions), next.run(req)).await
}

/// Collects the writes IAM would refuse. Writes outside a request (test setup) are not
/// checked.
#[derive(Clone, Default)]
pub struct WriteCheck {
    refused: Arc<Mutex<Vec<String>>>,
}

impl WriteCheck {
    /// The store's observer. With `ERP_TEST_WRITE_LOG=<file>` set, every checked write is
    /// also appended to the file as `<functions> <action> <pk prefix>` (to see what a
    /// function writes: run its tests, then `sort -u` the file).
    pub fn observer(&self) -> WriteObserver {
        let refused = self.refused.clone();
        let log = std::env::var_os("ERP_TEST_WRITE_LOG");
        Arc::new(move |action: WriteAction, key: &Key| {
            let _ = CALLER.try_with(|(route, functions)| {
                let t = Template::load();
                let action = action.iam_action();
                if let Some(path) = &log {
                    let prefix = key.pk.split_inclusive('#').next().unwrap_or_default();
                    let line = format!("{} {action} {prefix}\n", functions.join(","));
                    let _ = std::io::Write::write_all(
                        &mut std::fs::OpenOptions::new()
                            .create(true)
                            .append(true)
                            .open(path)
                            .expect("write log"),
                        line.as_bytes(),
                    );
                }
                if !functions
                    .iter()
                    .any(|f| t.function(f).allows(action, &key.pk))
                {
                    let mut refused = refused.lock().expect("write check");
                    if refused.len() < 20 {
                        let by = if functions.is_empty() {
                            "no function of template.yaml serves this route".to_string()
                        } else {
                            format!("function {}", functions.join(" or "))
                        };
                        refused.push(format!("{route} ({by}): {action} on pk {:?}", key.pk));
                    }
                }
            });
        })
    }

    /// Panics listing the writes IAM would have refused.
    pub fn assert_clean(&self) {
        let refused = self.refused.lock().expect("write check");
        assert!(
            refused.is_empty(),
            "template.yaml's IAM policies would refuse these writes on AWS:\n  {}\n\
             Give the function's DynamoDbWrite statement the key prefix (and update WRITES in \
             tests/tests/deployment.rs); audit records are never updated or deleted.",
            refused.join("\n  ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_like_matches_like_iam() {
        assert!(string_like("AUDIT#*", "AUDIT#customer#1"));
        assert!(string_like("AUDIT#*", "AUDIT#"));
        assert!(!string_like("AUDIT#*", "AUDITACTOR#u1"));
        assert!(!string_like("AUDIT#*", "XAUDIT#1"));
        assert!(string_like("dynamodb:*", "dynamodb:putitem"));
        assert!(string_like("USER#?", "USER#1"));
        assert!(!string_like("USER#?", "USER#12"));
    }

    #[test]
    fn paths_match_their_templates() {
        assert!(path_matches("/api/v1/users/{id}", "/api/v1/users/42"));
        assert!(!path_matches(
            "/api/v1/users/{id}",
            "/api/v1/users/42/approve"
        ));
        assert!(!path_matches("/api/v1/users/{id}", "/api/v1/users/"));
    }

    #[test]
    fn deny_wins_over_allow() {
        let t = Template::parse(
            r#"
Resources:
  F:
    Type: AWS::Serverless::Function
    Metadata: {BuildProperties: {Binary: f}}
    Properties:
      Policies:
        - Statement:
            - Effect: Allow
              Action: [dynamodb:PutItem, dynamodb:UpdateItem]
              Resource: [!GetAtt Table.Arn]
              Condition: {"ForAllValues:StringLike": {"dynamodb:LeadingKeys": ["USER#*", "AUDIT#*"]}}
            - Effect: Deny
              Action: [dynamodb:UpdateItem]
              Resource: [!GetAtt Table.Arn]
              Condition: {"ForAnyValue:StringLike": {"dynamodb:LeadingKeys": ["AUDIT#*"]}}
"#,
        );
        let f = t.function("f");
        assert!(f.allows("dynamodb:PutItem", "USER#1"));
        assert!(f.allows("dynamodb:UpdateItem", "USER#1"));
        assert!(f.allows("dynamodb:PutItem", "AUDIT#user#1"));
        assert!(!f.allows("dynamodb:UpdateItem", "AUDIT#user#1"));
        assert!(!f.allows("dynamodb:PutItem", "SESSION#1"));
        assert!(!f.allows("dynamodb:DeleteItem", "USER#1"));
    }
}
