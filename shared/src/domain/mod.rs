//! Entities and value types. No HTTP, no AWS SDK, no table here.

pub mod address;
pub mod company;
pub mod currency;
pub mod customer;
pub mod einvoice;
pub mod email;
pub mod image;
pub mod invoicing;
pub mod money;
pub mod ordering;
pub mod product;
pub mod rollup;
pub mod sales;
pub mod text;
pub mod user;

pub use currency::Currency;
pub use customer::{Customer, RecordStatus};
pub use email::Email;
pub use product::Product;
pub use user::{User, UserStatus};
