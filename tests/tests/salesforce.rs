//! End-to-end: the Salesforce integration on both backends. Signed JSON events (Apex / Flow)
//! and SOAP Outbound Messages create and update customers, products and draft orders, each
//! event once, never letting an older change overwrite a newer one.

use erp_shared::store::keys;
use erp_tests::{
    Backend, Reply, StatusCode, TEST_SALESFORCE_ORG_ID, TEST_SALESFORCE_SECRET, TestApp,
    on_both_backends,
};
use serde_json::{Value, json};

const ACCOUNT_CREATED: &str = include_str!("../fixtures/salesforce/account-created.json");
const ACCOUNT_UPDATED: &str = include_str!("../fixtures/salesforce/account-updated.json");
const PRODUCT: &str = include_str!("../fixtures/salesforce/product.json");
const ORDER: &str = include_str!("../fixtures/salesforce/order.json");
const OUTBOUND_MESSAGE: &str = include_str!("../fixtures/salesforce/outbound-message.xml");

const EVENTS: &str = "/api/v1/integrations/salesforce/events";
const OUTBOUND: &str = "/api/v1/integrations/salesforce/outbound-messages";
const ACCOUNT_ID: &str = "0015g00000Q1AbcAAF";
const ACK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"#;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A fixture with changes applied (event id, record fields), as the bytes to send.
fn event(fixture: &str, id: &str, record: Value) -> String {
    let mut v: Value = serde_json::from_str(fixture).unwrap();
    v["id"] = json!(id);
    for (k, val) in record.as_object().unwrap() {
        v["record"][k] = val.clone();
    }
    v.to_string()
}

async fn post_signed(app: &TestApp, body: &str, timestamp: i64, signature: &str) -> Reply {
    let res = app
        .client
        .post(app.url(EVENTS))
        .header("content-type", "application/json")
        .header("x-salesforce-timestamp", timestamp.to_string())
        .header("x-salesforce-signature", signature)
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    Reply::from(res).await
}

/// Posts an event signed now, as Apex would.
async fn send(app: &TestApp, body: &str) -> Reply {
    let ts = now();
    let sig = erp_salesforce::sign_event(
        TEST_SALESFORCE_SECRET.as_bytes(),
        &ts.to_string(),
        body.as_bytes(),
    );
    post_signed(app, body, ts, &sig).await
}

async fn ok(app: &TestApp, body: &str) -> Value {
    let r = send(app, body).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body
}

struct Raw {
    status: StatusCode,
    content_type: String,
    text: String,
}

