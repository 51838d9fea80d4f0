//! E-invoices: every kind of invoice and credit note the ERP issues is exported as UBL and as
//! CII, and the official EN 16931 validation rules (CEN/TC 434 release 1.3.16, run by
//! `tests/einvoicing/validate.py` with saxonche) find no fatal failure in any of them. An
//! invoice that would break a rule is refused when it is issued, naming the rule and the
//! field, and nothing is exported for it.

use std::path::{Path, PathBuf};

use erp_tests::{Backend, Reply, StatusCode, TestApp, on_both_backends};
use serde_json::{Value, json};

fn ok(r: Reply, status: StatusCode) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    r.body
}

/// The seller with everything e-invoices can carry, as a settings body.
fn full_seller(profile: &str) -> Value {
    json!({
        "legal_name": "Northwind Trading GmbH",
        "address": {"line1": "Hauptstraße 5", "line2": "Hinterhaus", "city": "Berlin", "postal_code": "10115", "region": "Berlin", "country": "DE"},
        "tax_id": "DE123456789",
        "default_currency": "EUR",
        "einvoicing": {
            "profile": profile,
            "legal_registration_id": "HRB 123456",
            "electronic_address": {"scheme": "9930", "id": "DE123456789"},
            "contact_name": "Greta Accounts",
            "contact_phone": "+49 30 1234567",
            "contact_email": "accounts@northwind.example.com",
            "iban": "DE89 3704 0044 0532 0130 00",
            "bic": "COBADEFFXXX",
        },
    })
}

struct Shop {
    app: TestApp,
    admin: String,
    out: PathBuf,
    files: Vec<(String, PathBuf)>,
}

