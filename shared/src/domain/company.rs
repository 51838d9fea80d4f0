//! The company's own settings: who it is (name, address, tax id, logo, colour), how it
//! bills (currency, payment terms, bank details, footer), its time zone and its reminder
//! schedule. One record for the whole installation.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::address::Address;
use super::image::{ImageFormat, ImageInfo};
use super::money::Rounding;
use super::{Currency, Email, text};
use crate::error::Fields;

/// Most reminder steps in a schedule.
pub const MAX_REMINDER_STEPS: usize = 10;
/// Earliest reminder step, in days before the due date.
pub const MIN_STEP_DAYS: i32 = -60;
/// Latest reminder step, in days after the due date.
pub const MAX_STEP_DAYS: i32 = 365;
/// Brand colour used until the company sets one (a dark blue).
pub const DEFAULT_BRAND_COLOUR: &str = "#1F4E79";
pub const DEFAULT_PAYMENT_TERMS_DAYS: u32 = 30;

/// A late fee added to the invoice when a reminder step is sent (at most once per step).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum LateFee {
    /// A fixed amount in minor units of the invoice's currency.
    Amount { value: i64 },
    /// A percentage of the balance due when the step is sent, rounded half-up to minor units.
    Percent {
        #[schema(value_type = String)]
        value: Decimal,
    },
}

impl LateFee {
    /// The fee on a balance due (minor units); `None` when it rounds to nothing.
    pub fn on(&self, balance_due: i64) -> Option<i64> {
        let fee = match self {
            LateFee::Amount { value } => *value,
            LateFee::Percent { value } => {
                let fee = Rounding::HalfUp
                    .round(Decimal::from(balance_due) * value / Decimal::ONE_HUNDRED);
                i64::try_from(fee).ok()?
            }
        };
        (fee > 0).then_some(fee)
    }
}

/// One reminder: `days` relative to the due date (-3 = three days before, 0 = on the due
/// date, 7 = a week late), optionally with a late fee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderStep {
    pub days: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub late_fee: Option<LateFee>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReminderSchedule {
    pub enabled: bool,
    /// Sorted by `days`, each day at most once.
    pub steps: Vec<ReminderStep>,
}

impl Default for ReminderSchedule {
    /// 3 days before the due date, on it, then 7, 14 and 30 days after; no late fees.
    fn default() -> Self {
        Self {
            enabled: true,
            steps: [-3, 0, 7, 14, 30]
                .into_iter()
                .map(|days| ReminderStep {
                    days,
                    late_fee: None,
                })
                .collect(),
        }
    }
}

/// Where a step stands in its schedule: reminder `number` of `of`, `days` from the due date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepPlace {
    /// 1-based, in the schedule sorted by `days`.
    pub number: usize,
    /// How many steps the schedule has.
    pub of: usize,
    pub days: i32,
}

impl StepPlace {
    /// "Reminder 1 of 5: 3 days before the due date", "Reminder 2 of 5: on the due date",
    /// "Reminder 4 of 5: 14 days overdue".
    pub fn label(&self) -> String {
        format!(
            "Reminder {} of {}: {}",
            self.number,
            self.of,
            step_timing(self.days)
        )
    }
}

/// When a step falls, in words: "3 days before the due date", "on the due date", "1 day
/// overdue".
pub fn step_timing(days: i32) -> String {
    let plural = |n: i32| if n == 1 { "" } else { "s" };
    match days {
        d if d < 0 => format!("{} day{} before the due date", -d, plural(-d)),
        0 => "on the due date".into(),
        d => format!("{d} day{} overdue", plural(d)),
    }
}

impl ReminderSchedule {
    /// The place of the step on `days` in this schedule (sorted, as [`Self::parse`] leaves
    /// it), if it has one.
    pub fn place_of(&self, days: i32) -> Option<StepPlace> {
        let number = self.steps.iter().position(|s| s.days == days)? + 1;
        Some(StepPlace {
            number,
            of: self.steps.len(),
            days,
        })
    }