async fn post_xml(app: &TestApp, key: Option<&str>, xml: &str) -> Raw {
    let url = match key {
        Some(k) => format!("{}?key={k}", app.url(OUTBOUND)),
        None => app.url(OUTBOUND),
    };
    let res = app
        .client
        .post(url)
        .header("content-type", "text/xml; charset=utf-8")
        .header("soapaction", "\"\"")
        .body(xml.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    Raw {
        status,
        content_type,
        text: res.text().await.unwrap(),
    }
}

fn key() -> String {
    erp_salesforce::outbound_key(TEST_SALESFORCE_SECRET.as_bytes())
}

async fn items(app: &TestApp, token: &str, path: &str) -> Vec<Value> {
    let r = app.get(path, Some(token)).await;
    assert_eq!(r.status, StatusCode::OK, "{path}: {}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn history(app: &TestApp, token: &str, entity_type: &str, id: &str) -> Vec<Value> {
    items(
        app,
        token,
        &format!("/api/v1/audit?entity_type={entity_type}&entity_id={id}"),
    )
    .await
}

async fn account_events_create_once_and_newer_changes_win(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;

    let created = ok(&app, ACCOUNT_CREATED).await;
    assert_eq!(created["status"], "created");
    assert_eq!(created["object"], "customer");
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/customers/{id}");
    let c = app.get(&path, Some(&admin)).await;
    assert_eq!(c.status, StatusCode::OK, "{}", c.body);
    assert_eq!(c.body["name"], "Acme Corporation");
    assert_eq!(c.body["phone"], "+33 1 23 45 67 89");
    assert_eq!(c.body["currency"], "EUR");
    assert_eq!(c.body["external_ids"]["salesforce"], ACCOUNT_ID);
    assert_eq!(
        c.body["billing_address"],
        json!({"line1": "12 Rue de la Paix", "line2": "Bâtiment B", "city": "Paris",
               "postal_code": "75002", "country": "FR"})
    );
    assert_eq!(c.body["shipping_address"]["city"], "Marseille");
    assert_eq!(c.body["version"], 1);
    let audit = history(&app, &admin, "customer", &id).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["actor_id"], "system:salesforce");
    assert_eq!(audit[0]["action"], "customer.created");

    // The same event again (a retry): the same answer, nothing changed.
    let replay = ok(&app, ACCOUNT_CREATED).await;
    assert_eq!(replay, created);
    // Also as a different delivery of the same event id with other content.
    let tampered = event(
        ACCOUNT_CREATED,
        "a-account-created-0001",
        json!({"Name": "Other"}),
    );
    assert_eq!(ok(&app, &tampered).await, created);
    let c = app.get(&path, Some(&admin)).await;
    assert_eq!(c.body["version"], 1);
    assert_eq!(c.body["name"], "Acme Corporation");
    assert_eq!(history(&app, &admin, "customer", &id).await.len(), 1);
    assert_eq!(items(&app, &admin, "/api/v1/customers").await.len(), 1);

    // A newer change applies.
    let updated = ok(&app, ACCOUNT_UPDATED).await;
    assert_eq!(
        updated,
        json!({"status": "updated", "object": "customer", "id": id})
    );
    let c = app.get(&path, Some(&admin)).await;
    assert_eq!(c.body["name"], "Acme Corporation SA");
    assert_eq!(c.body["phone"], "+33 1 98 76 54 32");
    assert_eq!(c.body["version"], 2);
    // Shipping fields were not sent: the shipping address is kept.
    assert_eq!(c.body["shipping_address"]["city"], "Marseille");
    let audit = history(&app, &admin, "customer", &id).await;
    assert_eq!(audit.len(), 2);
    assert_eq!(audit[0]["action"], "customer.updated");
    assert_eq!(audit[0]["actor_id"], "system:salesforce");
    let fields: Vec<&str> = audit[0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "phone"]);

    // An older change arriving late (and one as old as the current data) is ignored.
    for (event_id, when) in [
        ("a-account-late-0003", "2026-11-20T12:00:00.000+0000"),
        ("a-account-late-0004", "2026-11-21T09:30:00.000+0000"),
        // The same instant written in another offset.
        ("a-account-late-0005", "2026-11-21T10:30:00.000+0100"),
    ] {
        let late = event(
            ACCOUNT_UPDATED,
            event_id,
            json!({"Name": "Stale Name", "LastModifiedDate": when}),
        );
        let r = ok(&app, &late).await;
        assert_eq!(
            r,
            json!({"status": "ignored", "object": "customer", "id": id, "reason": "older"}),
            "{when}"
        );
    }
    let c = app.get(&path, Some(&admin)).await;
    assert_eq!(c.body["name"], "Acme Corporation SA");
    assert_eq!(c.body["version"], 2);
    assert_eq!(history(&app, &admin, "customer", &id).await.len(), 2);

    // The 15-character form of the same Account id maps to the same customer.
    let short = event(
        ACCOUNT_UPDATED,
        "a-account-short-id-0006",
        json!({"Id": &ACCOUNT_ID[..15], "Name": "Acme Group",
               "LastModifiedDate": "2026-11-22T08:00:00.000+0000"}),
    );
    assert_eq!(
        ok(&app, &short).await,
        json!({"status": "updated", "object": "customer", "id": id})
    );
    assert_eq!(items(&app, &admin, "/api/v1/customers").await.len(), 1);

    // Invalid data: every field error, named after the Salesforce field; nothing written.
    let bad = event(
        ACCOUNT_CREATED,
        "a-account-invalid-0007",
        json!({"Id": "0015g00000Q1ZzzAAF", "Name": null, "Phone": "call me",
               "CurrencyIsoCode": "EURO"}),
    );
    let r = send(&app, &bad).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["record.Name", "record.Phone", "record.CurrencyIsoCode"]
    );
    let missing = event(
        ACCOUNT_CREATED,
        "a-account-invalid-0008",
        json!({"Id": "not-an-id", "LastModifiedDate": "last tuesday"}),
    );
    let r = send(&app, &missing).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["errors"][0]["field"], "record.Id");
    assert_eq!(r.body["errors"][1]["field"], "record.LastModifiedDate");
    assert_eq!(items(&app, &admin, "/api/v1/customers").await.len(), 1);
    // A failed event is not remembered: once fixed, the same event id applies.
    let fixed = event(
        ACCOUNT_CREATED,
        "a-account-invalid-0007",
        json!({"Id": "0015g00000Q1ZzzAAF", "Name": "Initech"}),
    );
    assert_eq!(ok(&app, &fixed).await["status"], "created");
    assert_eq!(items(&app, &admin, "/api/v1/customers").await.len(), 2);
}

