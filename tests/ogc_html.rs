//! OGC API – Features Part 1 HTML: every resource also as a plain HTML page,
//! by `f=html` or a browser's `Accept`, while JSON stays the default.

mod ogc_support;

use ogc_support::{get, get_with, layers};

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

#[tokio::test]
async fn every_resource_is_html_for_f_html() {
    for uri in [
        "/",
        "/conformance",
        "/api",
        "/collections",
        "/collections/basic_farmland",
        "/collections/basic_farmland/queryables",
        "/collections/basic_farmland/items",
        "/collections/basic_farmland/items/101",
    ] {
        let sep = if uri.contains('?') { '&' } else { '?' };
        let a = get(layers(), &format!("{uri}{sep}f=html")).await;
        assert_eq!(a.status, 200, "{uri}");
        assert_eq!(
            a.header("content-type"),
            "text/html; charset=utf-8",
            "{uri}"
        );
        assert!(a.text.starts_with("<!DOCTYPE html>"), "{uri}");
        assert!(a.text.contains("</html>"), "{uri}");
    }
}

#[tokio::test]
async fn a_browser_gets_html_and_a_client_asking_for_json_gets_json() {
    let html = get_with(layers(), "/collections", &[("accept", BROWSER)]).await;
    assert!(html.header("content-type").starts_with("text/html"));
    let json = get_with(layers(), "/collections", &[("accept", "application/json")]).await;
    assert_eq!(json.header("content-type"), "application/json");
    let default = get(layers(), "/collections").await;
    assert_eq!(default.header("content-type"), "application/json");
}

#[tokio::test]
async fn the_collections_page_lists_layers_with_links_to_their_items() {
    let a = get(layers(), "/collections?f=html").await;
    assert!(a.text.contains("生态保护红线"));
    assert!(
        a.text
            .contains("href=\"collections/basic_farmland/items?f=html\"")
    );
}

#[tokio::test]
async fn the_items_page_is_a_table_of_features_with_paging_links() {
    let a = get(layers(), "/collections/basic_farmland/items?f=html&limit=3").await;
    assert!(a.text.contains("3 of 8 matching features"));
    assert!(a.text.contains("href=\"items/101?f=html\""));
    assert!(a.text.contains("基本农田图斑 103（示意，L形）"));
    // The next page link stays HTML.
    assert!(
        a.text.contains("offset=3&amp;limit=3&amp;f=html"),
        "{}",
        a.text
    );
}

#[tokio::test]
async fn text_from_layer_files_is_escaped() {
    let a = get(layers(), "/collections/basic_farmland/items/101?f=html").await;
    assert!(!a.text.contains("<script"));
    assert!(a.text.contains("&quot;coordinates&quot;") || a.text.contains("coordinates"));
}
