//! Every key shape of the table, in one place.
//!
//! | item | pk | sk | indexes |
//! |---|---|---|---|
//! | user | `USER#<id>` | `USER` | gsi1: `USERS#<status>` / `<created>#<id>`; gsi2: `USERS` / `<email>` |
//! | email guard | `USEREMAIL#<email>` | `USEREMAIL` | |
//! | login throttle: account | `LOGINLOCK#<email>` | `LOGINLOCK` | TTL |
//! | login throttle: account from an address | `LOGINLOCK#<email>#<address>` | `LOGINLOCK` | TTL |
//! | login throttle: address | `LOGINIP#<address>` | `LOGINIP` | TTL |
//! | refresh-token family | `SESSION#<family id>` | `SESSION` | TTL; gsi1: `SESSIONS#<user>` / `<created>#<family>` while not revoked (sparse) |
//! | two-factor sign-in (TOTP) | `USER#<id>` | `MFA` | |
//! | second sign-in step pending | `MFACHALLENGE#<sha256 of challenge>` | `MFACHALLENGE` | TTL 5 min |
//! | fresh sign-in proof | `REAUTH#<sha256 of token>` | `REAUTH` | TTL 5 min |
//! | password reset / invite / verification token | `RESET#<sha256 of token>` | `RESET` | TTL |
//! | unverified registration | `REGISTRATION#<id>` | `REGISTRATION` | TTL 24 h |
//! | email cooldown | `MAILCOOLDOWN#<kind>#<email>` | `MAILCOOLDOWN` | TTL |
//! | emails asked for by a client address | `MAILIP#<address>` | `MAILIP` | TTL |
//! | counter | `COUNTER#<name>` | `COUNTER` | |
//! | outbox message | `OUTBOX#<id>` | `OUTBOX` | gsi1: `OUTBOX#pending` / `<created>#<id>` (sparse) |
//! | audit record | `AUDIT#<entity type>#<entity id>` | `<at>#<id>` | gsi1: `AUDIT` / `<at>#<id>`; gsi2: `AUDITACTOR#<actor>` / `<at>#<id>` |
//! | customer | `CUSTOMER#<id>` | `CUSTOMER` | gsi1: `CUSTOMERS#<status>` / `<lower name>#<id>`; gsi2: `CUSTOMERS#<status>` / `<created>#<id>`; gsi3: `CUSTOMERS#<status>` / `<email>#<id>` |
//! | product | `PRODUCT#<id>` | `PRODUCT` | gsi1: `PRODUCTS#<status>` / `<lower name>#<id>`; gsi2: `PRODUCTS#<status>` / `<created>#<id>`; gsi3: `PRODUCTS#<status>` / `<lower sku>` |
//! | order | `ORDER#<id>` | `ORDER` | gsi1 `ORDERS#<status>`, gsi2 `ORDERS#CUSTOMER#<id>`, gsi4 `ORDERS`; all `<created>#<id>` |
//! | invoice | `INVOICE#<id>` | `INVOICE` | gsi1 `INVOICES#<status>`, gsi2 `INVOICES#CUSTOMER#<id>`, gsi4 `INVOICES`: `<date>#<id>`; gsi3 `INVOICENUMBERS` / `<number>` once issued; gsi5 `OPENINVOICES` / `<due date>#<id>` while open (sparse) |
//! | reminder step sent | `INVOICE#<invoice id>` | `REMINDER#<step days>` | |
//! | company settings | `SETTINGS#company` | `SETTINGS` | |
//! | company logo | `SETTINGS#company` | `LOGO` | |
//! | payment | `INVOICE#<invoice id>` | `PAYMENT#<date>#<id>` | gsi1 `PAYMENTS`, gsi2 `PAYMENTS#CUSTOMER#<id>`: `<date>#<id>` |
//! | idempotency | `IDEMP#<scope>#<key>` | `IDEMP` | TTL 24 h |
//! | daily rollup | `STATS#<date>` | `TOTALS`, `CUSTOMER#<id>`, `PRODUCTS#<shard>` | |
//! | external id | `EXTID#<system>#<object>#<id>` | `EXTID` | |
//! | processed inbound event | `INBOUND#<system>#<id>` | `INBOUND` | TTL 30 days |
//! | SKU guard | `PRODUCTSKU#<lower sku>` | `PRODUCTSKU` | |