async fn bad_signatures_stale_timestamps_and_malformed_events_change_nothing(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let body = ACCOUNT_CREATED;
    let secret = TEST_SALESFORCE_SECRET.as_bytes();
    let ts = now();
    let good = erp_salesforce::sign_event(secret, &ts.to_string(), body.as_bytes());

    // Wrong secret, signature of another body, of another timestamp, garbage, upper/lower.
    let wrong_secret = erp_salesforce::sign_event(
        b"another-secret-that-is-long-enough-0123456789",
        &ts.to_string(),
        body.as_bytes(),
    );
    let other_body = erp_salesforce::sign_event(secret, &ts.to_string(), b"{}");
    let other_ts = erp_salesforce::sign_event(secret, &(ts - 1).to_string(), body.as_bytes());
    for sig in [
        wrong_secret.as_str(),
        other_body.as_str(),
        other_ts.as_str(),
        "zz",
        &good[..63],
        TEST_SALESFORCE_SECRET,
    ] {
        post_signed(&app, body, ts, sig)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "invalid-signature");
    }
    // Missing headers.
    let r = Reply::from(
        app.client
            .post(app.url(EVENTS))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "invalid-signature");
    // The body altered after signing (one space).
    let altered = body.replacen('{', "{ ", 1);
    post_signed(&app, &altered, ts, &good)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid-signature");
    // Correctly signed, but more than 5 minutes old or ahead (of the time of the request:
    // `ts` is already seconds old on a busy machine).
    for t in [now() - 301, now() - 3600, now() + 305] {
        let sig = erp_salesforce::sign_event(secret, &t.to_string(), body.as_bytes());
        post_signed(&app, body, t, &sig)
            .await
            .assert_problem(StatusCode::UNAUTHORIZED, "stale-timestamp");
    }
    // Within the window: fine later, but not yet (checked below that nothing was written).
    // Malformed bodies, correctly signed.
    for bad in [
        "{not json",
        "[]",
        r#"{"id": "x", "type": "Account"}"#,
        r#"{"id": 5, "type": "Account", "record": {}}"#,
        r#"{"id": "", "type": "Account", "record": {}}"#,
        r#"{"id": "x", "type": "Account", "record": []}"#,
    ] {
        send(&app, bad)
            .await
            .assert_problem(StatusCode::BAD_REQUEST, "malformed-event");
    }
    let r = send(&app, r#"{"id": "x", "type": "Contact", "record": {}}"#).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["errors"][0]["field"], "type");

    // Nothing was written: no customer, no audit record, no remembered event.
    assert!(items(&app, &admin, "/api/v1/customers").await.is_empty());
    assert!(
        items(&app, &admin, "/api/v1/audit?actor_id=system:salesforce")
            .await
            .is_empty()
    );
    assert!(
        app.state
            .store
            .get(&keys::inbound_event("salesforce", "a-account-created-0001"))
            .await
            .unwrap()
            .is_none()
    );
    // The genuine request still works afterwards.
    assert_eq!(ok(&app, body).await["status"], "created");
}

