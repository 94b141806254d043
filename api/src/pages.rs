//! The few HTML pages the API serves itself (OAuth consent, the sandbox's payment page): one
//! look, no scripts, never cached.

use actix_web::HttpResponse;
use actix_web::http::header;
use maud::{DOCTYPE, Markup, html};

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:0;background:#f6f5f2;color:#1d1d1b}\
main{max-width:26rem;margin:1rem auto;padding:1.5rem;background:#fff;border-radius:12px;\
box-shadow:0 1px 4px rgba(0,0,0,.08)}h1{font-size:1.3rem;line-height:1.3}\
img.logo{width:56px;height:56px;border-radius:10px;object-fit:cover}\
ul{padding-left:1.2rem}li{margin:.35rem 0}label{display:block;margin:.8rem 0 .25rem;font-weight:600}\
input{width:100%;box-sizing:border-box;padding:.65rem;font-size:1rem;border:1px solid #bbb;border-radius:8px}\
.actions{display:flex;gap:.75rem;margin-top:1.2rem}button{flex:1;padding:.75rem;font-size:1rem;\
border-radius:8px;border:1px solid #1d4ed8;cursor:pointer}button.allow{background:#1d4ed8;color:#fff}\
button.deny{background:#fff;color:#1d4ed8}.error{background:#fde8e8;color:#8a1c1c;padding:.6rem;\
border-radius:8px}.fine{color:#555;font-size:.9rem}\
.amount{font-size:2rem;font-weight:700;margin:.2rem 0}.ok{background:#e6f4ea;color:#14532d;\
padding:.6rem;border-radius:8px}table.cards{width:100%;border-collapse:collapse;font-size:.9rem}\
table.cards td{padding:.25rem 0;border-bottom:1px solid #eee}code{font-size:.95rem}\
a.button{display:block;text-align:center;padding:.75rem;border-radius:8px;background:#1d4ed8;\
color:#fff;text-decoration:none;margin-top:1rem}a.back{display:block;text-align:center;\
margin-top:1rem;color:#1d4ed8}\
.brand{font-weight:700;color:#b45309;letter-spacing:.02em;margin:0 0 .5rem}\
@media (min-width:30rem){main{margin:2rem auto}}";

pub fn layout(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="referrer" content="no-referrer";
                title { (title) " · Porchlight" }
                style { (maud::PreEscaped(STYLE)) }
            }
            body {
                main {
                    p.brand { "Porchlight" }
                    (body)
                }
            }
        }
    }
}

pub fn html_response(status: actix_web::http::StatusCode, markup: Markup) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(markup.into_string())
}