use super::Key;

pub fn user(id: &str) -> Key {
    Key::new(format!("USER#{id}"), "USER")
}
pub fn user_email(email: &str) -> Key {
    Key::new(format!("USEREMAIL#{email}"), "USEREMAIL")
}
pub fn login_lock(email: &str) -> Key {
    Key::new(format!("LOGINLOCK#{email}"), LOGIN_LOCK_SK)
}
/// Sort key of the login throttle's buckets (see `login_throttle`).
pub const LOGIN_LOCK_SK: &str = "LOGINLOCK";
pub fn session(family: &str) -> Key {
    Key::new(format!("SESSION#{family}"), "SESSION")
}
/// Index partition (gsi1) of a user's sessions, newest last.
pub fn sessions_of_user(user_id: &str) -> String {
    format!("SESSIONS#{user_id}")
}
/// A user's two-factor settings (TOTP secret, recovery codes), beside the user item.
pub fn mfa(user_id: &str) -> Key {
    Key::new(format!("USER#{user_id}"), "MFA")
}
/// The second step of a sign-in, waiting for its code (TTL).
pub fn mfa_challenge(challenge_hash: &str) -> Key {
    Key::new(format!("MFACHALLENGE#{challenge_hash}"), "MFACHALLENGE")
}
/// Proof of a fresh sign-in, required to change bank details (TTL).
pub fn reauth(token_hash: &str) -> Key {
    Key::new(format!("REAUTH#{token_hash}"), "REAUTH")
}
/// A registration waiting for its address to be confirmed (TTL 24 h).
pub fn registration(id: &str) -> Key {
    Key::new(format!("REGISTRATION#{id}"), "REGISTRATION")
}
/// When the last email of a kind (`reset`, `register`) went to an address (TTL).
pub fn mail_cooldown(what: &str, email: &str) -> Key {
    Key::new(format!("MAILCOOLDOWN#{what}#{email}"), "MAILCOOLDOWN")
}
pub fn reset_token(token_hash: &str) -> Key {
    Key::new(format!("RESET#{token_hash}"), "RESET")
}
pub fn counter(name: &str) -> Key {
    Key::new(format!("COUNTER#{name}"), "COUNTER")
}
pub fn outbox(id: &str) -> Key {
    Key::new(format!("OUTBOX#{id}"), "OUTBOX")
}

pub fn audit(entity_type: &str, entity_id: &str, sk: &str) -> Key {
    Key::new(audit_partition(entity_type, entity_id), sk)
}
pub fn audit_partition(entity_type: &str, entity_id: &str) -> String {
    format!("AUDIT#{entity_type}#{entity_id}")
}
/// Index partition of every audit record (the activity feed).
pub const AUDIT_FEED: &str = "AUDIT";
pub fn audit_by_actor(actor_id: &str) -> String {
    format!("AUDITACTOR#{actor_id}")
}

pub fn customer(id: &str) -> Key {
    Key::new(format!("CUSTOMER#{id}"), "CUSTOMER")
}
pub fn customers(status: &str) -> String {
    format!("CUSTOMERS#{status}")
}
pub fn product(id: &str) -> Key {
    Key::new(format!("PRODUCT#{id}"), "PRODUCT")
}
pub fn products(status: &str) -> String {
    format!("PRODUCTS#{status}")
}
pub fn product_sku(sku_lower: &str) -> Key {
    Key::new(format!("PRODUCTSKU#{sku_lower}"), "PRODUCTSKU")
}

pub fn order(id: &str) -> Key {
    Key::new(format!("ORDER#{id}"), "ORDER")
}
pub fn orders(status: &str) -> String {
    format!("ORDERS#{status}")
}
pub fn orders_of_customer(customer_id: &str) -> String {
    format!("ORDERS#CUSTOMER#{customer_id}")
}
pub const ALL_ORDERS: &str = "ORDERS";

