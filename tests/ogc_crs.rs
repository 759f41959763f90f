//! OGC API – Features Part 2 (CRS by reference), with the axis order checked
//! against coordinates pyproj computed independently: mining right
//! C1404002009061220001 has exactly the rings of the `partial_overlaps`
//! candidate, and `tests/fixtures/candidates/epsg4526.geojson` and
//! `epsg4490.geojson` are that candidate converted by pyproj (see
//! tests/oracle/make_fixtures.py), in authority axis order.

mod ogc_support;

use ogc_support::{enc, get, layers, ogc_layers, repo};
use serde_json::Value;

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const C1: &str = "C1404002009061220001";

fn pyproj_ring(case: &str) -> Vec<[f64; 2]> {
    let path = repo().join(format!("tests/fixtures/candidates/{case}.geojson"));
    let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let geometry = if v["type"] == "Feature" {
        &v["geometry"]
    } else {
        &v
    };
    geometry["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect()
}

fn served_ring(a: &ogc_support::Answer) -> Vec<[f64; 2]> {
    a.json["geometry"]["coordinates"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| [p[0].as_f64().unwrap(), p[1].as_f64().unwrap()])
        .collect()
}

fn assert_close(got: &[[f64; 2]], want: &[[f64; 2]], tolerance: f64) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!(
            (g[0] - w[0]).abs() <= tolerance && (g[1] - w[1]).abs() <= tolerance,
            "got {g:?}, pyproj says {w:?}"
        );
    }
}

