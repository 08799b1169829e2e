//! The `regards-order` command.

#[actix_web::main]
async fn main() -> std::process::ExitCode {
    regards_order::cli::run().await
}