pub fn invoice(id: &str) -> Key {
    Key::new(invoice_partition(id), "INVOICE")
}
pub fn invoice_partition(id: &str) -> String {
    format!("INVOICE#{id}")
}
pub fn invoices(status: &str) -> String {
    format!("INVOICES#{status}")
}
pub fn invoices_of_customer(customer_id: &str) -> String {
    format!("INVOICES#CUSTOMER#{customer_id}")
}
pub const ALL_INVOICES: &str = "INVOICES";
pub const INVOICE_NUMBERS: &str = "INVOICENUMBERS";
/// Sparse index partition (gsi5) of open invoices, sorted by due date.
pub const OPEN_INVOICES: &str = "OPENINVOICES";
/// The guard of one reminder step of an invoice: written once, in the transaction that
/// queues the reminder, so a step is never sent twice.
pub fn reminder_step(invoice_id: &str, days: i32) -> Key {
    Key::new(
        invoice_partition(invoice_id),
        format!("{REMINDER_PREFIX}{days}"),
    )
}
/// Sort-key prefix of an invoice's reminder steps (one Query lists them).
pub const REMINDER_PREFIX: &str = "REMINDER#";
pub fn company_settings() -> Key {
    Key::new("SETTINGS#company", "SETTINGS")
}
pub fn company_logo() -> Key {
    Key::new("SETTINGS#company", "LOGO")
}
/// A payment lives in its invoice's partition: the invoice and its payments in one Query.
pub fn payment(invoice_id: &str, date: &str, payment_id: &str) -> Key {
    Key::new(
        invoice_partition(invoice_id),
        format!("PAYMENT#{date}#{payment_id}"),
    )
}
pub const PAYMENT_PREFIX: &str = "PAYMENT#";
pub const ALL_PAYMENTS: &str = "PAYMENTS";
pub fn payments_of_customer(customer_id: &str) -> String {
    format!("PAYMENTS#CUSTOMER#{customer_id}")
}
/// Stored result of a request made with an `Idempotency-Key`.
pub fn idempotency(scope: &str, key: &str) -> Key {
    Key::new(format!("IDEMP#{scope}#{key}"), "IDEMP")
}
/// Daily rollups: `TOTALS`, `CUSTOMER#<id>`, `PRODUCTS#<shard>`.
pub fn stats(date: &str, sk: &str) -> Key {
    Key::new(format!("STATS#{date}"), sk)
}

/// Maps an id in another system to ours, e.g. `EXTID#salesforce#Account#001...` → customer.
/// Written in the same transaction as the record, so an external id maps to one record.
pub fn external_id(system: &str, object: &str, external: &str) -> Key {
    Key::new(format!("EXTID#{system}#{object}#{external}"), "EXTID")
}
/// An inbound integration event or notification already processed (deduplication).
pub fn inbound_event(system: &str, id: &str) -> Key {
    Key::new(format!("INBOUND#{system}#{id}"), "INBOUND")
}

/// Index partition listing users of one status.
pub fn users_by_status(status: &str) -> String {
    format!("USERS#{status}")
}
/// Index partition listing all users by email.
pub const USERS_BY_EMAIL: &str = "USERS";
/// Sparse index partition of outbox messages still to send.
pub const OUTBOX_PENDING: &str = "OUTBOX#pending";
/// Index partition of outbox messages that failed every attempt.
pub const OUTBOX_FAILED: &str = "OUTBOX#failed";
/// Counter of active administrators (guards the last-admin rule).
pub const ACTIVE_ADMINS: &str = "active_admins";