impl Shop {
    async fn new(backend: Backend, profile: &str) -> Shop {
        let app = TestApp::start(backend).await;
        let admin = app.admin_token().await;
        let r = app.put_settings(&admin, full_seller(profile)).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let out = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join("einvoices")
            .join(format!("{backend:?}-{profile}-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&out).unwrap();
        Shop {
            app,
            admin,
            out,
            files: Vec::new(),
        }
    }

    async fn customer(&self, body: Value) -> String {
        ok(
            self.app
                .post("/api/v1/customers", Some(&self.admin), body)
                .await,
            StatusCode::CREATED,
        )["id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    async fn draft(&self, customer: &str, currency: &str, lines: Value, extra: Value) -> Value {
        let mut body = json!({"customer_id": customer, "currency": currency, "lines": lines});
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        ok(
            self.app
                .post("/api/v1/invoices", Some(&self.admin), body)
                .await,
            StatusCode::CREATED,
        )
    }

    async fn issue(&self, id: &str) -> Reply {
        self.app
            .post(
                &format!("/api/v1/invoices/{id}/issue"),
                Some(&self.admin),
                json!({"issue_date": "2026-11-20", "due_date": "2026-12-20"}),
            )
            .await
    }

    async fn issued(&self, customer: &str, currency: &str, lines: Value, extra: Value) -> Value {
        let d = self.draft(customer, currency, lines, extra).await;
        ok(self.issue(d["id"].as_str().unwrap()).await, StatusCode::OK)
    }

    /// Downloads both e-invoices of `id` and keeps them for validation under `name`.
    async fn export(&mut self, name: &str, id: &str) -> (String, String) {
        let mut docs = Vec::new();
        for syntax in ["ubl", "cii"] {
            let (status, content_type, body) = self
                .app
                .bytes(&format!("/api/v1/invoices/{id}/{syntax}"), &self.admin)
                .await;
            let text = String::from_utf8(body).unwrap();
            assert_eq!(status, StatusCode::OK, "{name} {syntax}: {text}");
            assert!(
                content_type.starts_with("application/xml"),
                "{content_type}"
            );
            let path = self.out.join(format!("{name}.{syntax}.xml"));
            std::fs::write(&path, &text).unwrap();
            self.files.push((syntax.to_string(), path));
            docs.push(text);
        }
        let (status, content_type, pdf) = self
            .app
            .bytes(&format!("/api/v1/invoices/{id}/pdf"), &self.admin)
            .await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::OK, "application/pdf")
        );
        let path = self.out.join(format!("{name}.pdf"));
        std::fs::write(&path, &pdf).unwrap();
        self.files.push(("facturx".to_string(), path));
        let cii = docs.pop().unwrap();
        (docs.pop().unwrap(), cii)
    }

    /// Runs the official rules over every exported file: no fatal failure anywhere.
    fn validate(&self) -> usize {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/einvoicing/validate.py");
        let mut checked = 0;
        for syntax in ["ubl", "cii", "facturx"] {
            let files: Vec<&PathBuf> = self
                .files
                .iter()
                .filter(|(s, _)| s == syntax)
                .map(|(_, p)| p)
                .collect();
            let out = std::process::Command::new("python3")
                .arg(script)
                .arg(syntax)
                .args(&files)
                .output()
                .expect("python3 runs the validation (infra/test.sh installs saxonche)");
            let stdout = String::from_utf8_lossy(&out.stdout);
            let reports: Vec<Value> = stdout
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            assert_eq!(
                reports.len(),
                files.len(),
                "every {syntax} file is validated: {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            for r in &reports {
                assert!(r["error"].is_null(), "{r}");
                assert_eq!(r["xsd"], "valid", "{r}");
                assert_eq!(r["fatal"], json!([]), "{syntax}: {r}");
                if syntax == "facturx" {
                    assert_eq!(
                        (r["xml_file"].as_str(), r["level"].as_str()),
                        (Some("factur-x.xml"), Some("en16931")),
                        "{r}"
                    );
                    assert_eq!(r["pdfa"], json!([]), "what PDF/A-3b asks: {r}");
                }
            }
            assert!(out.status.success(), "{stdout}");
            checked += reports.len();
        }
        checked
    }
}

fn lines(rows: &[(&str, &str, i64, &str, Option<&str>)]) -> Value {
    Value::Array(
        rows.iter()
            .map(|(d, q, p, rate, cat)| {
                let mut l =
                    json!({"description": d, "quantity": q, "unit_price": p, "tax_rate": rate});
                if let Some(c) = cat {
                    l["vat_category"] = json!(c);
                }
                l
            })
            .collect(),
    )
}

fn address(country: &str) -> Value {
    json!({"line1": "1 Main Street", "city": "Capital", "postal_code": "1000", "country": country})
}

async fn every_kind_of_invoice_validates_as_ubl_and_cii(backend: Backend) {
    let mut s = Shop::new(backend, "en16931").await;
    let domestic = s.customer(json!({"name": "Müller & Söhne KG", "billing_address": {"line1": "Königsallee 1", "city": "Düsseldorf", "postal_code": "40212", "country": "DE"}, "tax_id": "DE987654321", "email": "ap@mueller.example.com", "buyer_reference": "04011000-12345-34"})).await;
    let french = s.customer(json!({"name": "Société Générale de Café SARL", "billing_address": address("FR"), "shipping_address": {"line1": "Quai 4", "city": "Lyon", "postal_code": "69002", "country": "FR"}, "tax_id": "FR40303265045", "legal_registration_id": "303265045"})).await;
    let american = s
        .customer(json!({"name": "Acme Corp", "billing_address": address("US"), "currency": "USD"}))
        .await;
    let greek = s.customer(json!({"name": "Σωκράτης Παπαδόπουλος Α.Ε.", "billing_address": {"line1": "Οδός Ερμού 10", "city": "Αθήνα", "postal_code": "10563", "country": "GR"}, "tax_id": "EL094259216"})).await;
    let polish = s.customer(json!({"name": "Zażółć Gęślą Jaźń Sp. z o.o.", "billing_address": {"line1": "ul. Świętokrzyska 12", "city": "Łódź", "postal_code": "90-001", "country": "PL"}, "tax_id": "PL5260250274"})).await;
    let russian = s.customer(json!({"name": "ООО «Ромашка»", "billing_address": {"line1": "ул. Ленина, д. 1", "city": "Москва", "postal_code": "101000", "country": "RU"}})).await;

    let standard = s
        .issued(
            &domestic,
            "EUR",
            lines(&[("Consulting", "3", 12_000, "19", None)]),
            json!({"purchase_order_reference": "PO-7781"}),
        )
        .await;
    assert_eq!(standard["purchase_order_reference"], "PO-7781");
    let several = s
        .issued(
            &domestic,
            "EUR",
            json!([
                {"description": "Books", "quantity": "4", "unit_price": 2_500, "tax_rate": "7", "discount": {"type": "percent", "value": "10"}},
                {"description": "Software licence", "quantity": "1.5", "unit_price": 33_333, "tax_rate": "19", "discount": {"type": "amount", "value": 1_000}, "unit_code": "C62"},
                {"description": "Support hours", "quantity": "2.25", "unit_price": 9_550, "tax_rate": "19", "unit_code": "HUR"},
            ]),
            json!({}),
        )
        .await;
    let zero = s
        .issued(
            &domestic,
            "EUR",
            lines(&[("Printed newspaper", "10", 250, "0", Some("Z"))]),
            json!({}),
        )
        .await;
    let exempt = s
        .issued(
            &domestic,
            "EUR",
            json!([{"description": "Medical treatment", "quantity": "1", "unit_price": 20_000, "tax_rate": "0", "vat_category": "E", "vat_exemption_reason": "Steuerfrei nach § 4 Nr. 14 UStG"}]),
            json!({}),
        )
        .await;
    let reverse = s
        .issued(
            &french,
            "EUR",
            lines(&[("Installation works", "1", 150_000, "0", Some("AE"))]),
            json!({}),
        )
        .await;
    let intra = s
        .issued(
            &french,
            "EUR",
            lines(&[("Machine parts", "12", 4_999, "0", Some("K"))]),
            json!({}),
        )
        .await;
    let export = s
        .issued(
            &american,
            "USD",
            lines(&[("Export goods", "5", 10_000, "0", Some("G"))]),
            json!({}),
        )
        .await;
    let yen = s
        .issued(
            &domestic,
            "JPY",
            lines(&[
                ("Tea", "3", 104, "10", None),
                ("Tea", "3", 104, "10", None),
                ("Cups", "1", 1_250, "8", None),
            ]),
            json!({}),
        )
        .await;
    let dinar = s
        .issued(
            &domestic,
            "KWD",
            lines(&[
                ("Service", "2", 1_250, "10", None),
                ("Parts", "1", 3_000, "0", Some("Z")),
            ]),
            json!({}),
        )
        .await;
    let non_latin = [
        s.issued(
            &greek,
            "EUR",
            lines(&[("Υπηρεσίες συμβούλου", "1", 50_000, "24", None)]),
            json!({}),
        )
        .await,
        s.issued(
            &polish,
            "EUR",
            lines(&[("Usługi doradcze – żółw", "2", 10_000, "23", None)]),
            json!({}),
        )
        .await,
        s.issued(
            &russian,
            "EUR",
            lines(&[("Консультационные услуги", "1", 70_000, "0", Some("G"))]),
            json!({}),
        )
        .await,
    ];
    let many: Vec<Value> = (0..500)
        .map(|i| json!({"description": format!("Timesheet entry {i}"), "quantity": "0.25", "unit_price": 7_333, "tax_rate": if i % 3 == 0 { "7" } else { "19" }, "unit_code": "HUR"}))
        .collect();
    let big = s
        .issued(
            &domestic,
            "EUR",
            Value::Array(many),
            json!({"buyer_reference": "PROJECT-42"}),
        )
        .await;

    let credited = ok(
        s.app
            .post(
                &format!(
                    "/api/v1/invoices/{}/credit-note",
                    standard["id"].as_str().unwrap()
                ),
                Some(&s.admin),
                json!({"reason": "Returned goods"}),
            )
            .await,
        StatusCode::CREATED,
    );
    let partial = ok(
        s.app
            .post(
                &format!("/api/v1/invoices/{}/credit-note", several["id"].as_str().unwrap()),
                Some(&s.admin),
                json!({"reason": "Goodwill", "lines": [{"description": "Goodwill on books", "quantity": "1", "unit_price": 1_000, "tax_rate": "7"}]}),
            )
            .await,
        StatusCode::CREATED,
    );

    let cases = [
        ("standard", &standard),
        ("several-rates-discounts", &several),
        ("zero-rated", &zero),
        ("exempt", &exempt),
        ("reverse-charge", &reverse),
        ("intra-community", &intra),
        ("export", &export),
        ("jpy", &yen),
        ("kwd", &dinar),
        ("greek", &non_latin[0]),
        ("polish", &non_latin[1]),
        ("cyrillic", &non_latin[2]),
        ("500-lines", &big),
        ("credit-note", &credited),
        ("partial-credit-note", &partial),
    ];
    let mut exported = Vec::new();
    for (name, doc) in cases {
        let pair = s.export(name, doc["id"].as_str().unwrap()).await;
        exported.push((name, doc.clone(), pair));
    }
    assert_eq!(
        s.validate(),
        45,
        "15 documents as UBL, CII and Factur-X PDF"
    );

    // What they say, beyond being valid.
    let find = |n: &str| exported.iter().find(|(name, _, _)| *name == n).unwrap();
    let (_, inv, (ubl, cii)) = find("standard");
    let number = inv["number"].as_str().unwrap();
    assert!(ubl.contains(&format!("<cbc:ID>{number}</cbc:ID>")));
    assert!(
        ubl.contains("<cbc:PayableAmount currencyID=\"EUR\">428.40</cbc:PayableAmount>"),
        "{ubl}"
    );
    assert!(ubl.contains("<cbc:BuyerReference>04011000-12345-34</cbc:BuyerReference>"));
    assert!(
        ubl.contains("<cbc:ID>DE89370400440532013000</cbc:ID>"),
        "the IBAN as payment means"
    );
    assert!(ubl.contains("<cac:OrderReference><cbc:ID>PO-7781</cbc:ID></cac:OrderReference>"));
    assert!(cii.contains("<ram:GrandTotalAmount>428.40</ram:GrandTotalAmount>"));
    assert!(cii.contains("<ram:ID schemeID=\"VA\">DE123456789</ram:ID>"));
    let (_, note, (ubl, cii)) = find("credit-note");
    assert!(ubl.contains("<CreditNote") && ubl.contains("<cbc:CreditNoteTypeCode>381"));
    assert!(ubl.contains(&format!("<cac:InvoiceDocumentReference><cbc:ID>{number}</cbc:ID><cbc:IssueDate>2026-11-20</cbc:IssueDate>")), "{ubl}");
    assert!(cii.contains("<ram:TypeCode>381</ram:TypeCode>"));
    assert_eq!(note["kind"], "credit_note");
    let (_, _, (ubl, _)) = find("exempt");
    assert!(ubl.contains(
        "<cbc:TaxExemptionReason>Steuerfrei nach § 4 Nr. 14 UStG</cbc:TaxExemptionReason>"
    ));
    let (_, _, (ubl, cii)) = find("reverse-charge");
    assert!(ubl.contains("<cbc:TaxExemptionReasonCode>VATEX-EU-AE</cbc:TaxExemptionReasonCode>"));
    assert!(cii.contains("<ram:CategoryCode>AE</ram:CategoryCode>"));
    let (_, _, (ubl, _)) = find("intra-community");
    assert!(ubl.contains("<cbc:ActualDeliveryDate>2026-11-20</cbc:ActualDeliveryDate>"));
    assert!(ubl.contains("<cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country></cac:Address></cac:DeliveryLocation>"));
    let (_, inv, (ubl, _)) = find("jpy");
    // Tax per rate: 6 × 104 at 10 % is 62.4 → 62 (line by line it would be 2 × 31 = 62;
    // 3 × 104 is 31.2 → 31 each), and 1250 at 8 % is 100.
    assert_eq!(inv["totals"]["tax"], 162);
    assert!(
        ubl.contains("<cbc:PayableAmount currencyID=\"JPY\">2036</cbc:PayableAmount>"),
        "{ubl}"
    );
    let (_, _, (ubl, _)) = find("kwd");
    assert!(
        ubl.contains("<cbc:PayableAmount currencyID=\"KWD\">5.75</cbc:PayableAmount>"),
        "{ubl}"
    );
    assert!(ubl.contains("<cbc:PriceAmount currencyID=\"KWD\">1.250</cbc:PriceAmount>"));
    let (_, _, (ubl, cii)) = find("greek");
    assert!(ubl.contains("Σωκράτης Παπαδόπουλος Α.Ε.") && cii.contains("Αθήνα"));
    let (_, _, (ubl, _)) = find("500-lines");
    assert_eq!(ubl.matches("<cac:InvoiceLine>").count(), 500);
    assert!(ubl.contains("<cbc:InvoicedQuantity unitCode=\"HUR\">0.25</cbc:InvoicedQuantity>"));
}

async fn peppol_invoices_carry_the_addresses_and_references_peppol_needs(backend: Backend) {
    let mut s = Shop::new(backend, "peppol_bis3").await;
    let without = s.customer(json!({"name": "No Peppol Id BV", "billing_address": address("NL"), "tax_id": "NL123456789B01"})).await;
    let draft = s
        .draft(
            &without,
            "EUR",
            lines(&[("Service", "1", 10_000, "21", None)]),
            json!({}),
        )
        .await;
    let refused = s.issue(draft["id"].as_str().unwrap()).await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "einvoice-incomplete");
    let fields = refused.error_fields();
    assert_eq!(
        fields,
        ["customer.electronic_address", "buyer_reference"],
        "{}",
        refused.body
    );
    assert!(
        refused.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("PEPPOL-EN16931-R010: ")
    );

