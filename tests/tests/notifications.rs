//! End-to-end, on both backends (SES v2 on the emulator, `.eml` files locally): company
//! settings, invoice PDFs, the emails the business sends its customers, and the failure path
//! of the outbox.

use base64::Engine;
use erp_shared::auth::Role;
use erp_shared::email::outbox;
use erp_tests::{
    Backend, Reply, StatusCode, TestApp, on_both_backends, pdf_text, png_logo, with_seller,
};
use reqwest::Method;
use serde_json::{Value, json};

fn ok(r: Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    r.body
}

/// Company settings with branding, and the sender identity known to the mail service.
async fn branded(app: &TestApp, admin: &str) -> Value {
    app.repair_mail().await;
    let logo = base64::engine::general_purpose::STANDARD.encode(png_logo(120, 40));
    ok(
        app.put_settings(
            admin,
            with_seller(json!({
                "legal_name": "Northwind Traders Ltd",
                "address": {"line1": "1 Harbour Road", "city": "Bristol", "postal_code": "BS1 4DJ", "country": "GB"},
                "tax_id": "GB123456789",
                "email_from": app.company_sender(),
                "brand_colour": "#0A7A55",
                "default_currency": "GBP",
                "time_zone": "Europe/London",
                "payment_terms_days": 14,
                "invoice_footer": "Northwind Traders Ltd, registered in England no. 01234567",
                "bank_details": "Bank: Harbour Bank\nIBAN: GB33BUKB20201555555555",
                "logo": format!("data:image/png;base64,{logo}"),
            })),
        )
        .await,
        StatusCode::OK,
    )
}