async fn product_and_order_events_create_a_product_and_a_priced_draft_order(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;

    // An order for an Account we do not know yet is refused, and nothing is written.
    let r = send(&app, ORDER).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["errors"][0]["field"], "record.AccountId");

    let customer = ok(&app, ACCOUNT_CREATED).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Known account, unknown product.
    let r = send(&app, ORDER).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(
        r.body["errors"][0]["field"],
        "record.OrderItems[0].Product2Id"
    );
    assert_eq!(
        r.body["errors"][1]["field"],
        "record.OrderItems[1].Product2Id"
    );

    let p = ok(&app, PRODUCT).await;
    assert_eq!(p["status"], "created");
    assert_eq!(p["object"], "product");
    let product = p["id"].as_str().unwrap().to_string();
    let got = app
        .get(&format!("/api/v1/products/{product}"), Some(&admin))
        .await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert_eq!(got.body["sku"], "ACME-ANVIL-01");
    assert_eq!(got.body["name"], "Anvil");
    assert_eq!(got.body["description"], "Cast-iron anvil, 50 kg");
    assert_eq!(
        got.body["unit_price"],
        json!({"amount": 1999, "currency": "EUR"})
    );
    assert_eq!(got.body["active"], true);
    assert_eq!(got.body["external_ids"]["salesforce"], "01t5g00000Ab1XyAAJ");
    let audit = history(&app, &admin, "product", &product).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["actor_id"], "system:salesforce");

    // The SKU is unique across products, whoever created them.
    let other = event(
        PRODUCT,
        "a-product-taken-0002",
        json!({"Id": "01t5g00000Ab1XqAAJ", "ProductCode": "acme-anvil-01"}),
    );
    send(&app, &other)
        .await
        .assert_problem(StatusCode::CONFLICT, "sku-taken");
    // A price with more decimals than the currency has is refused.
    let r = send(
        &app,
        &event(
            PRODUCT,
            "a-product-price-0003",
            json!({"Id": "01t5g00000Ab1XqAAJ", "ProductCode": "X-1", "UnitPrice": 1.999}),
        ),
    )
    .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(r.body["errors"][0]["field"], "record.UnitPrice");
    assert_eq!(items(&app, &admin, "/api/v1/products").await.len(), 1);

    let o = ok(&app, ORDER).await;
    assert_eq!(o["status"], "created");
    assert_eq!(o["object"], "order");
    let order_id = o["id"].as_str().unwrap().to_string();
    let order_path = format!("/api/v1/orders/{order_id}");
    let order = app.get(&order_path, Some(&admin)).await;
    assert_eq!(order.status, StatusCode::OK, "{}", order.body);
    let b = &order.body;
    assert_eq!(b["status"], "draft");
    assert_eq!(b["customer_id"], customer.as_str());
    assert_eq!(b["customer_name"], "Acme Corporation");
    assert_eq!(b["currency"], "EUR");
    assert_eq!(b["notes"], "Salesforce order 00000107");
    let lines = b["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["product_id"], product.as_str());
    assert_eq!(lines[0]["description"], "Anvil, delivered");
    assert_eq!(lines[0]["quantity"], "2");
    assert_eq!(lines[0]["unit_price"], 1999);
    assert_eq!(lines[0]["total"], 3998);
    // No description: the product's name.
    assert_eq!(lines[1]["description"], "Anvil");
    assert_eq!(lines[1]["quantity"], "1.5");
    assert_eq!(lines[1]["unit_price"], 1000);
    assert_eq!(lines[1]["total"], 1500);
    assert_eq!(b["totals"]["total"], 5498);
    let audit = history(&app, &admin, "order", &order_id).await;
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0]["actor_id"], "system:salesforce");
    // Replayed: same answer, still one order.
    assert_eq!(ok(&app, ORDER).await, o);
    assert_eq!(items(&app, &admin, "/api/v1/orders").await.len(), 1);

    // A newer version of the Salesforce order replaces the draft's lines.
    let newer = event(
        ORDER,
        "a-order-updated-0002",
        json!({"LastModifiedDate": "2026-11-20T15:00:00.000+0000",
               "OrderItems": [{"Product2Id": "01t5g00000Ab1XyAAJ", "Quantity": 3}]}),
    );
    assert_eq!(
        ok(&app, &newer).await,
        json!({"status": "updated", "object": "order", "id": order_id})
    );
    let order = app.get(&order_path, Some(&admin)).await;
    assert_eq!(order.body["lines"].as_array().unwrap().len(), 1);
    assert_eq!(order.body["lines"][0]["unit_price"], 1999);
    assert_eq!(order.body["totals"]["total"], 5997);
    assert_eq!(order.body["version"], 2);
    // Once confirmed here, Salesforce can no longer change it.
    let r = app
        .client
        .post(app.url(&format!("{order_path}/confirm")))
        .bearer_auth(&admin)
        .header("if-match", "\"2\"")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let late = event(
        ORDER,
        "a-order-updated-0003",
        json!({"LastModifiedDate": "2026-11-20T16:00:00.000+0000"}),
    );
    send(&app, &late)
        .await
        .assert_problem(StatusCode::CONFLICT, "invalid-status");
    let order = app.get(&order_path, Some(&admin)).await;
    assert_eq!(order.body["status"], "confirmed");
    assert_eq!(order.body["totals"]["total"], 5997);

    // Opportunities: only Closed Won ones become orders (the others are remembered too).
    let open = json!({
        "id": "a-opportunity-0001",
        "type": "Opportunity",
        "record": {
            "Id": "0065g00000Ab9ZzAAJ", "AccountId": ACCOUNT_ID, "StageName": "Negotiation/Review",
            "Name": "Acme anvils", "LastModifiedDate": "2026-11-20T10:00:00.000+0000",
            "OpportunityLineItems": [{"Product2Id": "01t5g00000Ab1XyAAJ", "Quantity": 10, "UnitPrice": 17.5, "Discount": 10}]
        }
    });
    let r = ok(&app, &open.to_string()).await;
    assert_eq!(r["status"], "ignored");
    assert_eq!(items(&app, &admin, "/api/v1/orders").await.len(), 1);
    let mut won = open.clone();
    won["id"] = json!("a-opportunity-0002");
    won["record"]["StageName"] = json!("Closed Won");
    won["record"]["LastModifiedDate"] = json!("2026-11-21T10:00:00.000+0000");
    let r = ok(&app, &won.to_string()).await;
    assert_eq!(r["status"], "created");
    assert_eq!(r["object"], "order");
    let opp_order = app
        .get(
            &format!("/api/v1/orders/{}", r["id"].as_str().unwrap()),
            Some(&admin),
        )
        .await;
    assert_eq!(opp_order.body["status"], "draft");
    // 10 × 17.50 = 175.00, less 10 % = 157.50.
    assert_eq!(opp_order.body["lines"][0]["gross"], 17500);
    assert_eq!(opp_order.body["totals"]["total"], 15750);
    assert_eq!(items(&app, &admin, "/api/v1/orders").await.len(), 2);
}