    let with = s.customer(json!({"name": "Peppol Buyer BV", "billing_address": address("NL"), "tax_id": "NL123456789B01", "electronic_address": {"scheme": "0106", "id": "12345678"}, "buyer_reference": "DEPT-9", "email": "ap@peppol-buyer.example.com", "ubl_by_email": true})).await;
    let issued = s
        .issued(
            &with,
            "EUR",
            lines(&[("Service", "1", 10_000, "21", None)]),
            json!({}),
        )
        .await;
    let (ubl, cii) = s.export("peppol", issued["id"].as_str().unwrap()).await;
    assert!(ubl.contains("<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>"));
    assert!(
        ubl.contains("<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>")
    );
    assert!(ubl.contains("<cbc:EndpointID schemeID=\"0106\">12345678</cbc:EndpointID>"));
    assert!(cii.contains("<ram:URIID schemeID=\"9930\">DE123456789</ram:URIID>"));
    assert_eq!(s.validate(), 3);

    // The invoice email carries the Factur-X PDF and, as this customer asked, the UBL.
    let id = issued["id"].as_str().unwrap();
    let sent = s
        .app
        .post(
            &format!("/api/v1/invoices/{id}/send"),
            Some(&s.admin),
            json!({}),
        )
        .await;
    assert_eq!(sent.status, StatusCode::ACCEPTED, "{}", sent.body);
    s.app.drain_outbox().await;
    let mails = s.app.emails_to("ap@peppol-buyer.example.com").await;
    let mail = mails.last().expect("the invoice email");
    let number = issued["number"].as_str().unwrap();
    let names: Vec<(&str, &str)> = mail
        .attachments
        .iter()
        .map(|(n, t, _)| (n.as_str(), t.as_str()))
        .collect();
    assert_eq!(
        names,
        [
            (format!("{number}.pdf").as_str(), "application/pdf"),
            (format!("{number}.ubl.xml").as_str(), "application/xml"),
        ]
    );
    let (_, _, pdf) = &mail.attachments[0];
    assert!(
        pdf.windows(12).any(|w| w == b"factur-x.xml"),
        "the PDF embeds the CII"
    );
    assert_eq!(
        String::from_utf8(mail.attachments[1].2.clone()).unwrap(),
        ubl
    );
}

