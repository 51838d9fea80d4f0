//! `cargo run -p erp-local`: the whole API on http://127.0.0.1:3000 with the embedded store.
//! `cargo run -p erp-local -- --openapi` prints the OpenAPI document instead.

use erp_shared::config::{Config, LocalConfig};

#[tokio::main]
async fn main() -> std::process::ExitCode {
    if std::env::args().any(|a| a == "--openapi") {
        println!("{}", erp_local::openapi_json());
        return std::process::ExitCode::SUCCESS;
    }
    erp_shared::observability::init_logging();
    let result = async {
        let config = Config::from_env()?;
        let local = LocalConfig::from_env()?;
        erp_local::run(config, local).await
    }
    .await;
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "the local server stopped");
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
