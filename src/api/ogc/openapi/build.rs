//! Small builders for the OpenAPI document: parameters, bodies, answers and
//! operations, so that each endpoint reads as a few lines.

use serde_json::{Map, Value, json};

use super::problems;
use crate::records::access::Role;

/// The name of the bearer-token security scheme.
pub const BEARER: &str = "bearerAuth";

/// A `$ref` to a component: `kind` is `parameters`, `schemas` or `responses`.
pub fn component(kind: &str, name: &str) -> Value {
    json!({"$ref": format!("#/components/{kind}/{name}")})
}

/// A `$ref` to a schema.
pub fn schema(name: &str) -> Value {
    component("schemas", name)
}

/// A query parameter; arrays are comma-separated (`style: form`, not exploded).
pub fn query(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "query",
        "required": false,
        "description": description,
        "style": "form",
        "explode": false,
        "schema": schema,
    })
}

/// A query parameter that must be given.
pub fn required_query(name: &str, description: &str, schema: Value) -> Value {
    let mut p = query(name, description, schema);
    p["required"] = json!(true);
    p
}

/// A path parameter.
pub fn path(name: &str, description: &str, schema: Value) -> Value {
    json!({
        "name": name,
        "in": "path",
        "required": true,
        "description": description,
        "schema": schema,
    })
}

/// A string that is one of `values`.
pub fn one_of<S: AsRef<str>>(values: &[S]) -> Value {
    let values: Vec<&str> = values.iter().map(AsRef::as_ref).collect();
    json!({"type": "string", "enum": values})
}

/// A JSON object with these required members and their schemas; other
/// members may be present.
pub fn object(required: &[&str], properties: Value) -> Value {
    json!({"type": "object", "required": required, "properties": properties})
}

/// An answer with a body in one or more media types, all of one schema.
pub fn answer(description: &str, media_types: &[&str], schema: Value) -> Value {
    let content: Map<String, Value> = media_types
        .iter()
        .map(|m| (m.to_string(), json!({"schema": schema})))
        .collect();
    json!({"description": description, "content": content})
}

/// An answer as JSON (`application/json`).
pub fn json_answer(description: &str, schema: Value) -> Value {
    answer(description, &["application/json"], schema)
}

/// An answer as JSON or, with `f=html` or a browser's `Accept`, as HTML.
pub fn json_or_html(description: &str, json_type: &str, schema: Value) -> Value {
    json!({
        "description": description,
        "content": {
            json_type: {"schema": schema},
            "text/html": {"schema": {"type": "string"}},
        },
    })
}

/// `response` with OpenAPI links: `(name, operationId, parameters)`, each
/// parameter a runtime expression such as `$response.body#/id`.
pub fn with_links(mut response: Value, links: &[(&str, &str, Value)]) -> Value {
    let links: Map<String, Value> = links
        .iter()
        .map(|(name, operation, parameters)| {
            (
                name.to_string(),
                json!({"operationId": operation, "parameters": parameters}),
            )
        })
        .collect();
    response["links"] = Value::Object(links);
    response
}

/// A request body.
pub fn body(description: &str, required: bool, content: Value) -> Value {
    json!({"description": description, "required": required, "content": content})
}

/// What an operation may read or do: decides which error answers it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reads {
    /// Only its URL.
    Url,
    /// Its URL and a request body.
    Body,
}

/// One operation (a method on a path), built step by step.
pub struct Operation {
    method: &'static str,
    value: Map<String, Value>,
    responses: Map<String, Value>,
    parameters: Vec<Value>,
}

impl Operation {
    fn new(method: &'static str, id: &str, summary: &str, reads: Reads) -> Operation {
        let mut value = Map::new();
        value.insert("operationId".into(), json!(id));
        value.insert("summary".into(), json!(summary));
        // Reads are open by default (`--open-reads true`); with
        // `--open-reads false` every request but /health needs a token.
        value.insert("security".into(), json!([{}, {BEARER: []}]));
        let mut op = Operation {
            method,
            value,
            responses: Map::new(),
            parameters: Vec::new(),
        };
        for status in problems::EVERY_OPERATION {
            op = op.error(status);
        }
        if reads == Reads::Body {
            for status in problems::EVERY_BODY {
                op = op.error(status);
            }
        }
        op
    }

