//! Everything two ERP functions share: configuration, storage, auth, HTTP conventions,
//! email and secrets. Functions depend on this crate, never on each other.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod aws;
pub mod bank_details;
pub mod catalog;
pub mod config;
#[cfg(feature = "pdf")]
pub mod documents;
pub mod domain;
pub mod einvoice;
pub mod email;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod lambda;
pub mod listing;
pub mod login_throttle;
pub mod observability;
#[cfg(feature = "pdf")]
pub mod pdf;
pub mod reminders;
pub mod retry;
pub mod sales;
pub mod secrets;
pub mod settings;
pub mod state;
pub mod store;

#[cfg(not(any(feature = "dynamo", feature = "embedded")))]
compile_error!("erp-shared needs a store: enable the `dynamo` or the `embedded` feature");