/// The fixture's two notifications swapped.
fn reversed(xml: &str) -> String {
    let first = xml.find("<Notification>").unwrap();
    let second = xml.rfind("<Notification>").unwrap();
    let end = xml.rfind("</Notification>").unwrap() + "</Notification>".len();
    let a = &xml[first..second];
    let b = &xml[second..end];
    format!("{}{}\n   {}{}", &xml[..first], b, a.trim_end(), &xml[end..])
}

async fn outbound_messages_apply_each_notification_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let key = key();

    let first = post_xml(&app, Some(&key), OUTBOUND_MESSAGE).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text);
    assert!(
        first.content_type.starts_with("text/xml"),
        "{}",
        first.content_type
    );
    assert_eq!(first.text, ACK);

    let customers = items(&app, &admin, "/api/v1/customers").await;
    assert_eq!(customers.len(), 1);
    let c = &customers[0];
    assert_eq!(c["name"], "Globex & Co");
    assert_eq!(c["currency"], "USD");
    assert_eq!(c["billing_address"]["region"], "IL");
    assert_eq!(c["external_ids"]["salesforce"], "0015g00000Q1AbdAAF");
    let products = items(&app, &admin, "/api/v1/products").await;
    assert_eq!(products.len(), 1);
    let p = &products[0];
    assert_eq!(p["sku"], "ACME-SKATES-02");
    assert_eq!(p["unit_price"], json!({"amount": 4950, "currency": "USD"}));
    let (cid, pid) = (c["id"].as_str().unwrap(), p["id"].as_str().unwrap());

    // Redelivered, in the other order: the same acknowledgement, no second effect.
    let again = post_xml(&app, Some(&key), &reversed(OUTBOUND_MESSAGE)).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.text);
    assert_eq!(again.text, ACK);
    assert_eq!(items(&app, &admin, "/api/v1/customers").await.len(), 1);
    assert_eq!(items(&app, &admin, "/api/v1/products").await.len(), 1);
    for (kind, id, path) in [
        ("customer", cid, format!("/api/v1/customers/{cid}")),
        ("product", pid, format!("/api/v1/products/{pid}")),
    ] {
        let audit = history(&app, &admin, kind, id).await;
        assert_eq!(audit.len(), 1, "{kind}");
        assert_eq!(audit[0]["actor_id"], "system:salesforce");
        assert_eq!(app.get(&path, Some(&admin)).await.body["version"], 1);
    }

    // Another organisation, a wrong key, no key: refused, nothing applied.
    let other_org = OUTBOUND_MESSAGE
        .replace(TEST_SALESFORCE_ORG_ID, "00D5g000009ZZZZEAA")
        .replace("04l5g00000Ab4GhAAJ", "04l5g00000Ab4GjAAJ");
    let r = post_xml(&app, Some(&key), &other_org).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.text);
    assert_eq!(r.content_type, "application/problem+json");
    // The 15-character form of our organisation id is ours.
    let short_org = OUTBOUND_MESSAGE.replace(TEST_SALESFORCE_ORG_ID, &TEST_SALESFORCE_ORG_ID[..15]);
    assert_eq!(post_xml(&app, Some(&key), &short_org).await.text, ACK);
    let wrong_key = erp_salesforce::outbound_key(b"another-secret-that-is-long-enough-0123456789");
    for k in [
        Some(wrong_key.as_str()),
        Some(TEST_SALESFORCE_SECRET),
        Some(""),
        None,
    ] {
        let r = post_xml(&app, k, &other_org).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{k:?}: {}", r.text);
        assert_eq!(r.content_type, "application/problem+json");
    }
    // Not an Outbound Message; a DOCTYPE with an entity (never expanded).
    for bad in [
        "not xml",
        "<a/>",
        &OUTBOUND_MESSAGE.replace(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
            "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>",
        ),
    ] {
        let r = post_xml(&app, Some(&key), bad).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
        assert_eq!(r.content_type, "application/problem+json");
    }
    assert_eq!(items(&app, &admin, "/api/v1/customers").await.len(), 1);

    // One valid and one invalid notification: a SOAP fault so Salesforce delivers again; the
    // valid one is applied once, however often the message comes back.
    let mixed = OUTBOUND_MESSAGE
        .replace("04l5g00000Ab4GhAAJ", "04l5g00000Ab4GkAAJ")
        .replace("0015g00000Q1AbdAAF", "0015g00000Q1AbeAAF")
        .replace("Globex &amp; Co", "Umbrella Corp")
        .replace("04l5g00000Ab4GiAAJ", "04l5g00000Ab4GlAAJ")
        .replace("01t5g00000Ab1XzAAJ", "01t5g00000Ab1XwAAJ")
        .replace("<sf:ProductCode>ACME-SKATES-02</sf:ProductCode>", "");
    for _ in 0..2 {
        let r = post_xml(&app, Some(&key), &mixed).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{}", r.text);
        assert!(r.content_type.starts_with("text/xml"));
        assert!(r.text.contains("<soapenv:Fault>"), "{}", r.text);
        assert!(r.text.contains("record.ProductCode"), "{}", r.text);
    }
    let customers = items(&app, &admin, "/api/v1/customers").await;
    assert_eq!(customers.len(), 2);
    let umbrella = customers
        .iter()
        .find(|c| c["name"] == "Umbrella Corp")
        .unwrap();
    assert_eq!(
        history(&app, &admin, "customer", umbrella["id"].as_str().unwrap())
            .await
            .len(),
        1
    );
    assert_eq!(items(&app, &admin, "/api/v1/products").await.len(), 1);
}