    pub fn get(id: &str, summary: &str) -> Operation {
        Operation::new("get", id, summary, Reads::Url)
    }

    pub fn post(id: &str, summary: &str, reads: Reads) -> Operation {
        Operation::new("post", id, summary, reads)
    }

    pub fn delete(id: &str, summary: &str) -> Operation {
        Operation::new("delete", id, summary, Reads::Url)
    }

    pub fn put(id: &str, summary: &str) -> Operation {
        Operation::new("put", id, summary, Reads::Body)
    }

    pub fn method(&self) -> &'static str {
        self.method
    }

    pub fn describe(mut self, text: &str) -> Operation {
        self.value.insert("description".into(), json!(text));
        self
    }

    pub fn tag(mut self, tag: &str) -> Operation {
        self.value.insert("tags".into(), json!([tag]));
        self
    }

    /// A parameter, given whole or as a `$ref`.
    pub fn param(mut self, parameter: Value) -> Operation {
        self.parameters.push(parameter);
        self
    }

    /// Parameters from `components/parameters`, by name.
    pub fn shared_params(mut self, names: &[&str]) -> Operation {
        self.parameters
            .extend(names.iter().map(|n| component("parameters", n)));
        self
    }

    pub fn body(mut self, body: Value) -> Operation {
        self.value.insert("requestBody".into(), body);
        self
    }

    /// A successful (or 304) answer.
    pub fn answer(mut self, status: u16, response: Value) -> Operation {
        self.responses.insert(status.to_string(), response);
        self
    }

    /// `304 Not Modified` for a request whose `If-None-Match` names the current ETag.
    pub fn cached(self) -> Operation {
        self.answer(
            304,
            json!({"description": "Not modified: the ETag in If-None-Match is current.",
                   "headers": {"ETag": {"description": "The current entity tag.", "schema": {"type": "string"}}}}),
        )
    }

    /// An error answer, from the shared `components/responses`.
    pub fn error(mut self, status: &problems::Status) -> Operation {
        self.responses
            .insert(status.code.to_string(), component("responses", status.name));
        self
    }

    /// Answers 404 when what the path names does not exist.
    pub fn may_be_missing(self) -> Operation {
        self.error(&problems::NOT_FOUND)
    }

    /// Needs a bearer token of `role` or above.
    pub fn needs(mut self, role: Role) -> Operation {
        self.value.insert("security".into(), json!([{BEARER: []}]));
        self.value
            .insert("x-planmap-role".into(), json!(role.as_str()));
        let note = format!(
            "Needs a bearer token of role `{}` or above: without a token 401, with a lower role 403.",
            role.as_str()
        );
        let text = match self.value.get("description").and_then(Value::as_str) {
            Some(d) => format!("{d}\n\n{note}"),
            None => note,
        };
        self.value.insert("description".into(), json!(text));
        self
    }

    /// Needs no token even when reads are closed.
    pub fn anonymous(mut self) -> Operation {
        self.value.insert("security".into(), json!([{}]));
        self
    }

    pub fn build(mut self) -> Value {
        if !self.parameters.is_empty() {
            self.value
                .insert("parameters".into(), Value::Array(self.parameters));
        }
        self.value
            .insert("responses".into(), Value::Object(self.responses));
        Value::Object(self.value)
    }
}

/// The `paths` object, one operation at a time.
#[derive(Default)]
pub struct Paths(Map<String, Value>);

impl Paths {
    pub fn add(&mut self, path: &str, operation: Operation) -> &mut Paths {
        let method = operation.method();
        let entry = self.0.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[method] = operation.build();
        self
    }

    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }
}