#[tokio::test]
async fn each_collection_lists_crs84_first_then_cgcs2000_wgs84_web_mercator_and_the_zones_it_touches()
 {
    let a = get(layers(), "/collections/basic_farmland").await;
    let crs: Vec<&str> = a.json["crs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(crs[0], CRS84);
    let epsg = |c: u32| format!("http://www.opengis.net/def/crs/EPSG/0/{c}");
    // Farmland spans 112.491..112.9205°E: 3° zones 37 (to 112.5°E) and 38.
    let want: Vec<String> = std::iter::once(CRS84.to_string())
        .chain([4490, 4326, 3857, 4525, 4526, 4546, 4547].map(epsg))
        .collect();
    assert_eq!(crs, want);
    assert_eq!(a.json["storageCrs"], CRS84);
    // Energy base EB-1 lies east of 112.5°E only: zone 38 alone.
    let eb = get(layers(), "/collections/energy_bases").await;
    let crs: Vec<&str> = eb.json["crs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert!(
        !crs.contains(&epsg(4525).as_str()) && crs.contains(&epsg(4526).as_str()),
        "{crs:?}"
    );
}

#[tokio::test]
async fn without_crs_coordinates_are_crs84_longitude_first_and_content_crs_says_so() {
    let a = get(
        ogc_layers(),
        &format!("/collections/mining_rights/items/{C1}"),
    )
    .await;
    assert_eq!(a.header("content-crs"), format!("<{CRS84}>"));
    assert_eq!(served_ring(&a)[0], [112.882, 36.165]);
}

#[tokio::test]
async fn epsg_4526_coordinates_are_northing_then_easting_as_pyproj_computes_them() {
    let uri = format!(
        "/collections/mining_rights/items/{C1}?crs={}",
        enc("http://www.opengis.net/def/crs/EPSG/0/4526")
    );
    let a = get(ogc_layers(), &uri).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(
        a.header("content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/4526>"
    );
    let ring = served_ring(&a);
    // Northing is a 7-digit number, easting 8 digits with zone prefix 38.
    assert!(
        ring[0][0] > 4_000_000.0 && ring[0][0] < 4_100_000.0,
        "{:?}",
        ring[0]
    );
    assert!(ring[0][1] > 38_000_000.0, "{:?}", ring[0]);
    assert_close(&ring, &pyproj_ring("epsg4526"), 0.006);
}

#[tokio::test]
async fn epsg_4547_coordinates_are_the_same_zone_without_prefix() {
    let a = get(
        ogc_layers(),
        &format!("/collections/mining_rights/items/{C1}?crs=EPSG:4547"),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_close(&served_ring(&a), &pyproj_ring("epsg4547"), 0.006);
}

#[tokio::test]
async fn epsg_4490_coordinates_are_latitude_then_longitude() {
    let a = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items/{C1}?crs={}",
            enc("http://www.opengis.net/def/crs/EPSG/0/4490")
        ),
    )
    .await;
    assert_eq!(
        a.header("content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/4490>"
    );
    assert_close(&served_ring(&a), &pyproj_ring("epsg4490"), 1e-9);
}

#[tokio::test]
async fn the_items_resource_honours_crs_too() {
    let a = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?crs={}",
            enc("http://www.opengis.net/def/crs/EPSG/0/4526")
        ),
    )
    .await;
    assert_eq!(
        a.header("content-crs"),
        "<http://www.opengis.net/def/crs/EPSG/0/4526>"
    );
    let c1 = a.json["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == C1)
        .unwrap();
    let first = &c1["geometry"]["coordinates"][0][0];
    let want = pyproj_ring("epsg4526")[0];
    assert!(
        (first[0].as_f64().unwrap() - want[0]).abs() < 0.006
            && (first[1].as_f64().unwrap() - want[1]).abs() < 0.006
    );
}

#[tokio::test]
async fn bbox_crs_4490_reads_the_box_latitude_first() {
    // PZ-02 spans 112.739..112.756°E, 36.368..36.383°N.
    let lat_first = get(
        layers(),
        &format!(
            "/collections/prohibited_zones/items?bbox=36.36,112.73,36.39,112.76&bbox-crs={}",
            enc("http://www.opengis.net/def/crs/EPSG/0/4490")
        ),
    )
    .await;
    assert_eq!(lat_first.status, 200, "{}", lat_first.text);
    assert_eq!(lat_first.ids(), ["PZ-02"]);
    let wgs84 = get(
        layers(),
        "/collections/prohibited_zones/items?bbox=36.36,112.73,36.39,112.76&bbox-crs=EPSG:4326",
    )
    .await;
    assert_eq!(wgs84.ids(), ["PZ-02"]);
    // The same numbers read as CRS84 would be a box in the Indian Ocean... or refused.
    let as_crs84 = get(
        layers(),
        "/collections/prohibited_zones/items?bbox=36.36,112.73,36.39,112.76",
    )
    .await;
    assert_ne!(as_crs84.status, 200);
}

#[tokio::test]
async fn bbox_crs_4526_reads_the_box_northing_first() {
    // A 500 m box around C1's first vertex, which pyproj puts at (4004430.36 N, 38399405.44 E).
    let crs = enc("http://www.opengis.net/def/crs/EPSG/0/4526");
    let a = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?bbox=4004200,38399200,4004700,38399700&bbox-crs={crs}"
        ),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.ids(), [C1]);
    // Easting first is the wrong order and must not find it.
    let swapped = get(
        ogc_layers(),
        &format!(
            "/collections/mining_rights/items?bbox=38399200,4004200,38399700,4004700&bbox-crs={crs}"
        ),
    )
    .await;
    assert!(
        swapped.status != 200 || swapped.json["numberMatched"] == 0,
        "{}",
        swapped.text
    );
}

#[tokio::test]
async fn a_crs_the_collection_does_not_offer_is_a_400_problem() {
    for uri in [
        "/collections/basic_farmland/items?crs=EPSG:2000",
        "/collections/basic_farmland/items?crs=EPSG:4528",
        "/collections/basic_farmland/items?bbox-crs=nonsense&bbox=1,2,3,4",
        "/collections/basic_farmland/items/101?crs=EPSG:32650",
    ] {
        let a = get(layers(), uri).await;
        assert_eq!(a.status, 400, "{uri}");
        assert_eq!(a.header("content-type"), "application/problem+json");
    }
}
