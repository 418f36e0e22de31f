//! GeoRSS (simple and GML) locations as GeoJSON-like `where` objects: `type` and `coordinates`
//! in longitude, latitude order.

use crate::value::{Dict, Value};

fn numbers(value: &str) -> Option<Vec<f64>> {
    value
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<f64>().ok().filter(|n| n.is_finite()))
        .collect()
}

fn point(coords: &[f64], swap: bool) -> Value {
    let mut v: Vec<Value> = coords.iter().map(|n| Value::from(*n)).collect();
    if swap && v.len() >= 2 {
        v.swap(0, 1);
    }
    Value::Array(v)
}

fn points(nums: &[f64], dims: usize, swap: bool) -> Option<Vec<Value>> {
    if nums.is_empty() || dims == 0 || !nums.len().is_multiple_of(dims) {
        return None;
    }
    Some(nums.chunks(dims).map(|c| point(c, swap)).collect())
}

/// `georss:point`, `line`, `polygon` or `box` text to a `where` object.
pub fn georss(element: &str, value: &str) -> Option<Dict> {
    let nums = numbers(value)?;
    let mut d = Dict::new();
    let (kind, coordinates) = match element {
        "georss_point" if nums.len() == 2 => ("Point", point(&nums, true)),
        "georss_line" => ("LineString", Value::Array(points(&nums, 2, true)?)),
        "georss_polygon" => {
            let ring = points(&nums, 2, true)?;
            if ring.len() < 4 {
                return None;
            }
            ("Polygon", Value::Array(vec![Value::Array(ring)]))
        }
        "georss_box" if nums.len() == 4 => ("Box", Value::Array(points(&nums, 2, true)?)),
        _ => return None,
    };
    d.insert("type".into(), Value::String(kind.into()));
    d.insert("coordinates".into(), coordinates);
    Some(d)
}

/// A `gml:pos` / `gml:posList` inside a GML geometry: sets the coordinates of `where`.
pub fn gml_pos(place: &mut Dict, value: &str, list: bool) {
    let Some(nums) = numbers(value) else { return };
    let dims = place
        .get("srsDimension")
        .and_then(Value::as_u64)
        .map_or(2, |d| d as usize);
    // EPSG:4326 and unnamed systems are latitude first; others (UTM…) are already x, y.
    let swap = place
        .get("srsName")
        .and_then(Value::as_str)
        .is_none_or(is_geographic);
    let Some(pts) = points(&nums, dims, swap) else {
        return;
    };
    let kind = place.get("type").and_then(Value::as_str).unwrap_or("");
    let coordinates = match (kind, list) {
        ("Point", _) => pts.into_iter().next().unwrap_or(Value::Null),
        ("Polygon", _) => Value::Array(vec![Value::Array(pts)]),
        _ => Value::Array(pts),
    };
    place.insert("coordinates".into(), coordinates);
}

/// Geographic reference systems (EPSG 4000–4999, e.g. WGS 84) list latitude first.
fn is_geographic(srs_name: &str) -> bool {
    let code: String = srs_name
        .rsplit(':')
        .next()
        .unwrap_or("")
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    code.parse::<u32>().is_ok_and(|c| (4000..5000).contains(&c))
}
