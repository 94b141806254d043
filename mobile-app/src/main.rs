//! Porchlight's partner and customer app. The screens are built on `shared-types` (its typed
//! client and validation rules); this launcher is the entry point the platform builds wrap.

fn main() {
    let api =
        std::env::var("PORCHLIGHT_API_URL").unwrap_or_else(|_| "http://127.0.0.1:8080".into());
    println!(
        "Porchlight app {} — API at {api} (screens ship in a later release)",
        env!("CARGO_PKG_VERSION")
    );
}
