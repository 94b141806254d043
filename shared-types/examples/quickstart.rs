//! Porchlight from Rust, with the typed client of the `porchlight-types` crate (feature `client`).
//! Reads the service's address from `PORCHLIGHT_API` and an API key from `PORCHLIGHT_KEY`.
use porchlight_types::{Client, ErrorCode, PageParams};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let api = std::env::var("PORCHLIGHT_API")?;
    let key = std::env::var("PORCHLIGHT_KEY")?;
    let client = Client::new(api).with_token(key);

    let me = client.me().await?;
    println!("{} is a {}", me.email, me.role);

    // Every page of the account's requests: follow `next_cursor` until there is none.
    let mut page = PageParams {
        limit: Some(2),
        cursor: None,
    };
    let mut count = 0;
    loop {
        let requests = client.list_requests(&page).await?;
        count += requests.items.len();
        match requests.next_cursor {
            Some(cursor) => page.cursor = Some(cursor),
            None => break,
        }
    }
    println!("{count} requests");

    // A failed call carries the problem document: match on its `code`.
    match client.service_request("no-such-request").await {
        Err(error) if error.code() == Some(ErrorCode::NotFound) => println!("not found"),
        other => return Err(format!("expected not_found, got {other:?}").into()),
    }
    Ok(())
}
