//! Downloads: one file (authenticated or with a public order token), the order's zip, its
//! metalink, and the listings of its files.

pub(crate) mod access;
pub(crate) mod archives;
pub(crate) mod files;
pub(crate) mod listings;

use actix_web::web;

/// Registers the resource.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(archives::public_metalink)
        .service(archives::download_zip)
        .service(archives::metalink)
        .service(files::download_file)
        .service(files::public_file)
        .service(files::public_file_head)
        .service(listings::dataset_files)
        .service(listings::available_files)
        .service(listings::available_files_of_suborder);
}
