//! A Nominatim-compatible address service on 127.0.0.1 over a small gazetteer:
//! `GET /search` with `q` (every word must appear in the place's name) or the structured
//! `street`/`city`/`postalcode` (each given part must match), `countrycodes` and `limit`;
//! `GET /reverse` with `lat`/`lon` (the nearest place within 1 km, else Nominatim's
//! `{"error": "Unable to geocode"}`). Both want `format=jsonv2` and answer places with string
//! coordinates and an `address` object, as Nominatim does. It records every call (with its
//! User-Agent) and can be switched to answer 503.

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use serde_json::{Value, json};

/// A place the fake knows.
#[derive(Debug, Clone)]
pub struct Known {
    pub house_number: &'static str,
    pub road: &'static str,
    pub city: &'static str,
    pub postcode: &'static str,
    pub lat: f64,
    pub lon: f64,
}

impl Known {
    fn display_name(&self) -> String {
        [
            self.house_number,
            self.road,
            self.city,
            "Ontario",
            self.postcode,
            "Canada",
        ]
        .into_iter()
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
    }

    fn to_json(&self) -> Value {
        let mut address = json!({
            "house_number": self.house_number,
            "road": self.road,
            "state": "Ontario",
            "postcode": self.postcode,
            "country": "Canada",
            "country_code": "ca",
        });
        // Rural places often have no city in OpenStreetMap's answer.
        if !self.city.is_empty() {
            address["city"] = json!(self.city);
        }
        json!({
            "place_id": 1,
            "lat": self.lat.to_string(),
            "lon": self.lon.to_string(),
            "category": "building",
            "type": "yes",
            "display_name": self.display_name(),
            "address": address,
        })
    }
}

/// The gazetteer: two Toronto addresses and a farm with no city.
pub const CITY_HALL: Known = Known {
    house_number: "100",
    road: "Queen Street West",
    city: "Toronto",
    postcode: "M5H 2N2",
    lat: 43.653_41,
    lon: -79.384_12,
};
pub const DANFORTH: Known = Known {
    house_number: "500",
    road: "Danforth Avenue",
    city: "Toronto",
    postcode: "M4K 1P6",
    lat: 43.677_95,
    lon: -79.350_77,
};

pub const FARM: Known = Known {
    house_number: "4820",
    road: "Concession Road 4",
    city: "",
    postcode: "L9P 1R1",
    lat: 44.131_02,
    lon: -79.102_33,
};

/// One call as received.
#[derive(Debug, Clone)]
pub struct Call {
    pub path: String,
    pub query: HashMap<String, String>,
    pub user_agent: String,
}

#[derive(Clone, Default)]
struct Shared {
    calls: Arc<Mutex<Vec<Call>>>,
    down: Arc<AtomicBool>,
}

#[derive(Clone)]
pub struct FakeNominatim {
    pub base_url: String,
    shared: Shared,
}

impl FakeNominatim {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base_url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let shared = Shared::default();
        let data = web::Data::new(shared.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/search", web::get().to(search))
                .route("/reverse", web::get().to(reverse))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self { base_url, shared }
    }

    /// From now on every call is answered 503 (or, with `false`, served again).
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.calls.lock().unwrap().clone()
    }
}

fn record(
    shared: &Shared,
    req: &HttpRequest,
) -> Result<HashMap<String, String>, Box<HttpResponse>> {
    let query: HashMap<String, String> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    shared.calls.lock().unwrap().push(Call {
        path: req.path().to_owned(),
        query: query.clone(),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    });
    if shared.down.load(Ordering::SeqCst) {
        return Err(Box::new(
            HttpResponse::ServiceUnavailable().body("overloaded"),
        ));
    }
    if query.get("format").map(String::as_str) != Some("jsonv2") {
        return Err(Box::new(
            HttpResponse::BadRequest().body("format=jsonv2 expected"),
        ));
    }
    Ok(query)
}

fn contains(haystack: &str, needle: &str) -> bool {
    haystack
        .to_lowercase()
        .contains(&needle.trim().to_lowercase())
}

/// Whether a place matches a query, free or structured.
fn matches(place: &Known, query: &HashMap<String, String>) -> bool {
    if let Some(country) = query.get("countrycodes")
        && !country.split(',').any(|c| c == "ca")
    {
        return false;
    }
    if let Some(q) = query.get("q") {
        let name = place.display_name();
        // "Queen St W" finds "Queen Street West", as Nominatim's abbreviations do.
        let name = name.replace("Street", "St").replace("West", "W");
        return q
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|word| !word.is_empty())
            .all(|word| contains(&name, word) || contains(&place.display_name(), word));
    }
    let street = format!("{} {}", place.house_number, place.road)
        .replace("Street", "St")
        .replace("West", "W");
    query.get("street").is_none_or(|s| contains(&street, s))
        && query.get("city").is_none_or(|c| contains(place.city, c))
        && query
            .get("postalcode")
            .is_none_or(|p| contains(&place.postcode.replace(' ', ""), &p.replace(' ', "")))
}

async fn search(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let query = match record(&shared, &req) {
        Ok(query) => query,
        Err(refusal) => return *refusal,
    };
    let limit = query
        .get("limit")
        .and_then(|l| l.parse().ok())
        .unwrap_or(10);
    let found: Vec<Value> = [CITY_HALL, DANFORTH, FARM]
        .iter()
        .filter(|place| matches(place, &query))
        .take(limit)
        .map(Known::to_json)
        .collect();
    HttpResponse::Ok().json(found)
}

async fn reverse(shared: web::Data<Shared>, req: HttpRequest) -> HttpResponse {
    let query = match record(&shared, &req) {
        Ok(query) => query,
        Err(refusal) => return *refusal,
    };
    let number = |key: &str| query.get(key).and_then(|v| v.parse::<f64>().ok());
    let (Some(lat), Some(lon)) = (number("lat"), number("lon")) else {
        return HttpResponse::BadRequest()
            .json(json!({"error": {"code": 400, "message": "Parameter 'lat' missing."}}));
    };
    // Within about a kilometre (a degree of latitude is ~111 km).
    let near = [CITY_HALL, DANFORTH, FARM]
        .into_iter()
        .find(|place| (place.lat - lat).abs() < 0.01 && (place.lon - lon).abs() < 0.013);
    match near {
        Some(place) => HttpResponse::Ok().json(place.to_json()),
        None => HttpResponse::Ok().json(json!({"error": "Unable to geocode"})),
    }
}