    /// Validates and sorts the steps; errors go to `f` under `reminders.steps[i]`.
    pub fn parse(mut self, f: &mut Fields) -> Self {
        if self.steps.len() > MAX_REMINDER_STEPS {
            f.error(
                "reminders.steps",
                format!("at most {MAX_REMINDER_STEPS} steps"),
            );
        }
        for (i, s) in self.steps.iter().enumerate() {
            let at = |p: &str| format!("reminders.steps[{i}].{p}");
            if !(MIN_STEP_DAYS..=MAX_STEP_DAYS).contains(&s.days) {
                f.error(
                    &at("days"),
                    format!("must be between {MIN_STEP_DAYS} and {MAX_STEP_DAYS}"),
                );
            }
            if self.steps[..i].iter().any(|o| o.days == s.days) {
                f.error(&at("days"), "two steps on the same day");
            }
            match &s.late_fee {
                Some(LateFee::Amount { value }) if !(1..=1_000_000_000).contains(value) => {
                    f.error(&at("late_fee.value"), "must be 1 to 1000000000 minor units")
                }
                Some(LateFee::Percent { value })
                    if *value <= Decimal::ZERO
                        || *value > Decimal::ONE_HUNDRED
                        || value.scale() > 4 =>
                {
                    f.error(
                        &at("late_fee.value"),
                        "must be a percentage above 0 and at most 100, at most 4 decimals",
                    )
                }
                Some(_) if s.days <= 0 => f.error(
                    &at("late_fee"),
                    "late fees apply only to steps after the due date",
                ),
                _ => {}
            }
        }
        self.steps.sort_by_key(|s| s.days);
        self
    }
}

/// What is known of the stored logo: the prepared image, not the upload (the image itself
/// is a separate item).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct LogoMeta {
    #[schema(value_type = String)]
    pub format: ImageFormat,
    pub width: u32,
    pub height: u32,
    pub bytes: usize,
    /// SHA-256 of the image, hex (changes when the logo changes).
    pub sha256: String,
}

impl LogoMeta {
    pub fn of(info: ImageInfo, data: &[u8]) -> Self {
        Self {
            format: info.format,
            width: info.width,
            height: info.height,
            bytes: data.len(),
            sha256: crate::auth::sha256_hex(data),
        }
    }
}

/// The company settings as stored and shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CompanySettings {
    /// The name on invoices and emails.
    pub legal_name: Option<String>,
    pub address: Option<Address>,
    pub tax_id: Option<String>,
    /// Sender address of every email (must belong to the SES identity of the deployment);
    /// the deployment's `ERP_EMAIL_FROM` when unset.
    #[schema(value_type = Option<String>)]
    pub email_from: Option<Email>,
    /// `#RRGGBB`.
    pub brand_colour: String,
    #[schema(value_type = String)]
    pub default_currency: Currency,
    /// IANA time zone: business dates (issue, due, "today" for reminders) are dates here.
    pub time_zone: String,
    pub payment_terms_days: u32,
    pub invoice_footer: Option<String>,
    /// Payment instructions printed on invoices and in emails (bank, IBAN, reference).
    pub bank_details: Option<String>,
    pub reminders: ReminderSchedule,
    pub logo: Option<LogoMeta>,
    /// Administrators must sign in with a second factor (TOTP); one without it sets it up
    /// during login.
    #[serde(default)]
    pub require_mfa_for_admins: bool,
    /// What e-invoices (UBL, CII) need of the seller beyond the above; `tax_id` is the
    /// seller's VAT identifier, with its country prefix.
    #[serde(default)]
    pub einvoicing: super::einvoice::SellerEInvoicing,
    pub updated_at: Option<String>,
    /// 0 until first saved.
    pub version: i64,
}