async fn customer(app: &TestApp, admin: &str, name: &str, email: Option<&str>) -> String {
    let mut body = json!({
        "name": name,
        "currency": "GBP",
        "payment_terms_days": 14,
        "billing_address": {"line1": "22 Mill Lane", "city": "Leeds", "postal_code": "LS1 1AA", "country": "GB"},
    });
    if let Some(e) = email {
        body["email"] = json!(e);
    }
    ok(
        app.post("/api/v1/customers", Some(admin), body).await,
        StatusCode::CREATED,
    )["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn lines(n: usize) -> Value {
    Value::Array(
        (0..n)
            .map(|i| {
                json!({
                    "description": format!("Consulting block {i:03}"),
                    "quantity": "1.5",
                    "unit_price": 10_000 + i as i64,
                    "tax_rate": if i % 2 == 0 { "20" } else { "5" },
                })
            })
            .collect(),
    )
}

/// A new issued invoice; returns its JSON.
async fn issued_invoice(
    app: &TestApp,
    token: &str,
    customer: &str,
    lines: Value,
    dates: Value,
) -> Value {
    let draft = ok(
        app.post(
            "/api/v1/invoices",
            Some(token),
            json!({"customer_id": customer, "lines": lines}),
        )
        .await,
        StatusCode::CREATED,
    );
    let id = draft["id"].as_str().unwrap();
    ok(
        app.post(&format!("/api/v1/invoices/{id}/issue"), Some(token), dates)
            .await,
        StatusCode::OK,
    )
}

async fn company_settings_are_admin_only_versioned_validated_and_audited(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let defaults = ok(
        app.get("/api/v1/settings/company", Some(&admin)).await,
        StatusCode::OK,
    );
    assert_eq!(defaults["version"], 0);
    assert_eq!(
        defaults["reminders"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["days"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        vec![-3, 0, 7, 14, 30]
    );
    // No If-Match: 428; a stale one: 412.
    app.request(
        Method::PUT,
        "/api/v1/settings/company",
        Some(&admin),
        Some(json!({})),
    )
    .await
    .assert_problem(StatusCode::PRECONDITION_REQUIRED, "precondition-required");
    app.send(
        Method::PUT,
        "/api/v1/settings/company",
        &admin,
        &[("if-match", "\"7\"")],
        Some(json!({})),
    )
    .await
    .assert_problem(StatusCode::PRECONDITION_FAILED, "stale-version");
    // Every bad field at once.
    let bad = app
        .put_settings(
            &admin,
            with_seller(json!({
                "brand_colour": "green",
                "time_zone": "Moon/Base",
                "logo": base64::engine::general_purpose::STANDARD.encode(b"GIF89a not a png"),
                "reminders": {"enabled": true, "steps": [{"days": 500}]},
            })),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    let fields = bad.error_fields();
    for f in [
        "brand_colour",
        "time_zone",
        "logo",
        "reminders.steps[0].days",
    ] {
        assert!(fields.contains(&f), "{f} in {fields:?}");
    }
    let saved = branded(&app, &admin).await;
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["brand_colour"], "#0A7A55");
    assert_eq!(saved["logo"]["format"], "png");
    assert_eq!(saved["logo"]["width"], 120);
    // New customers take the company's default currency and payment terms.
    let c = ok(
        app.post("/api/v1/customers", Some(&admin), json!({"name": "Adatum"}))
            .await,
        StatusCode::CREATED,
    );
    assert_eq!(c["currency"], "GBP");
    assert_eq!(c["payment_terms_days"], 14);
    let (status, ct, logo) = app.bytes("/api/v1/settings/company/logo", &admin).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "image/png");
    // Stored re-encoded (an opaque logo loses its alpha channel), with the same pixels.
    let stored = image::load_from_memory(&logo).expect("the stored logo decodes");
    let uploaded = image::load_from_memory(&png_logo(120, 40)).unwrap();
    assert_eq!(stored.color(), image::ColorType::Rgb8);
    assert_eq!(stored.to_rgba8(), uploaded.to_rgba8());
    // Absent logo keeps it; null removes it.
    let kept = ok(
        app.put_settings(
            &admin,
            with_seller(json!({"legal_name": "Northwind Traders Ltd"})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(kept["logo"]["width"], 120);
    assert_eq!(kept["version"], 2);
    let removed = ok(
        app.put_settings(&admin, with_seller(json!({"logo": null})))
            .await,
        StatusCode::OK,
    );
    assert!(removed["logo"].is_null());
    app.get("/api/v1/settings/company/logo", Some(&admin))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not-found");
    let (_, manager) = app.user_with_role("mona", Role::Manager).await;
    app.get("/api/v1/settings/company", Some(&manager))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let audit = ok(
        app.get(
            "/api/v1/audit?entity_type=settings&entity_id=company",
            Some(&admin),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(audit["items"].as_array().unwrap().len(), 3);
    assert!(
        !audit.to_string().contains("iVBOR"),
        "the logo image is never copied into the audit trail"
    );
}

/// CRC-32 of PNG chunks (bitwise; fixtures only).
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                0xEDB8_8320 ^ (crc >> 1)
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A small valid PNG whose header then claims `width` x `height` at `depth` bits of RGBA
/// (CRC fixed): a decompression bomb as a decoder first sees it.
fn png_claiming(width: u32, height: u32, depth: u8) -> Vec<u8> {
    let mut png = png_logo(8, 8);
    // Signature (8), IHDR length (4), "IHDR" at 12..16, its data at 16..29, CRC at 29..33.
    png[16..20].copy_from_slice(&width.to_be_bytes());
    png[20..24].copy_from_slice(&height.to_be_bytes());
    png[24] = depth;
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// A 300 x 100 JPEG photo with an EXIF segment: orientation 6 (turn 90° clockwise) and a
/// description holding `secret`.
fn jpeg_with_exif(secret: &[u8]) -> Vec<u8> {
    let photo = image::RgbImage::from_fn(300, 100, |x, y| {
        image::Rgb([(x % 256) as u8, (y * 2) as u8, 40])
    });
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::from(photo)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .expect("jpeg");
    let jpeg = jpeg.into_inner();
    let mut tiff = b"MM\x00\x2a\x00\x00\x00\x08\x00\x02".to_vec();
    tiff.extend_from_slice(&[0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, 6, 0, 0]);
    tiff.extend_from_slice(&[0x01, 0x0E, 0, 2]);
    tiff.extend_from_slice(&(secret.len() as u32 + 1).to_be_bytes());
    tiff.extend_from_slice(&38u32.to_be_bytes());
    tiff.extend_from_slice(&[0, 0, 0, 0]);
    tiff.extend_from_slice(secret);
    tiff.push(0);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&(tiff.len() as u16 + 8).to_be_bytes());
    out.extend_from_slice(b"Exif\x00\x00");
    out.extend_from_slice(&tiff);
    out.extend_from_slice(&jpeg[2..]);
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

async fn a_logo_is_prepared_once_at_upload_and_bombs_are_refused(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);

    // 4096 x 4096 (64 MiB of pixels) in a small file: stored downscaled to the logo box.
    let big = png_logo(4096, 4096);
    assert!(big.len() < 256 * 1024, "{} bytes", big.len());
    let saved = ok(
        app.put_settings(
            &admin,
            with_seller(json!({"legal_name": "Northwind Traders Ltd", "logo": b64(&big)})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(saved["logo"]["format"], "png");
    assert_eq!(
        (
            saved["logo"]["width"].as_u64(),
            saved["logo"]["height"].as_u64()
        ),
        (Some(240), Some(240))
    );
    let (status, ct, stored) = app.bytes("/api/v1/settings/company/logo", &admin).await;
    assert_eq!((status, ct.as_str()), (StatusCode::OK, "image/png"));
    assert_eq!(saved["logo"]["bytes"].as_u64(), Some(stored.len() as u64));
    eprintln!(
        "a {} byte 4096 x 4096 PNG is stored as {} bytes",
        big.len(),
        stored.len()
    );
    let decoded = image::load_from_memory(&stored).expect("the stored logo decodes");
    assert_eq!((decoded.width(), decoded.height()), (240, 240));

    // The PDF embeds the stored logo as it is prepared.
    let c = customer(&app, &admin, "Fabrikam Holdings", None).await;
    let invoice = issued_invoice(&app, &admin, &c, lines(2), json!({})).await;
    let id = invoice["id"].as_str().unwrap();
    let (status, _, pdf) = app
        .bytes(&format!("/api/v1/invoices/{id}/pdf"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        contains(&pdf, b"/Im1") && contains(&pdf, b"/Width 240"),
        "logo in the PDF"
    );
    assert!(pdf_text(&pdf).contains("Fabrikam Holdings"));

    // A JPEG comes back without its EXIF segment, turned the way it said.
    let photo = jpeg_with_exif(b"GPS 51.5074N 0.1278W");
    assert!(contains(&photo, b"Exif") && contains(&photo, b"GPS 51.5074N"));
    let saved = ok(
        app.put_settings(
            &admin,
            with_seller(json!({"logo": format!("data:image/jpeg;base64,{}", b64(&photo))})),
        )
        .await,
        StatusCode::OK,
    );
    assert_eq!(saved["logo"]["format"], "jpeg");
    assert_eq!(
        (
            saved["logo"]["width"].as_u64(),
            saved["logo"]["height"].as_u64()
        ),
        (Some(80), Some(240))
    );
    let (_, ct, stored) = app.bytes("/api/v1/settings/company/logo", &admin).await;
    assert_eq!(ct, "image/jpeg");
    assert!(!contains(&stored, b"Exif"), "EXIF removed");
    assert!(!contains(&stored, b"GPS 51.5074N"), "EXIF removed");
    let (status, _, pdf) = app
        .bytes(&format!("/api/v1/invoices/{id}/pdf"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        contains(&pdf, b"/DCTDecode") && contains(&pdf, &stored),
        "the JPEG embedded as stored"
    );

    // Bombs: refused from the header with a field error, never a server error; the logo stays.
    for (bomb, message) in [
        (png_claiming(65535, 65535, 8), "at most 4096 x 4096 pixels"),
        (png_claiming(4096, 4096, 16), "too large once decoded"),
    ] {
        let reply = app
            .put_settings(&admin, with_seller(json!({"logo": b64(&bomb)})))
            .await;
        reply.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
        assert_eq!(reply.error_fields(), vec!["logo"], "{}", reply.body);
        assert!(
            reply.body["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains(message),
            "{}",
            reply.body
        );
    }
    let current = ok(
        app.get("/api/v1/settings/company", Some(&admin)).await,
        StatusCode::OK,
    );
    assert_eq!(current["logo"]["format"], "jpeg");
}

async fn a_sent_invoice_arrives_with_its_pdf(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    branded(&app, &admin).await;
    let (_, accountant) = app.user_with_role("alex", Role::Accountant).await;
    let to = app.email("buyer");
    let c = customer(&app, &admin, "Fabrikam Holdings", Some(&to)).await;
    let invoice = issued_invoice(&app, &accountant, &c, lines(3), json!({})).await;
    let id = invoice["id"].as_str().unwrap();
    let number = invoice["number"].as_str().unwrap();

    // The PDF over HTTP: real text with the number, the customer and the total.
    let (status, ct, pdf) = app
        .bytes(&format!("/api/v1/invoices/{id}/pdf"), &accountant)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "application/pdf");
    let text = pdf_text(&pdf);
    let total =
        erp_shared::domain::money::format_grouped(invoice["totals"]["total"].as_i64().unwrap(), 2);
    for needle in [
        number,
        "Fabrikam Holdings",
        "Northwind Traders Ltd",
        "22 Mill Lane",
        "IBAN: GB33BUKB20201555555555",
        "Page 1 of 1",
        total.as_str(),
    ] {
        assert!(text.contains(needle), "{needle:?} in the PDF text:\n{text}");
    }

    // Drafts cannot be sent; a customer without email needs an address.
    let draft = ok(
        app.post(
            "/api/v1/invoices",
            Some(&accountant),
            json!({"customer_id": c, "lines": lines(1)}),
        )
        .await,
        StatusCode::CREATED,
    );
    app.post(
        &format!("/api/v1/invoices/{}/send", draft["id"].as_str().unwrap()),
        Some(&accountant),
        json!({}),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "invalid-status");
    let (_, sales) = app.user_with_role("sam", Role::Sales).await;
    app.post(
        &format!("/api/v1/invoices/{id}/send"),
        Some(&sales),
        json!({}),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    let sent = ok(
        app.post(
            &format!("/api/v1/invoices/{id}/send"),
            Some(&accountant),
            json!({}),
        )
        .await,
        StatusCode::ACCEPTED,
    );
    assert_eq!(sent["to"], to.as_str());
    assert_eq!(sent["status"], "sent");
    let mails = app.emails_to(&to).await;
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail.from, app.company_sender());
    assert!(mail.subject.contains(number), "{}", mail.subject);
    assert!(mail.subject.contains("Northwind Traders Ltd"));
    assert!(
        mail.html.contains("#0A7A55"),
        "brand colour in the HTML part"
    );
    assert!(mail.text.contains("IBAN: GB33BUKB20201555555555"));
    assert!(mail.text.contains(&format!("Reference: {number}")));
    let (name, _, _) = &mail.attachments[0];
    assert_eq!(name, &format!("{number}.pdf"));
    let attached = mail.pdf_text();
    assert!(attached.contains(number) && attached.contains("Fabrikam Holdings"));
    assert!(attached.contains(total.as_str()));

    let audit = app
        .get(
            &format!("/api/v1/audit?entity_type=invoice&entity_id={id}"),
            Some(&admin),
        )
        .await;
    assert!(audit.actions().contains(&"invoice.sent"));
}

async fn a_500_line_invoice_pdf_paginates_with_headers_and_page_numbers(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    app.seller_ready(&admin).await;
    let c = customer(&app, &admin, "Contoso Bulk", None).await;
    let invoice = issued_invoice(&app, &admin, &c, lines(500), json!({})).await;
    let id = invoice["id"].as_str().unwrap();
    let (status, _, pdf) = app
        .bytes(&format!("/api/v1/invoices/{id}/pdf"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    let text = pdf_text(&pdf);
    let pages = text.matches("Page ").count();
    let last = (1..=100)
        .rev()
        .find(|n| text.contains(&format!("Page 1 of {n}")))
        .expect("page numbers");
    assert!(last >= 10, "500 lines take many pages, got {last}");
    assert!(pages >= last, "every page is numbered");
    for p in 1..=last {
        assert!(text.contains(&format!("Page {p} of {last}")), "page {p}");
    }
    assert!(
        text.matches("Description").count() >= last - 1,
        "the table header repeats on every page of lines"
    );
    assert!(text.contains("Consulting block 000") && text.contains("Consulting block 499"));
    let total =
        erp_shared::domain::money::format_grouped(invoice["totals"]["total"].as_i64().unwrap(), 2);
    assert!(text.contains(total.as_str()), "total {total}");
    assert!(
        text.contains("20%") && text.contains("5%"),
        "tax breakdown by rate"
    );
}

async fn order_confirmations_and_payment_receipts_reach_the_customer(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    branded(&app, &admin).await;
    let to = app.email("orders");
    let c = customer(&app, &admin, "Tailspin Toys", Some(&to)).await;
    let order = ok(
        app.post(
            "/api/v1/orders",
            Some(&admin),
            json!({"customer_id": c, "lines": lines(2)}),
        )
        .await,
        StatusCode::CREATED,
    );
    let oid = order["id"].as_str().unwrap();
    assert!(app.emails_to(&to).await.is_empty(), "drafts send nothing");
    ok(
        app.post(
            &format!("/api/v1/orders/{oid}/confirm"),
            Some(&admin),
            json!({}),
        )
        .await,
        StatusCode::OK,
    );
    let mails = app.emails_to(&to).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.starts_with("Order confirmation ORD-"));
    assert!(mails[0].text.contains("Consulting block 001"));
    let total =
        erp_shared::domain::money::format_grouped(order["totals"]["total"].as_i64().unwrap(), 2);
    assert!(mails[0].text.contains(&format!("GBP {total}")));
    assert!(mails[0].html.contains("Northwind Traders Ltd"));

    let invoice = ok(
        app.post(
            &format!("/api/v1/orders/{oid}/invoice"),
            Some(&admin),
            json!({}),
        )
        .await,
        StatusCode::CREATED,
    );
    let iid = invoice["id"].as_str().unwrap();
    let issued = ok(
        app.post(
            &format!("/api/v1/invoices/{iid}/issue"),
            Some(&admin),
            json!({}),
        )
        .await,
        StatusCode::OK,
    );
    let due = issued["balance_due"].as_i64().unwrap();
    ok(
        app.post(
            &format!("/api/v1/invoices/{iid}/payments"),
            Some(&admin),
            json!({"amount": 1000, "method": "card", "reference": "R-1"}),
        )
        .await,
        StatusCode::CREATED,
    );
    ok(
        app.post(
            &format!("/api/v1/invoices/{iid}/payments"),
            Some(&admin),
            json!({"amount": due - 1000, "method": "bank_transfer"}),
        )
        .await,
        StatusCode::CREATED,
    );
    let mails = app.emails_to(&to).await;
    assert_eq!(mails.len(), 3, "confirmation and two receipts");
    let receipts: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.starts_with("Payment received for INV-"))
        .collect();
    assert_eq!(receipts.len(), 2);
    assert!(
        receipts
            .iter()
            .any(|m| m.text.contains("GBP 10.00") && m.text.contains("R-1"))
    );
    assert!(
        receipts
            .iter()
            .any(|m| m.text.contains("paid in full") && m.text.contains("GBP 0.00"))
    );
}

async fn a_failed_send_is_retried_and_arrives_once(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    // The company's sender is not yet known to the mail service (emulator), or the mail
    // folder is blocked (files): every send fails until repaired.
    ok(
        app.put_settings(
            &admin,
            with_seller(
                json!({"legal_name": "Northwind Traders Ltd", "email_from": app.company_sender()}),
            ),
        )
        .await,
        StatusCode::OK,
    );
    app.break_mail().await;
    let to = app.email("retry");
    let c = customer(&app, &admin, "Wide World Importers", Some(&to)).await;
    let invoice = issued_invoice(&app, &admin, &c, lines(2), json!({})).await;
    let id = invoice["id"].as_str().unwrap();
    let sent = ok(
        app.post(
            &format!("/api/v1/invoices/{id}/send"),
            Some(&admin),
            json!({}),
        )
        .await,
        StatusCode::ACCEPTED,
    );
    assert_eq!(sent["status"], "pending", "kept for a retry, not lost");
    let outbox_id = sent["outbox_id"].as_str().unwrap().to_string();
    let pending = ok(
        app.get("/api/v1/outbox?status=pending", Some(&admin)).await,
        StatusCode::OK,
    );
    let listed = &pending["items"][0];
    assert_eq!(listed["id"], outbox_id.as_str());
    assert_eq!(listed["attempts"], 1);
    // What failed, but not where (the log names the folder and the OS error).
    let reason = match backend {
        Backend::Embedded => "the local mail folder could not be written",
        Backend::Dynamo => "the mail service refused or failed the send",
    };
    assert_eq!(listed["last_error"], reason, "{listed}");
    assert!(app.emails_to(&to).await.is_empty());

    let courier = app.state.courier();
    let now = chrono::Utc::now().timestamp();
    // Not due yet: nothing happens.
    let early = outbox::drain(&courier, now + 1).await.unwrap();
    assert_eq!(early.sent + early.failed, 0);
    app.repair_mail().await;
    let retry = outbox::drain(&courier, now + outbox::backoff_secs(1) + 1)
        .await
        .unwrap();
    assert_eq!(retry.sent, 1);
    // Later sweeps (and a redelivered stream record) send nothing more.
    let again = outbox::drain(&courier, now + 3600).await.unwrap();
    assert_eq!(again.sent, 0);
    assert_eq!(
        outbox::deliver(&courier, &outbox_id, now + 3600)
            .await
            .unwrap(),
        outbox::Delivery::Skipped
    );
    let mails = app.emails_to(&to).await;
    assert_eq!(mails.len(), 1, "exactly one email");
    assert!(
        mails[0]
            .pdf_text()
            .contains(invoice["number"].as_str().unwrap())
    );
    let pending = ok(
        app.get("/api/v1/outbox?status=pending", Some(&admin)).await,
        StatusCode::OK,
    );
    assert!(pending["items"].as_array().unwrap().is_empty());
}

on_both_backends!(
    company_settings_are_admin_only_versioned_validated_and_audited,
    a_logo_is_prepared_once_at_upload_and_bombs_are_refused,
    a_sent_invoice_arrives_with_its_pdf,
    a_500_line_invoice_pdf_paginates_with_headers_and_page_numbers,
    order_confirmations_and_payment_receipts_reach_the_customer,
    a_failed_send_is_retried_and_arrives_once,
);
