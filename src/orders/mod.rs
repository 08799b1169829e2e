//! Orders: the catalogue-backed builder that plans an order's files, the tenant settings'
//! rules, the order's JSON shape, the file filters and the CSV export. The service that
//! creates and manages orders is `app::orders`.

pub mod builder;
pub mod csv;
pub mod dto;
pub mod file_filter;
pub mod settings;