impl CompanySettings {
    /// The settings of a company that has not saved any yet.
    pub fn defaults(time_zone: chrono_tz::Tz) -> Self {
        Self {
            legal_name: None,
            address: None,
            tax_id: None,
            email_from: None,
            brand_colour: DEFAULT_BRAND_COLOUR.into(),
            default_currency: Currency::parse("EUR").expect("EUR is a currency"),
            time_zone: time_zone.name().into(),
            payment_terms_days: DEFAULT_PAYMENT_TERMS_DAYS,
            invoice_footer: None,
            bank_details: None,
            reminders: ReminderSchedule::default(),
            logo: None,
            require_mfa_for_admins: false,
            einvoicing: Default::default(),
            updated_at: None,
            version: 0,
        }
    }

    /// The time zone (validated when saved; UTC if a stored value no longer parses).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::UTC)
    }

    /// The brand colour as RGB.
    pub fn brand_rgb(&self) -> (u8, u8, u8) {
        parse_colour(&self.brand_colour).unwrap_or((0x1F, 0x4E, 0x79))
    }

    /// The address block: street lines, "postal code city", region, country.
    pub fn address_lines(&self) -> Vec<String> {
        self.address.as_ref().map(address_lines).unwrap_or_default()
    }
}

/// An address as printed lines.
pub fn address_lines(a: &Address) -> Vec<String> {
    let mut lines = vec![a.line1.clone()];
    lines.extend(a.line2.clone());
    lines.push(format!("{} {}", a.postal_code, a.city));
    lines.extend(a.region.clone());
    lines.push(a.country.clone());
    lines
}

/// `#RRGGBB` → (r, g, b).
pub fn parse_colour(s: &str) -> Option<(u8, u8, u8)> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let c = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some((c(0)?, c(2)?, c(4)?))
}

/// The body of `PUT /settings/company`: the whole record (absent optional fields are
/// cleared; absent defaults return to their defaults). `logo` is the exception: absent keeps
/// the current logo, `null` removes it, a string (base64 or a `data:` URL) replaces it.
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
pub struct SettingsRequest {
    pub legal_name: Option<String>,
    pub address: Option<Address>,
    pub tax_id: Option<String>,
    pub email_from: Option<String>,
    pub brand_colour: Option<String>,
    pub default_currency: Option<String>,
    pub time_zone: Option<String>,
    pub payment_terms_days: Option<i64>,
    pub invoice_footer: Option<String>,
    pub bank_details: Option<String>,
    pub reminders: Option<ReminderSchedule>,
    /// Require a second factor from administrators (default `false`).
    pub require_mfa_for_admins: Option<bool>,
    /// The seller's e-invoicing data; absent clears it (like every optional field).
    pub einvoicing: Option<super::einvoice::SellerEInvoicing>,
    /// PNG or JPEG, base64 (optionally as a `data:image/...;base64,` URL), at most 256 KiB and
    /// 4096 x 4096 pixels. Stored downscaled to fit 640 x 240 pixels, re-encoded without
    /// metadata (EXIF, text chunks, ICC profiles).
    #[serde(default, deserialize_with = "text::patch")]
    pub logo: text::Patch<String>,
}

/// What a logo change asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogoChange {
    Keep,
    Remove,
    Replace(LogoMeta, Vec<u8>),
}

