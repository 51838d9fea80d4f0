//! The one definition of the table: key attributes, global secondary indexes and TTL.
//! The DynamoDB backend creates tables from it, the embedded backend builds its indexes from
//! it, and a test checks that `template.yaml` declares exactly the same.

pub const PK: &str = "pk";
pub const SK: &str = "sk";
/// TTL attribute (epoch seconds).
pub const TTL: &str = "ttl";

/// The global secondary indexes. All project every attribute; all keys are strings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Index {
    /// Overloaded listing index: `gsi1pk` = collection (e.g. `USERS#pending`), `gsi1sk` = order key.
    Gsi1,
    /// Second listing index: lets one entity be listed two ways (e.g. by name and by date).
    Gsi2,
    /// Third listing index (second search keys, sparse indexes).
    Gsi3,
    /// Fourth listing index (a collection's "all" view).
    Gsi4,
    /// Fifth index, for sparse work queues (open invoices by due date, for reminders).
    Gsi5,
}

pub const INDEXES: [Index; 5] = [
    Index::Gsi1,
    Index::Gsi2,
    Index::Gsi3,
    Index::Gsi4,
    Index::Gsi5,
];

impl Index {
    pub fn name(self) -> &'static str {
        match self {
            Index::Gsi1 => "gsi1",
            Index::Gsi2 => "gsi2",
            Index::Gsi3 => "gsi3",
            Index::Gsi4 => "gsi4",
            Index::Gsi5 => "gsi5",
        }
    }
    /// (partition key attribute, sort key attribute)
    pub fn attributes(self) -> (&'static str, &'static str) {
        match self {
            Index::Gsi1 => ("gsi1pk", "gsi1sk"),
            Index::Gsi2 => ("gsi2pk", "gsi2sk"),
            Index::Gsi3 => ("gsi3pk", "gsi3sk"),
            Index::Gsi4 => ("gsi4pk", "gsi4sk"),
            Index::Gsi5 => ("gsi5pk", "gsi5sk"),
        }
    }
}

/// Everything a table definition states, in one value.
pub struct TableSpec {
    pub partition_key: &'static str,
    pub sort_key: &'static str,
    pub indexes: &'static [Index],
    pub ttl_attribute: &'static str,
}

pub const TABLE: TableSpec = TableSpec {
    partition_key: PK,
    sort_key: SK,
    indexes: &INDEXES,
    ttl_attribute: TTL,
};