async fn an_invoice_that_would_break_a_rule_is_refused_naming_it(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    let customer = |body: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            ok(
                app.post("/api/v1/customers", Some(admin), body).await,
                StatusCode::CREATED,
            )["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let draft = |c: String, l: Value| {
        let app = &app;
        let admin = &admin;
        async move {
            ok(
                app.post(
                    "/api/v1/invoices",
                    Some(admin),
                    json!({"customer_id": c, "lines": l}),
                )
                .await,
                StatusCode::CREATED,
            )["id"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let issue = |id: String| {
        let app = &app;
        let admin = &admin;
        async move {
            app.post(
                &format!("/api/v1/invoices/{id}/issue"),
                Some(admin),
                json!({}),
            )
            .await
        }
    };
    let refused = |r: Reply| {
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "einvoice-incomplete");
        r.body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                let m = e["message"].as_str().unwrap();
                (
                    m[..m.find(':').unwrap()].to_string(),
                    e["field"].as_str().unwrap().to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());

    // A company that has filled in nothing, a customer without an address.
    let bare = customer(json!({"name": "Bare Ltd"})).await;
    let first = draft(bare.clone(), lines(&[("Service", "1", 10_000, "20", None)])).await;
    assert_eq!(
        refused(issue(first.clone()).await),
        [
            pair("BR-6", "settings.legal_name"),
            pair("BR-8", "settings.address"),
            pair("BR-10", "customer.billing_address"),
            pair("BR-S-02", "settings.tax_id"),
        ]
    );
    let still = app
        .get(&format!("/api/v1/invoices/{first}"), Some(&admin))
        .await;
    assert_eq!(
        (still.body["status"].as_str(), still.body["number"].as_str()),
        (Some("draft"), None)
    );
    for syntax in ["ubl", "cii"] {
        let r = app
            .get(&format!("/api/v1/invoices/{first}/{syntax}"), Some(&admin))
            .await;
        r.assert_problem(StatusCode::CONFLICT, "invalid-status");
    }

    // The seller without a VAT id: every category but O needs it (BR-S-02 names the field).
    app.put_settings(
        &admin,
        json!({"legal_name": "Small Shop", "address": address("DE")}),
    )
    .await;
    let good = customer(json!({"name": "Buyer GmbH", "billing_address": address("DE")})).await;
    let s_line = draft(good.clone(), lines(&[("Service", "1", 10_000, "19", None)])).await;
    assert_eq!(
        refused(issue(s_line.clone()).await),
        [pair("BR-S-02", "settings.tax_id")]
    );
    // A VAT id without its country prefix.
    app.put_settings(
        &admin,
        json!({"legal_name": "Small Shop", "address": address("DE"), "tax_id": "123456789"}),
    )
    .await;
    assert_eq!(
        refused(issue(s_line.clone()).await),
        [pair("BR-CO-09", "settings.tax_id")]
    );
    app.put_settings(
        &admin,
        json!({"legal_name": "Small Shop", "address": address("DE"), "tax_id": "DE123456789"}),
    )
    .await;
    let issued = ok(issue(s_line.clone()).await, StatusCode::OK);
    assert!(
        issued["number"].as_str().unwrap().ends_with("-000001"),
        "refusals took no number"
    );

    // Exempt without a reason; intra-community without the buyer's VAT id; O beside S.
    let e = draft(
        good.clone(),
        lines(&[("Treatment", "1", 10_000, "0", Some("E"))]),
    )
    .await;
    assert_eq!(
        refused(issue(e).await),
        [pair("BR-E-10", "lines[0].vat_exemption_reason")]
    );
    let k = draft(
        good.clone(),
        lines(&[("Parts", "1", 10_000, "0", Some("K"))]),
    )
    .await;
    assert_eq!(
        refused(issue(k).await),
        [pair("BR-IC-02", "customer.tax_id")]
    );
    let ae = draft(
        good.clone(),
        lines(&[("Works", "1", 10_000, "0", Some("AE"))]),
    )
    .await;
    assert_eq!(
        refused(issue(ae).await),
        [pair("BR-AE-02", "customer.tax_id")]
    );
    let o = draft(
        good.clone(),
        lines(&[
            ("Fee", "1", 1_000, "0", Some("O")),
            ("Service", "1", 10_000, "19", None),
        ]),
    )
    .await;
    assert_eq!(refused(issue(o).await), [pair("BR-O-11", "lines")]);
    // KWD amounts EN 16931 cannot write (more than two decimals).
    let kwd = ok(
        app.post("/api/v1/invoices", Some(&admin), json!({"customer_id": good, "currency": "KWD", "lines": lines(&[("Item", "1.5", 1_234, "5", None)])})).await,
        StatusCode::CREATED,
    );
    assert_eq!(
        refused(issue(kwd["id"].as_str().unwrap().to_string()).await),
        [pair("BR-DEC-23", "lines[0]")]
    );

    // Line checks at entry: a category's rate, an unknown category, unit or reason code.
    let bad = app
        .post(
            "/api/v1/invoices",
            Some(&admin),
            json!({"customer_id": good, "lines": [
                {"description": "A", "quantity": "1", "unit_price": 1, "tax_rate": "0", "vat_category": "S"},
                {"description": "B", "quantity": "1", "unit_price": 1, "tax_rate": "19", "vat_category": "AE"},
                {"description": "C", "quantity": "1", "unit_price": 1, "tax_rate": "0", "vat_category": "X"},
                {"description": "D", "quantity": "1", "unit_price": 1, "tax_rate": "0", "vat_category": "E", "vat_exemption_reason": "VATEX-EU-999"},
                {"description": "E", "quantity": "1", "unit_price": 1, "unit_code": "BOX"},
                {"description": "F", "quantity": "1", "unit_price": 1, "tax_rate": "19", "vat_exemption_reason": "why"},
            ]}),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(
        bad.error_fields(),
        [
            "lines[0].tax_rate",
            "lines[1].tax_rate",
            "lines[2].vat_category",
            "lines[3].vat_exemption_reason",
            "lines[4].unit_code",
            "lines[5].vat_exemption_reason",
        ]
    );

    // An issued invoice whose customer lost its address since: no export, the rule named.
    let patched = app
        .send(
            reqwest::Method::PATCH,
            &format!("/api/v1/customers/{good}"),
            &admin,
            &[("if-match", "\"1\"")],
            Some(json!({"billing_address": null})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.body);
    let r = app
        .get(&format!("/api/v1/invoices/{s_line}/ubl"), Some(&admin))
        .await;
    assert_eq!(refused(r), [pair("BR-10", "customer.billing_address")]);

    // Settings checks: IBAN check digits, an unknown electronic address scheme.
    let r = app
        .put_settings(&admin, json!({"legal_name": "Small Shop", "einvoicing": {"iban": "DE89370400440532013001", "bic": "COBA", "electronic_address": {"scheme": "9999", "id": "x"}}}))
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation");
    assert_eq!(
        r.error_fields(),
        [
            "einvoicing.iban",
            "einvoicing.bic",
            "einvoicing.electronic_address.scheme"
        ]
    );
}

async fn a_new_iban_needs_a_fresh_sign_in_and_tells_every_admin(backend: Backend) {
    let app = TestApp::start(backend).await;
    let admin = app.admin_token().await;
    // Without the X-Reauth proof a change of the e-invoices' IBAN is refused.
    let current = app.get("/api/v1/settings/company", Some(&admin)).await;
    let etag = current.headers["etag"].to_str().unwrap().to_string();
    let r = app
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/company",
            &admin,
            &[("if-match", etag.as_str())],
            Some(json!({"einvoicing": {"iban": "DE89370400440532013000"}})),
        )
        .await;
    r.assert_problem(StatusCode::FORBIDDEN, "reauth-required");
    // With it (the helper signs in again), it is saved and the admins are told, masked.
    let saved = app
        .put_settings(
            &admin,
            json!({"einvoicing": {"iban": "DE89370400440532013000"}}),
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.body["einvoicing"]["iban"], "DE89370400440532013000");
    app.drain_outbox().await;
    let mails = app.emails_to(&app.email("admin")).await;
    let notice = mails
        .iter()
        .find(|m| m.subject.contains("bank details"))
        .expect("a notice");
    assert!(
        notice.text.contains("DE89")
            && notice.text.contains("3000")
            && !notice.text.contains("370400440532013000"),
        "{}",
        notice.text
    );
}

on_both_backends!(
    every_kind_of_invoice_validates_as_ubl_and_cii,
    peppol_invoices_carry_the_addresses_and_references_peppol_needs,
    an_invoice_that_would_break_a_rule_is_refused_naming_it,
    a_new_iban_needs_a_fresh_sign_in_and_tells_every_admin,
);