async fn concurrent_deliveries_have_one_effect_and_the_newest_change_wins(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;

    // The same event delivered 8 times at once: one customer, one audit record, one answer.
    let replies = futures::future::join_all((0..8).map(|_| send(&app, ACCOUNT_CREATED))).await;
    let first = &replies[0].body;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(&r.body, first);
    }
    let id = first["id"].as_str().unwrap().to_string();
    assert_eq!(items(&app, &admin, "/api/v1/customers").await.len(), 1);
    assert_eq!(history(&app, &admin, "customer", &id).await.len(), 1);

    // Eight different changes at once, in no particular order: the newest one wins.
    let hours = [5, 2, 8, 1, 7, 3, 6, 4];
    let bodies: Vec<String> = hours
        .iter()
        .map(|h| {
            event(
                ACCOUNT_UPDATED,
                &format!("a-account-race-{h}"),
                json!({"Name": format!("Acme {h}"),
                       "LastModifiedDate": format!("2026-11-22T{h:02}:00:00.000+0000")}),
            )
        })
        .collect();
    let replies = futures::future::join_all(bodies.iter().map(|b| send(&app, b))).await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["id"], id.as_str());
    }
    let c = app
        .get(&format!("/api/v1/customers/{id}"), Some(&admin))
        .await;
    assert_eq!(c.body["name"], "Acme 8");
    let updates = replies
        .iter()
        .filter(|r| r.body["status"] == "updated")
        .count();
    assert!(updates >= 1);
    // Every applied change is audited, every ignored one is not.
    assert_eq!(
        history(&app, &admin, "customer", &id).await.len(),
        1 + updates
    );
    assert_eq!(c.body["version"], 1 + updates as i64);
    let guard = app
        .state
        .store
        .get(&keys::external_id("salesforce", "Account", ACCOUNT_ID))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(guard["last_modified"], "2026-11-22T08:00:00.000Z");
    assert_eq!(guard["record_id"], id.as_str());
}

