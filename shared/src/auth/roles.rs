//! Roles and permissions: the one table that says who may do what.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Manager,
    Accountant,
    Sales,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Admin,
        Role::Manager,
        Role::Accountant,
        Role::Sales,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Manager => "manager",
            Role::Accountant => "accountant",
            Role::Sales => "sales",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn can(self, permission: Permission) -> bool {
        PERMISSIONS
            .iter()
            .any(|(p, roles)| *p == permission && roles.contains(&self))
    }

    pub fn permissions(self) -> Vec<Permission> {
        PERMISSIONS
            .iter()
            .filter(|(_, roles)| roles.contains(&self))
            .map(|(p, _)| *p)
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub enum Permission {
    #[serde(rename = "users:manage")]
    UsersManage,
    #[serde(rename = "customers:read")]
    CustomersRead,
    #[serde(rename = "customers:write")]
    CustomersWrite,
    #[serde(rename = "products:read")]
    ProductsRead,
    #[serde(rename = "products:write")]
    ProductsWrite,
    #[serde(rename = "orders:read")]
    OrdersRead,
    #[serde(rename = "orders:write")]
    OrdersWrite,
    #[serde(rename = "invoices:read")]
    InvoicesRead,
    /// Create and edit draft invoices.
    #[serde(rename = "invoices:write")]
    InvoicesWrite,
    /// Issue, void and credit invoices.
    #[serde(rename = "invoices:issue")]
    InvoicesIssue,
    #[serde(rename = "payments:read")]
    PaymentsRead,
    #[serde(rename = "payments:write")]
    PaymentsWrite,
    #[serde(rename = "payments:delete")]
    PaymentsDelete,
    #[serde(rename = "audit:read")]
    AuditRead,
    #[serde(rename = "dashboard:read")]
    DashboardRead,
    #[serde(rename = "settings:manage")]
    SettingsManage,
}

impl Permission {
    /// Permissions that manage users, roles and settings: checked against the caller's
    /// current account (status and role, one read), not only the token's claims, so a
    /// demoted or deactivated admin loses them at once.
    pub fn checked_against_current_state(self) -> bool {
        matches!(self, Permission::UsersManage | Permission::SettingsManage)
    }

    pub fn as_str(self) -> &'static str {
        PERMISSIONS
            .iter()
            .position(|(p, _)| *p == self)
            .map(|i| PERMISSION_NAMES[i])
            .expect("every permission is in the table")
    }
}

use Role::{Accountant as Acc, Admin as Adm, Manager as Man, Sales as Sal, Viewer as Vie};

/// Permission → roles holding it. README's "Roles and permissions" table mirrors this.
pub const PERMISSIONS: &[(Permission, &[Role])] = &[
    (Permission::UsersManage, &[Adm]),
    (Permission::CustomersRead, &[Adm, Man, Acc, Sal, Vie]),
    (Permission::CustomersWrite, &[Adm, Man, Sal]),
    (Permission::ProductsRead, &[Adm, Man, Acc, Sal, Vie]),
    (Permission::ProductsWrite, &[Adm, Man]),
    (Permission::OrdersRead, &[Adm, Man, Acc, Sal, Vie]),
    (Permission::OrdersWrite, &[Adm, Man, Sal]),
    (Permission::InvoicesRead, &[Adm, Man, Acc, Sal, Vie]),
    (Permission::InvoicesWrite, &[Adm, Man, Acc, Sal]),
    (Permission::InvoicesIssue, &[Adm, Man, Acc]),
    (Permission::PaymentsRead, &[Adm, Man, Acc, Sal, Vie]),
    (Permission::PaymentsWrite, &[Adm, Man, Acc]),
    (Permission::PaymentsDelete, &[Adm, Man]),
    (Permission::AuditRead, &[Adm, Man]),
    (Permission::DashboardRead, &[Adm, Man, Acc, Sal, Vie]),
    (Permission::SettingsManage, &[Adm]),
];

const PERMISSION_NAMES: &[&str] = &[
    "users:manage",
    "customers:read",
    "customers:write",
    "products:read",
    "products:write",
    "orders:read",
    "orders:write",
    "invoices:read",
    "invoices:write",
    "invoices:issue",
    "payments:read",
    "payments:write",
    "payments:delete",
    "audit:read",
    "dashboard:read",
    "settings:manage",
];

/// What a route requires. Every route declares one (see `http::router`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// No token needed (login, register, health, webhooks with their own signature).
    Public,
    /// Any signed-in user.
    Authenticated,
    Permission(Permission),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_names_match_their_serde_names() {
        for (p, _) in PERMISSIONS {
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert_eq!(PERMISSIONS.len(), PERMISSION_NAMES.len());
    }

    #[test]
    fn only_admins_manage_users() {
        assert!(Role::Admin.can(Permission::UsersManage));
        for r in [Role::Manager, Role::Accountant, Role::Sales, Role::Viewer] {
            assert!(!r.can(Permission::UsersManage), "{r:?}");
        }
    }

    #[test]
    fn admin_holds_every_permission_and_viewer_only_reads() {
        assert_eq!(Role::Admin.permissions().len(), PERMISSIONS.len());
        assert!(
            Role::Viewer
                .permissions()
                .iter()
                .all(|p| p.as_str().ends_with(":read"))
        );
    }

    #[test]
    fn roles_parse_from_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
