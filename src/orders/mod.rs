//! Orders: creation from baskets, the catalogue-backed builder, tenant settings, DTOs, the
//! search filters and the CSV export.

pub mod builder;
pub mod create;
pub mod csv;
pub mod dto;
pub mod file_filter;
pub mod search;
pub mod settings;