on_both_backends!(
    account_events_create_once_and_newer_changes_win,
    bad_signatures_stale_timestamps_and_malformed_events_change_nothing,
    product_and_order_events_create_a_product_and_a_priced_draft_order,
    outbound_messages_apply_each_notification_once,
    concurrent_deliveries_have_one_effect_and_the_newest_change_wins,
    without_its_secret_the_integration_is_a_404,
);

/// Without the Salesforce secret (or, for Outbound Messages, the organisation id) both
/// routes answer 404 `salesforce-not-configured` as problem+json (a client error, never a
/// 5xx) and write nothing. A `salesforce_webhook_secret` left in the signing-key secret (where
/// it used to live) does not turn the integration on: the two secrets are separate (on the
/// embedded backend; on the emulator the harness puts the signing keys in Secrets Manager).
async fn without_its_secret_the_integration_is_a_404(backend: Backend) {
    let app = TestApp::start_with(backend, |c| {
        c.salesforce_secret = None;
        c.secrets = Some(erp_shared::config::SecretSource::Inline(
            json!({
                "kid": "k",
                "signing_key": "test-signing-key-0123456789abcdefghijklmnop",
                "salesforce_webhook_secret": TEST_SALESFORCE_SECRET,
            })
            .to_string(),
        ));
    })
    .await;
    send(&app, ACCOUNT_CREATED)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "salesforce-not-configured");
    let r = post_xml(&app, Some(&key()), OUTBOUND_MESSAGE).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type, "application/problem+json");
    let p: Value = serde_json::from_str(&r.text).unwrap();
    assert_eq!(p["type"], "/problems/salesforce-not-configured");
    let r = post_xml(&app, None, "not even xml").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let admin = app.admin_token().await;
    assert!(items(&app, &admin, "/api/v1/customers").await.is_empty());

    let app = TestApp::start_with(backend, |c| c.salesforce_org_id = None).await;
    let r = post_xml(&app, Some(&key()), OUTBOUND_MESSAGE).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.content_type, "application/problem+json");
    // Events need no organisation id: they still work.
    assert_eq!(ok(&app, ACCOUNT_CREATED).await["status"], "created");
    let admin = app.admin_token().await;
    assert_eq!(items(&app, &admin, "/api/v1/customers").await.len(), 1);
}