impl SettingsRequest {
    /// The new settings (version and timestamps left to the caller) and the logo change;
    /// every input problem is a 422 listing each field. A new logo is stored prepared (see
    /// [`super::image::prepare_logo`]), hence the crate feature `logo`.
    #[cfg(feature = "logo")]
    pub fn apply(
        &self,
        current: &CompanySettings,
    ) -> Result<(CompanySettings, LogoChange), crate::error::Problem> {
        use base64::Engine;
        let mut f = Fields::new();
        let legal_name = f
            .check(
                "legal_name",
                text::optional_text(self.legal_name.as_deref(), 200, false),
            )
            .flatten();
        let address = self
            .address
            .as_ref()
            .and_then(|a| Address::parse(a, "address", &mut f));
        let tax_id = f
            .check(
                "tax_id",
                text::optional_text(self.tax_id.as_deref(), 50, false),
            )
            .flatten();
        let email_from = match self.email_from.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => f.check("email_from", Email::parse(e)),
        };
        let brand_colour = match self.brand_colour.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_BRAND_COLOUR.to_string(),
            Some(c) => match parse_colour(c) {
                Some(_) => c.to_ascii_uppercase(),
                None => {
                    f.error("brand_colour", "must be a colour as #RRGGBB");
                    DEFAULT_BRAND_COLOUR.to_string()
                }
            },
        };
        let default_currency = match self.default_currency.as_deref() {
            None => current.default_currency,
            Some(c) => f
                .check("default_currency", Currency::parse(c))
                .unwrap_or(current.default_currency),
        };
        let time_zone = match self.time_zone.as_deref().map(str::trim) {
            None | Some("") => current.time_zone.clone(),
            Some(tz) => match tz.parse::<chrono_tz::Tz>() {
                Ok(z) => z.name().to_string(),
                Err(_) => {
                    f.error(
                        "time_zone",
                        "must be an IANA time zone such as Europe/Paris",
                    );
                    current.time_zone.clone()
                }
            },
        };
        let payment_terms_days = match self.payment_terms_days {
            None => DEFAULT_PAYMENT_TERMS_DAYS,
            Some(d) => match u32::try_from(d) {
                Ok(d) if d <= 365 => d,
                _ => {
                    f.error("payment_terms_days", "must be between 0 and 365");
                    DEFAULT_PAYMENT_TERMS_DAYS
                }
            },
        };
        let invoice_footer = f
            .check(
                "invoice_footer",
                text::optional_text(self.invoice_footer.as_deref(), 500, true),
            )
            .flatten();
        let bank_details = f
            .check(
                "bank_details",
                text::optional_text(self.bank_details.as_deref(), 1000, true),
            )
            .flatten();
        let reminders = self.reminders.clone().unwrap_or_default().parse(&mut f);
        let einvoicing = self.einvoicing.clone().unwrap_or_default().parse(&mut f);
        let logo = match &self.logo {
            None => LogoChange::Keep,
            Some(None) => LogoChange::Remove,
            Some(Some(data)) => {
                let b64 = match data.trim().strip_prefix("data:") {
                    Some(rest) => rest.split_once(";base64,").map(|(_, d)| d).unwrap_or(""),
                    None => data.trim(),
                };
                match base64::engine::general_purpose::STANDARD.decode(b64.as_bytes()) {
                    Err(_) => {
                        f.error("logo", "must be base64 (or a data: URL) of a PNG or JPEG");
                        LogoChange::Keep
                    }
                    Ok(bytes) => match super::image::prepare_logo(&bytes) {
                        Ok(logo) => {
                            LogoChange::Replace(LogoMeta::of(logo.info, &logo.bytes), logo.bytes)
                        }
                        Err(e) => {
                            f.error("logo", e);
                            LogoChange::Keep
                        }
                    },
                }
            }
        };
        f.finish()?;
        let logo_meta = match &logo {
            LogoChange::Keep => current.logo.clone(),
            LogoChange::Remove => None,
            LogoChange::Replace(meta, _) => Some(meta.clone()),
        };
        Ok((
            CompanySettings {
                legal_name,
                address,
                tax_id,
                email_from,
                brand_colour,
                default_currency,
                time_zone,
                payment_terms_days,
                invoice_footer,
                bank_details,
                reminders,
                logo: logo_meta,
                require_mfa_for_admins: self.require_mfa_for_admins.unwrap_or(false),
                einvoicing,
                updated_at: current.updated_at.clone(),
                version: current.version,
            },
            logo,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_is_named_by_its_place_in_the_schedule() {
        let schedule = ReminderSchedule::default();
        let label = |days| schedule.place_of(days).map(|p| p.label());
        assert_eq!(
            label(-3).as_deref(),
            Some("Reminder 1 of 5: 3 days before the due date")
        );
        assert_eq!(
            label(0).as_deref(),
            Some("Reminder 2 of 5: on the due date")
        );
        assert_eq!(
            label(14).as_deref(),
            Some("Reminder 4 of 5: 14 days overdue")
        );
        assert_eq!(label(5), None, "not a step of the schedule");
        assert_eq!(step_timing(1), "1 day overdue");
        assert_eq!(step_timing(-1), "1 day before the due date");
    }

    #[cfg(feature = "logo")]
    fn defaults() -> CompanySettings {
        CompanySettings::defaults(chrono_tz::UTC)
    }

    #[test]
    fn default_schedule_is_three_before_to_thirty_after() {
        let days: Vec<i32> = ReminderSchedule::default()
            .steps
            .iter()
            .map(|s| s.days)
            .collect();
        assert_eq!(days, vec![-3, 0, 7, 14, 30]);
    }

    #[test]
    fn late_fees_round_half_up_and_skip_nothing() {
        let pct = LateFee::Percent {
            value: Decimal::new(15, 1),
        };
        assert_eq!(pct.on(10_000), Some(150));
        assert_eq!(pct.on(34), Some(1), "0.51 rounds up to 1");
        assert_eq!(pct.on(30), None, "0.45 rounds to 0: no fee");
        assert_eq!(LateFee::Amount { value: 500 }.on(1), Some(500));
    }

    #[cfg(feature = "logo")]
    #[test]
    fn every_bad_field_is_reported() {
        let req = SettingsRequest {
            brand_colour: Some("blue".into()),
            time_zone: Some("Mars/Base".into()),
            email_from: Some("not-an-address".into()),
            payment_terms_days: Some(400),
            default_currency: Some("XXXX".into()),
            logo: Some(Some("aGVsbG8=".into())),
            reminders: Some(ReminderSchedule {
                enabled: true,
                steps: vec![
                    ReminderStep {
                        days: 7,
                        late_fee: None,
                    },
                    ReminderStep {
                        days: 7,
                        late_fee: None,
                    },
                    ReminderStep {
                        days: -1,
                        late_fee: Some(LateFee::Amount { value: 100 }),
                    },
                ],
            }),
            ..Default::default()
        };
        let err = req.apply(&defaults()).unwrap_err();
        let body = serde_json::to_value(err.body()).unwrap();
        let fields: Vec<&str> = body["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        for f in [
            "brand_colour",
            "time_zone",
            "email_from",
            "payment_terms_days",
            "default_currency",
            "logo",
            "reminders.steps[1].days",
            "reminders.steps[2].late_fee",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[cfg(feature = "logo")]
    #[test]
    fn steps_are_sorted_and_absent_logo_is_kept() {
        let mut current = defaults();
        current.logo = Some(LogoMeta {
            format: ImageFormat::Png,
            width: 1,
            height: 1,
            bytes: 10,
            sha256: "ab".into(),
        });
        let req = SettingsRequest {
            legal_name: Some("Acme Ltd".into()),
            time_zone: Some("Pacific/Honolulu".into()),
            brand_colour: Some("#aa0011".into()),
            reminders: Some(ReminderSchedule {
                enabled: true,
                steps: vec![
                    ReminderStep {
                        days: 14,
                        late_fee: Some(LateFee::Amount { value: 1000 }),
                    },
                    ReminderStep {
                        days: -2,
                        late_fee: None,
                    },
                ],
            }),
            ..Default::default()
        };
        let (s, logo) = req.apply(&current).unwrap();
        assert_eq!(logo, LogoChange::Keep);
        assert!(s.logo.is_some());
        assert_eq!(s.brand_colour, "#AA0011");
        assert_eq!(s.brand_rgb(), (0xAA, 0x00, 0x11));
        assert_eq!(s.tz(), chrono_tz::Pacific::Honolulu);
        assert_eq!(
            s.reminders.steps.iter().map(|s| s.days).collect::<Vec<_>>(),
            vec![-2, 14]
        );
        let removed = SettingsRequest {
            logo: Some(None),
            ..Default::default()
        };
        let (s, logo) = removed.apply(&current).unwrap();
        assert_eq!(logo, LogoChange::Remove);
        assert!(s.logo.is_none());
    }
}
