//! Everything two ERP functions share: configuration, storage, auth, HTTP conventions,
//! email and secrets. Functions depend on this crate, never on each other.

pub mod accounts;
pub mod audit;
pub mod auth;
pub mod catalog;
pub mod config;
pub mod domain;
pub mod email;
pub mod error;
pub mod http;
pub mod lambda;
pub mod listing;
pub mod observability;
pub mod sales;
pub mod secrets;
pub mod state;
pub mod store;
