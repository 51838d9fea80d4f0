//! Entities and value types. No HTTP, no AWS SDK, no table here.

pub mod currency;
pub mod email;
pub mod user;

pub use currency::Currency;
pub use email::Email;
pub use user::{User, UserStatus};
