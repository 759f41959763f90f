//! Plain server-side HTML for people browsing the catalogue: any JSON
//! document of the API rendered as headings, link lists and tables.

use serde_json::Value;

/// Escapes text for HTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:72rem;margin:2rem auto;padding:0 1rem;line-height:1.4}\
table{border-collapse:collapse;margin:1rem 0}td,th{border:1px solid #ccc;padding:.25rem .5rem;vertical-align:top;text-align:left}\
th{background:#f3f3f3}code{font-size:.85em;word-break:break-all}";

/// A whole HTML 5 page for `doc`.
pub fn page(title: &str, doc: &Value) -> String {
    let mut body = String::new();
    if let Some(d) = doc.get("description").and_then(Value::as_str) {
        body.push_str(&format!("<p>{}</p>\n", escape(d)));
    }
    match doc.get("type").and_then(Value::as_str) {
        Some("FeatureCollection") => feature_collection(doc, &mut body),
        Some("Feature") => body.push_str(&table(doc.get("properties").unwrap_or(&Value::Null))),
        _ => {}
    }
    if let Some(cs) = doc.get("collections").and_then(Value::as_array) {
        body.push_str("<h2>Collections</h2>\n<table><tr><th>id</th><th>title</th><th>features</th><th>on overlap</th></tr>\n");
        for c in cs {
            let id = c["id"].as_str().unwrap_or_default();
            body.push_str(&format!(
                "<tr><td><a href=\"collections/{0}?f=html\">{0}</a></td><td>{1}</td><td><a href=\"collections/{0}/items?f=html\">{2}</a></td><td>{3}</td></tr>\n",
                escape(id),
                escape(c["title"].as_str().unwrap_or_default()),
                c["planmap:features"],
                escape(c["planmap:onOverlap"].as_str().unwrap_or_default()),
            ));
        }
        body.push_str("</table>\n");
    }
    if let Some(list) = doc.get("conformsTo").and_then(Value::as_array) {
        body.push_str("<h2>Conformance classes</h2>\n<ul>\n");
        for c in list {
            let c = escape(c.as_str().unwrap_or_default());
            body.push_str(&format!("<li><a href=\"{c}\">{c}</a></li>\n"));
        }
        body.push_str("</ul>\n");
    }
    let skip = [
        "links",
        "collections",
        "conformsTo",
        "features",
        "description",
        "type",
        "properties",
        "geometry",
        "title",
    ];
    if let Value::Object(m) = doc {
        let rest: serde_json::Map<String, Value> = m
            .iter()
            .filter(|(k, _)| !skip.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if !rest.is_empty() {
            body.push_str(&table(&Value::Object(rest)));
        }
    }
    if let Some(g) = doc.get("geometry") {
        body.push_str(&format!(
            "<h2>Geometry</h2>\n<pre><code>{}</code></pre>\n",
            escape(&g.to_string())
        ));
    }
    if let Some(links) = doc.get("links").and_then(Value::as_array) {
        body.push_str("<h2>Links</h2>\n<ul>\n");
        for l in links {
            body.push_str(&format!(
                "<li><a href=\"{}\">{}</a> <small>({}, {})</small></li>\n",
                escape(l["href"].as_str().unwrap_or_default()),
                escape(l["title"].as_str().unwrap_or_default()),
                escape(l["rel"].as_str().unwrap_or_default()),
                escape(l["type"].as_str().unwrap_or_default()),
            ));
        }
        body.push_str("</ul>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh\">\n<head>\n<meta charset=\"utf-8\">\n<title>{0} — planmap</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<p><a href=\"/?f=html\">planmap</a> · <a href=\"/collections?f=html\">collections</a></p>\n<h1>{0}</h1>\n{1}</body>\n</html>\n",
        escape(title),
        body
    )
}

fn feature_collection(doc: &Value, body: &mut String) {
    body.push_str(&format!(
        "<p>{} of {} matching features.</p>\n",
        doc["numberReturned"], doc["numberMatched"]
    ));
    let features = doc["features"].as_array().cloned().unwrap_or_default();
    let mut columns: Vec<String> = Vec::new();
    for f in &features {
        if let Some(p) = f["properties"].as_object() {
            for k in p.keys() {
                if !columns.contains(k) {
                    columns.push(k.clone());
                }
            }
        }
    }
    body.push_str("<table><tr><th>id</th><th>geometry</th>");
    for c in &columns {
        body.push_str(&format!("<th>{}</th>", escape(c)));
    }
    body.push_str("</tr>\n");
    for f in &features {
        let id = match &f["id"] {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        body.push_str(&format!(
            "<tr><td><a href=\"items/{0}?f=html\">{0}</a></td><td>{1}</td>",
            escape(&id),
            escape(f["geometry"]["type"].as_str().unwrap_or_default())
        ));
        for c in &columns {
            body.push_str(&format!("<td>{}</td>", escape(&cell(&f["properties"][c]))));
        }
        body.push_str("</tr>\n");
    }
    body.push_str("</table>\n");
}

fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn table(v: &Value) -> String {
    let Value::Object(m) = v else {
        return String::new();
    };
    let mut out = String::from("<table>\n");
    for (k, v) in m {
        out.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            escape(k),
            escape(&cell(v))
        ));
    }
    out.push_str("</table>\n");
    out
}