/// What kind of item a key belongs to, by the shapes above (the counts of an export's
/// manifest); `unknown` for a shape this table does not list.
pub fn kind(key: &Key) -> &'static str {
    let prefix = key.pk.split('#').next().unwrap_or_default();
    match (prefix, key.sk.as_str()) {
        ("USER", "MFA") => "mfa",
        ("USER", _) => "user",
        ("USEREMAIL", _) => "email_guard",
        ("LOGINLOCK" | "LOGINIP", _) => "login_throttle",
        ("SESSION", _) => "session",
        ("MFACHALLENGE", _) => "mfa_challenge",
        ("REAUTH", _) => "reauth",
        ("RESET", _) => "one_time_token",
        ("REGISTRATION", _) => "registration",
        ("MAILCOOLDOWN", _) => "mail_cooldown",
        ("MAILIP", _) => "mail_throttle",
        ("COUNTER", _) => "counter",
        ("OUTBOX", _) => "outbox",
        ("AUDIT", _) => "audit",
        ("CUSTOMER", _) => "customer",
        ("PRODUCT", _) => "product",
        ("PRODUCTSKU", _) => "sku_guard",
        ("ORDER", _) => "order",
        ("INVOICE", sk) if sk.starts_with(PAYMENT_PREFIX) => "payment",
        ("INVOICE", sk) if sk.starts_with(REMINDER_PREFIX) => "reminder_step",
        ("INVOICE", _) => "invoice",
        ("SETTINGS", "LOGO") => "company_logo",
        ("SETTINGS", _) => "company_settings",
        ("IDEMP", _) => "idempotency",
        ("STATS", _) => "daily_rollup",
        ("EXTID", _) => "external_id",
        ("INBOUND", _) => "inbound_event",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_shape_has_a_kind() {
        let cases = [
            (user("u"), "user"),
            (mfa("u"), "mfa"),
            (user_email("a@b.co"), "email_guard"),
            (login_lock("a@b.co"), "login_throttle"),
            (
                Key::new("LOGINLOCK#a@b.co#1.2.3.4", LOGIN_LOCK_SK),
                "login_throttle",
            ),
            (Key::new("LOGINIP#1.2.3.4", "LOGINIP"), "login_throttle"),
            (session("f"), "session"),
            (mfa_challenge("h"), "mfa_challenge"),
            (reauth("h"), "reauth"),
            (reset_token("h"), "one_time_token"),
            (registration("r"), "registration"),
            (mail_cooldown("reset", "a@b.co"), "mail_cooldown"),
            (Key::new("MAILIP#1.2.3.4", "MAILIP"), "mail_throttle"),
            (counter(ACTIVE_ADMINS), "counter"),
            (outbox("o"), "outbox"),
            (audit("invoice", "i", "2026-01-01#x"), "audit"),
            (customer("c"), "customer"),
            (product("p"), "product"),
            (product_sku("sku"), "sku_guard"),
            (order("o"), "order"),
            (invoice("i"), "invoice"),
            (reminder_step("i", 7), "reminder_step"),
            (payment("i", "2026-01-01", "p"), "payment"),
            (company_settings(), "company_settings"),
            (company_logo(), "company_logo"),
            (idempotency("s", "k"), "idempotency"),
            (stats("2026-01-01", "TOTALS"), "daily_rollup"),
            (external_id("salesforce", "Account", "001"), "external_id"),
            (inbound_event("salesforce", "e"), "inbound_event"),
            (Key::new("SOMETHING#else", "X"), "unknown"),
        ];
        for (key, expected) in cases {
            assert_eq!(kind(&key), expected, "{key:?}");
        }
    }

    #[test]
    fn key_shapes_are_stable() {
        assert_eq!(user("u1"), Key::new("USER#u1", "USER"));
        assert_eq!(
            user_email("a@b.co"),
            Key::new("USEREMAIL#a@b.co", "USEREMAIL")
        );
        assert_eq!(session("f"), Key::new("SESSION#f", "SESSION"));
        assert_eq!(reset_token("h"), Key::new("RESET#h", "RESET"));
        assert_eq!(
            counter(ACTIVE_ADMINS),
            Key::new("COUNTER#active_admins", "COUNTER")
        );
        assert_eq!(users_by_status("pending"), "USERS#pending");
        assert_eq!(
            reminder_step("i1", -3),
            Key::new("INVOICE#i1", "REMINDER#-3")
        );
        assert_eq!(company_settings(), Key::new("SETTINGS#company", "SETTINGS"));
    }
}
