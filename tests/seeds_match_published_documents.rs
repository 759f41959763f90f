//! The files in `seeds/` transcribe tables and figures of five published
//! planning documents. These tests check that the transcription is complete
//! and well formed, and, where the documents themselves are present beside
//! the repository (`../shared/seeds/`), that every key identifier and figure
//! of every record is written in the document it names.
//!
//! The crate's dependencies do not include a CSV reader, so a small RFC 4180
//! parser lives here.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::PathBuf;

// ---------------------------------------------------------------------------
// RFC 4180 parsing
// ---------------------------------------------------------------------------

/// Parses RFC 4180 text: comma separated, fields optionally enclosed in double
/// quotes, `""` for a quote inside a quoted field, CRLF or LF line ends, a
/// final line end optional. A quote inside an unquoted field, or text after a
/// closing quote, is an error.
fn parse_csv(text: &str) -> Result<Vec<Vec<String>>, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut after_quote = false;
    let mut line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => {
                    in_quotes = false;
                    after_quote = true;
                }
                _ => {
                    line += usize::from(c == '\n');
                    field.push(c);
                }
            }
            continue;
        }
        match c {
            ',' => {
                record.push(std::mem::take(&mut field));
                after_quote = false;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
                after_quote = false;
                line += 1;
            }
            _ if after_quote => return Err(format!("line {line}: text after a closing quote")),
            '"' if field.is_empty() => in_quotes = true,
            '"' => return Err(format!("line {line}: quote inside an unquoted field")),
            _ => field.push(c),
        }
    }
    if in_quotes {
        return Err(format!("line {line}: quoted field not closed"));
    }
    if !field.is_empty() || !record.is_empty() || after_quote {
        record.push(field);
        records.push(record);
    }
    Ok(records)
}

#[test]
fn the_csv_parser_follows_rfc_4180() {
    let parsed =
        parse_csv("a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\r\n\"multi\nline\",,\"\"").unwrap();
    assert_eq!(
        parsed,
        vec![
            vec!["a", "b", "c"],
            vec!["x, y", "say \"hi\"", ""],
            vec!["multi\nline", "", ""],
        ]
    );
    assert_eq!(parse_csv("a\nb\n").unwrap(), vec![vec!["a"], vec!["b"]]);
    assert_eq!(
        parse_csv("屯留,1191.1").unwrap(),
        vec![vec!["屯留", "1191.1"]]
    );
    assert!(parse_csv("a,b\"c\n").is_err());
    assert!(parse_csv("\"a\"b,c\n").is_err());
    assert!(parse_csv("\"open,c\n").is_err());
}

// ---------------------------------------------------------------------------
// Seed tables
// ---------------------------------------------------------------------------

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn seeds_dir() -> PathBuf {
    manifest_dir().join("seeds")
}

fn documents_dir() -> PathBuf {
    manifest_dir().join("../shared/seeds")
}

struct Table {
    file: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn load(file: &str) -> Table {
        let path = seeds_dir().join(file);
        let text = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut records = parse_csv(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert!(!records.is_empty(), "{file}: no header row");
        let header = records.remove(0);
        Table {
            file: file.to_string(),
            header,
            rows: records,
        }
    }

    fn has(&self, column: &str) -> bool {
        self.header.iter().any(|h| h == column)
    }

    fn index(&self, column: &str) -> usize {
        self.header
            .iter()
            .position(|h| h == column)
            .unwrap_or_else(|| panic!("{}: no column {column}", self.file))
    }

    fn column(&self, column: &str) -> Vec<&str> {
        let i = self.index(column);
        self.rows.iter().map(|r| r[i].as_str()).collect()
    }

    fn get<'a>(&self, row: &'a [String], column: &str) -> &'a str {
        &row[self.index(column)]
    }

    /// The row whose `column` equals `value`.
    fn find(&self, column: &str, value: &str) -> &[String] {
        let i = self.index(column);
        self.rows
            .iter()
            .find(|r| r[i] == value)
            .unwrap_or_else(|| panic!("{}: no row with {column} = {value}", self.file))
    }

    fn number(&self, row: &[String], column: &str) -> f64 {
        let v = self.get(row, column);
        v.parse()
            .unwrap_or_else(|_| panic!("{}: {column} = {v:?} is not a number", self.file))
    }
}

fn seed_files() -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(seeds_dir())
        .expect("seeds/ directory")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".csv"))
        .collect();
    files.sort();
    files
}

fn all_tables() -> Vec<Table> {
    seed_files().iter().map(|f| Table::load(f)).collect()
}

/// Title a `source` starts with, and a text that identifies the document file.
const DOCUMENTS: &[(&str, &str)] = &[
    (
        "长治市屯留区矿产资源总体规划（2021—2025年）",
        "长治市屯留区矿产资源总体规划",
    ),
    (
        "阳城县非煤矿产资源综合整治提升实施方案（阳政办发〔2025〕17号）",
        "阳城县非煤矿产资源综合整治提升实施方案",
    ),
    (
        "阳城县煤炭绿色开采工作方案（阳政办发〔2023〕31号）",
        "阳城县煤炭绿色开采工作方案",
    ),
    (
        "长治市规划和自然资源局关于市十五届人大五次会议第109号建议的答复（〔2025〕578号）",
        "关于市十五届人大五次会议第109号建议的答复",
    ),
];

/// What the documents say about each file, and how to find each record in
/// its document.
///
/// `anchor`, `near` and `anywhere` entries are either a column name or a
/// template with `{column}` placeholders. The anchor must occur in the
/// document; every `near` entry within `window` characters before or after
/// one occurrence of it; every `anywhere` entry somewhere in the document.
/// A `sequence` column's values, concatenated in row order, must occur in the
/// document (for tables printed column by column). Entries that refer to an
/// empty cell are not checked. Whitespace is ignored on both sides.
struct Spec {
    file: &'static str,
    rows: usize,
    rows_because: &'static str,
    key: &'static [&'static str],
    anchor: &'static str,
    near: &'static [&'static str],
    anywhere: &'static [&'static str],
    window: usize,
    sequences: &'static [&'static str],
}

const BASE: Spec = Spec {
    file: "",
    rows: 0,
    rows_because: "",
    key: &[],
    anchor: "",
    near: &[],
    anywhere: &[],
    window: 80,
    sequences: &[],
};

const SPECS: &[Spec] = &[
    Spec {
        file: "changzhi_subsidence_schedule.csv",
        rows: 5,
        rows_because: "2025–2028 schedule (4 years) and the area completed so far",
        key: &["year", "kind"],
        anchor: "{area_10k_mu}万亩",
        near: &["year"],
        window: 10,
        ..BASE
    },
    Spec {
        file: "planning_rules.csv",
        rows: 16,
        rows_because: "7 delineation principles, 6 further 屯留 rules, 2 阳城 非煤 rules, 1 阳城 煤炭 rule",
        key: &["rule_id"],
        anchor: "label",
        ..BASE
    },
    Spec {
        file: "tunliu_cbm_demonstration_bases.csv",
        rows: 2,
        rows_because: "表6-1 has 2 rows",
        key: &["name"],
        anchor: "name",
        near: &[
            "new_proven_reserves_min_100million_m3",
            "new_proven_reserves_max_100million_m3",
            "new_capacity_min_100million_m3_per_year",
            "new_capacity_max_100million_m3_per_year",
            "cumulative_proven_reserves_min_100million_m3",
            "cumulative_proven_reserves_max_100million_m3",
            "cumulative_capacity_min_100million_m3_per_year",
            "cumulative_capacity_max_100million_m3_per_year",
        ],
        window: 200,
        ..BASE
    },
    Spec {
        file: "tunliu_district.csv",
        rows: 1,
        rows_because: "one district",
        key: &["name"],
        anchor: "lon_min_dms_published",
        near: &[
            "lon_max_dms_published",
            "lat_min_dms_published",
            "lat_max_dms_published",
            "crs_published",
            "南北宽{ns_width_km}km",
            "东西长{ew_length_km}km",
            "总面积{area_km2}平方千米",
        ],
        anywhere: &["{township_count}个乡镇（{town_count}个镇、{xiang_count}个乡）"],
        window: 80,
        ..BASE
    },
    Spec {
        file: "tunliu_energy_bases.csv",
        rows: 3,
        rows_because: "表3-1 has 3 bases",
        key: &["name"],
        anchor: "name",
        near: &["level", "admin_regions", "mineral", "area_km2"],
        anywhere: &["location_in_district"],
        ..BASE
    },
    Spec {
        file: "tunliu_exploration_areas.csv",
        rows: 14,
        rows_because: "第一章第二节 二: 勘查区14个; 表1-1 rows 1–14",
        key: &["name", "exploration_stage"],
        anchor: "name",
        near: &[
            "mineral",
            "exploration_stage",
            "utilisation",
            "identified_resources_10kt",
            "scale",
        ],
        window: 40,
        ..BASE
    },
    Spec {
        file: "tunliu_exploration_blocks.csv",
        rows: 4,
        rows_because: "第四章第二节 2: 勘查规划区块4个 (KQ001–KQ004)",
        key: &["code"],
        anchor: "code",
        near: &[
            "name",
            "mineral",
            "area_km2",
            "current_exploration_stage",
            "planned_exploration_stage",
            "release_period",
        ],
        ..BASE
    },
    Spec {
        file: "tunliu_geological_survey.csv",
        rows: 1,
        rows_because: "表4-1 has 1 row",
        key: &["work_content"],
        anchor: "work_content",
        near: &[
            "workload_km2",
            "{map_sheet_count}个1:5万图幅（{map_sheets}）",
        ],
        anywhere: &["task"],
        ..BASE
    },
    Spec {
        file: "tunliu_key_exploration_areas.csv",
        rows: 1,
        rows_because: "表3-3 has 1 row",
        key: &["name"],
        anchor: "name",
        near: &[
            "admin_region",
            "area_km2",
            "mineral",
            "existing_exploration_rights",
        ],
        anywhere: &["location_in_district"],
        ..BASE
    },
    Spec {
        file: "tunliu_mining_blocks.csv",
        rows: 3,
        rows_because: "第四章第三节 二: 开采规划区块3个 (CQ001–CQ003)",
        key: &["code"],
        anchor: "code",
        near: &["name", "mineral", "area_km2", "release_period"],
        ..BASE
    },
    Spec {
        file: "tunliu_mining_rights.csv",
        rows: 5,
        rows_because: "第一章第二节 三: 持有采矿许可证矿山企业5个 (表1-2)",
        key: &["licence_no"],
        anchor: "licence_no",
        near: &[
            "holder",
            "mine_name",
            "economic_type",
            "mineral",
            "capacity_10kt_per_year",
            "area_km2",
            "valid_from",
            "valid_to",
            "issuing_authority",
            "status",
        ],
        window: 120,
        ..BASE
    },
    Spec {
        file: "tunliu_national_mining_areas.csv",
        rows: 4,
        rows_because: "第三章第三节 一 2: 屯留区需落实4个国家规划矿区",
        key: &["name"],
        anchor: "name",
        near: &["admin_regions", "mineral", "area_km2"],
        anywhere: &["location_in_district", "coal_seams", "coal_types", "note"],
        window: 40,
        ..BASE
    },
    Spec {
        file: "tunliu_planning_targets.csv",
        rows: 11,
        rows_because: "表2-1 has 11 indicator values",
        key: &["indicator", "mineral"],
        anchor: "indicator",
        near: &["mineral", "value_published", "attribute"],
        anywhere: &["category", "unit"],
        window: 60,
        ..BASE
    },
    Spec {
        file: "tunliu_prevention_zones.csv",
        rows: 1,
        rows_because: "第六章 二: one of the city's 6 prevention zones lies in 屯留区",
        key: &["name"],
        anchor: "name",
        near: &["约{area_km2}平方千米", "location_in_district"],
        anywhere: &["{designated_by}划定的{designated_count}处预防区"],
        window: 40,
        ..BASE
    },
    Spec {
        file: "tunliu_prohibited_zones.csv",
        rows: 12,
        rows_because: "第三章第三节 三 lists 12 prohibited zones",
        key: &["name"],
        anchor: "{seq}、{name}",
        ..BASE
    },
    Spec {
        file: "tunliu_prospect_survey_projects.csv",
        rows: 5,
        rows_because: "表4-3 has 5 projects",
        key: &["name"],
        anchor: "{seq}{name}",
        ..BASE
    },
    Spec {
        file: "tunliu_remediation_progress.csv",
        rows: 1,
        rows_because: "表1-3 has 1 row",
        key: &["county"],
        anchor: "{county}{total_damaged_area_km2}{remediated_producing_mines_km2}{remediated_abandoned_mines_km2}{remediated_total_km2}",
        near: &["截至{as_of}年屯留区恢复治理面积"],
        window: 80,
        ..BASE
    },
    Spec {
        file: "tunliu_remediation_zones.csv",
        rows: 1,
        rows_because: "第五章第二节 二: 1个重点治理区 (表5-1)",
        key: &["name"],
        anchor: "name",
        near: &[
            "塌陷坑{collapse_pits}处",
            "塌陷面积{collapse_area_km2}平方千米",
            "地裂缝数量{ground_fissures}条",
            "破坏农田{farmland_damaged_mu}亩",
            "破坏房屋{houses_damaged}间",
            "直接经济损失{direct_loss_10k_yuan}万元",
            "area_km2",
        ],
        anywhere: &["main_problems"],
        window: 200,
        ..BASE
    },
    Spec {
        file: "tunliu_subsidence.csv",
        rows: 20,
        rows_because: "figures published in 第一章第二节 四 (7), 第五章第二节 二 (5), 第一章第三节 三 (8)",
        key: &["quantity", "source"],
        anchor: "label_published",
        near: &["{value}{unit}"],
        window: 12,
        ..BASE
    },
    Spec {
        file: "tunliu_townships.csv",
        rows: 11,
        rows_because: "第一章第一节 一: 下辖11个乡镇（7个镇、4个乡）",
        key: &["name"],
        anchor: "name",
        ..BASE
    },
    Spec {
        file: "yangcheng_closures.csv",
        rows: 5,
        rows_because: "阳城 非煤方案 附件2 has 5 mines",
        key: &["licence_no"],
        anchor: "licence_no",
        near: &[
            "mine_name",
            "holder",
            "mineral",
            "capacity_10kt_per_year",
            "valid_from",
            "valid_to",
            "validity_published",
            "closure_year",
        ],
        ..BASE
    },
    Spec {
        file: "yangcheng_coal_pilot_mines.csv",
        rows: 9,
        rows_because: "阳城 煤炭方案 附件 has 9 projects",
        key: &["seq"],
        anchor: "mine_name",
        anywhere: &["parent_group", "project_type"],
        sequences: &[
            "mine_name",
            "status",
            "capacity_10kt_per_year",
            "parent_group",
            "project_type",
            "start_year",
            "expected_completion_year",
        ],
        ..BASE
    },
    Spec {
        file: "yangcheng_new_mining_rights.csv",
        rows: 8,
        rows_because: "阳城 非煤方案 附件3 has 8 proposed mining rights",
        key: &["name"],
        anchor: "name",
        near: &[
            "mineral",
            "area_km2",
            "predicted_resources_10kt",
            "location",
            "auction_year",
        ],
        window: 60,
        ..BASE
    },
];

fn is_plain_decimal(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, "0"));
    !int.is_empty()
        && !frac.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
}

/// Columns holding a number, by the unit their name ends with.
const NUMBER_SUFFIXES: &[&str] = &[
    "_km2",
    "_km",
    "_deg",
    "_10kt",
    "_10kt_per_year",
    "_mu",
    "_10k_mu",
    "_10k_yuan",
    "_100million_m3",
    "_100million_m3_per_year",
    "_count",
    "_rights",
    "_pits",
    "_fissures",
    "_damaged",
];

fn is_number_column(column: &str) -> bool {
    NUMBER_SUFFIXES.iter().any(|s| column.ends_with(s))
        || matches!(column, "value" | "value_2025" | "seq" | "as_of")
        || column == "year"
        || column.ends_with("_year")
}

fn is_iso_date(s: &str) -> bool {
    let p: Vec<&str> = s.split('-').collect();
    if p.len() != 3 || p[0].len() != 4 || p[1].len() != 2 || p[2].len() != 2 {
        return false;
    }
    let n: Vec<u32> = match p.iter().map(|x| x.parse()).collect() {
        Ok(n) => n,
        Err(_) => return false,
    };
    (1..=12).contains(&n[1]) && (1..=31).contains(&n[2])
}

// ---------------------------------------------------------------------------
// Tests that need nothing but the repository
// ---------------------------------------------------------------------------

#[test]
fn every_seed_file_parses_as_a_rectangular_table_with_snake_case_columns() {
    let files = seed_files();
    assert!(files.len() >= 20, "only {} seed files", files.len());
    for table in all_tables() {
        let f = &table.file;
        let mut seen = BTreeSet::new();
        for h in &table.header {
            assert!(
                !h.is_empty()
                    && h.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                    && h.as_bytes()[0].is_ascii_lowercase(),
                "{f}: column {h:?} is not snake_case"
            );
            assert!(seen.insert(h), "{f}: column {h} twice");
        }
        assert!(table.has("source"), "{f}: no source column");
        assert!(!table.rows.is_empty(), "{f}: no records");
        for (i, row) in table.rows.iter().enumerate() {
            assert_eq!(
                row.len(),
                table.header.len(),
                "{f}: record {} has {} fields, the header {}",
                i + 1,
                row.len(),
                table.header.len()
            );
            for v in row {
                assert_eq!(
                    v.trim(),
                    v,
                    "{f}: record {}: stray whitespace in {v:?}",
                    i + 1
                );
            }
        }
    }
}

#[test]
fn every_seed_file_names_its_source_on_every_record() {
    for table in all_tables() {
        for (i, source) in table.column("source").iter().enumerate() {
            assert!(
                DOCUMENTS.iter().any(|(title, _)| {
                    source
                        .strip_prefix(title)
                        .is_some_and(|rest| rest.starts_with(' ') && rest.trim().len() > 1)
                }),
                "{}: record {} has source {source:?}, which does not start with a known document title and a section",
                table.file,
                i + 1
            );
        }
    }
}

#[test]
fn every_seed_file_has_the_number_of_records_the_documents_publish() {
    let files: BTreeSet<String> = seed_files().into_iter().collect();
    let specified: BTreeSet<String> = SPECS.iter().map(|s| s.file.to_string()).collect();
    assert_eq!(files, specified, "seed files and SPECS differ");
    for s in SPECS {
        let table = Table::load(s.file);
        assert_eq!(
            table.rows.len(),
            s.rows,
            "{}: {} records, expected {} ({})",
            s.file,
            table.rows.len(),
            s.rows,
            s.rows_because
        );
    }
}

#[test]
fn every_seed_file_is_described_in_the_readme() {
    let readme = fs::read_to_string(seeds_dir().join("README.md")).expect("seeds/README.md");
    for f in seed_files() {
        assert!(readme.contains(&f), "seeds/README.md does not mention {f}");
    }
}

#[test]
fn codes_licence_numbers_and_names_are_unique_within_each_file() {
    for s in SPECS {
        let table = Table::load(s.file);
        let mut seen = BTreeSet::new();
        for row in &table.rows {
            let key: Vec<&str> = s.key.iter().map(|k| table.get(row, k)).collect();
            assert!(
                key.iter().any(|k| !k.is_empty()),
                "{}: empty key {:?}",
                s.file,
                s.key
            );
            assert!(seen.insert(key.clone()), "{}: key {key:?} twice", s.file);
        }
    }
}

#[test]
fn sequence_numbers_run_from_one_without_gaps() {
    for table in all_tables().into_iter().filter(|t| t.has("seq")) {
        let seq: Vec<String> = table.column("seq").iter().map(|s| s.to_string()).collect();
        let expected: Vec<String> = (1..=seq.len()).map(|n| n.to_string()).collect();
        assert_eq!(seq, expected, "{}", table.file);
    }
}

#[test]
fn numbers_are_plain_decimals_and_areas_are_positive() {
    for table in all_tables() {
        for column in table.header.iter().filter(|c| is_number_column(c)) {
            for v in table.column(column) {
                if v.is_empty() {
                    continue;
                }
                assert!(
                    is_plain_decimal(v),
                    "{}: {column} = {v:?} is not a plain decimal",
                    table.file
                );
                if column.ends_with("_km2") || column.ends_with("_mu") {
                    assert!(
                        v.parse::<f64>().unwrap() > 0.0,
                        "{}: {column} = {v} is not positive",
                        table.file
                    );
                }
            }
        }
        if table.has("value") {
            // Published figures with a unit: always a number.
            for v in table.column("value") {
                assert!(is_plain_decimal(v), "{}: value {v:?}", table.file);
            }
        }
    }
}

#[test]
fn every_block_and_licence_has_a_positive_area() {
    for file in [
        "tunliu_exploration_blocks.csv",
        "tunliu_mining_blocks.csv",
        "tunliu_mining_rights.csv",
        "tunliu_remediation_zones.csv",
        "tunliu_prevention_zones.csv",
        "yangcheng_new_mining_rights.csv",
    ] {
        let table = Table::load(file);
        for row in &table.rows {
            assert!(table.number(row, "area_km2") > 0.0, "{file}: {row:?}");
        }
    }
}

#[test]
fn block_codes_and_licence_numbers_have_the_published_form() {
    let code_ok = |c: &str, prefix: &str| {
        c.len() == 5 && c.starts_with(prefix) && c[2..].bytes().all(|b| b.is_ascii_digit())
    };
    for c in Table::load("tunliu_exploration_blocks.csv").column("code") {
        assert!(code_ok(c, "KQ"), "{c}");
    }
    for c in Table::load("tunliu_mining_blocks.csv").column("code") {
        assert!(code_ok(c, "CQ"), "{c}");
    }
    for file in ["tunliu_mining_rights.csv", "yangcheng_closures.csv"] {
        for n in Table::load(file).column("licence_no") {
            assert!(
                n.len() == 23 && n.starts_with('C') && n[1..].bytes().all(|b| b.is_ascii_digit()),
                "{file}: licence number {n}"
            );
        }
    }
}

#[test]
fn licence_validity_dates_are_iso_and_in_order() {
    for file in ["tunliu_mining_rights.csv", "yangcheng_closures.csv"] {
        let table = Table::load(file);
        for row in &table.rows {
            let (from, to) = (table.get(row, "valid_from"), table.get(row, "valid_to"));
            assert!(
                is_iso_date(from) && is_iso_date(to),
                "{file}: {from} / {to}"
            );
            assert!(
                from < to,
                "{file}: valid_from {from} is not before valid_to {to}"
            );
        }
    }
}

#[test]
fn the_yangcheng_published_validity_text_agrees_with_the_iso_dates() {
    let table = Table::load("yangcheng_closures.csv");
    for row in &table.rows {
        let published = table.get(row, "validity_published");
        let iso = |d: &str| -> String {
            let p: Vec<&str> = d.split('.').collect();
            format!("{}-{:0>2}-{:0>2}", p[0], p[1], p[2])
        };
        let (a, b) = published.split_once('-').expect("from-to");
        assert_eq!(iso(a), table.get(row, "valid_from"));
        assert_eq!(iso(b), table.get(row, "valid_to"));
    }
}

fn dms_to_degrees(s: &str) -> f64 {
    let nums: Vec<f64> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .map(|p| p.parse().unwrap())
        .collect();
    assert_eq!(nums.len(), 3, "{s}");
    nums[0] + nums[1] / 60.0 + nums[2] / 3600.0
}

#[test]
fn the_district_extent_in_decimal_degrees_matches_the_published_dms_text() {
    let t = Table::load("tunliu_district.csv");
    let row = &t.rows[0];
    for (deg, dms) in [
        ("lon_min_deg", "lon_min_dms_published"),
        ("lon_max_deg", "lon_max_dms_published"),
        ("lat_min_deg", "lat_min_dms_published"),
        ("lat_max_deg", "lat_max_dms_published"),
    ] {
        let d = dms_to_degrees(t.get(row, dms));
        assert!(
            (t.number(row, deg) - d).abs() < 1e-6,
            "{deg}: {} vs {d}",
            t.number(row, deg)
        );
    }
    assert_eq!(t.get(row, "lon_min_dms_published"), "112°26'18\"");
    assert_eq!(t.get(row, "lat_max_dms_published"), "36°26'18\"");
}

#[test]
fn the_district_is_1191_1_km2_with_eleven_townships() {
    let t = Table::load("tunliu_district.csv");
    let row = &t.rows[0];
    assert_eq!(t.get(row, "name"), "屯留区");
    assert_eq!(t.get(row, "area_km2"), "1191.1");
    assert_eq!(t.get(row, "township_count"), "11");
    let listed: Vec<&str> = t.get(row, "townships").split('、').collect();
    let towns = Table::load("tunliu_townships.csv");
    let names: BTreeSet<&str> = towns.column("name").into_iter().collect();
    assert_eq!(listed.len(), 11);
    assert_eq!(listed.iter().copied().collect::<BTreeSet<_>>(), names);
    let kinds = towns.column("kind");
    assert_eq!(
        kinds.iter().filter(|k| **k == "镇").count().to_string(),
        t.get(row, "town_count")
    );
    assert_eq!(
        kinds.iter().filter(|k| **k == "乡").count().to_string(),
        t.get(row, "xiang_count")
    );
    for row in &towns.rows {
        assert!(towns.get(row, "name").ends_with(towns.get(row, "kind")));
    }
    // Survey of the whole district (表2-1, 表4-1) covers the published area.
    let targets = Table::load("tunliu_planning_targets.csv");
    let survey_target = targets.find("indicator", "1:5万区域地质调查");
    assert_eq!(targets.get(survey_target, "value_2025"), "1191.1");
    let survey = Table::load("tunliu_geological_survey.csv");
    assert_eq!(survey.column("workload_km2"), vec!["1191.1"]);
}

#[test]
fn coal_mines_and_subsidence_lie_in_the_published_townships() {
    let t = Table::load("tunliu_townships.csv");
    let with = |col: &str| -> BTreeSet<&str> {
        t.rows
            .iter()
            .filter(|r| t.get(r, col) == "true")
            .map(|r| t.get(r, "name"))
            .collect()
    };
    assert_eq!(
        with("coal_mining_area"),
        BTreeSet::from(["李高乡", "渔泽镇", "路村乡", "余吾镇", "上村镇"])
    );
    assert_eq!(
        with("subsidence_area"),
        BTreeSet::from(["路村乡", "上村镇", "李高乡", "麟绛镇"])
    );
}

#[test]
fn the_prevention_zone_is_luan_iii3_of_about_135_5_km2() {
    let t = Table::load("tunliu_prevention_zones.csv");
    let row = t.find("name", "潞安煤炭规划矿区Ⅲ3");
    assert_eq!(t.get(row, "area_km2"), "135.5");
    assert_eq!(t.get(row, "approximate"), "true");
    assert_eq!(t.get(row, "clause"), "第六章 二");
}

#[test]
fn the_planning_blocks_have_the_published_areas() {
    let kq = Table::load("tunliu_exploration_blocks.csv");
    let areas: Vec<(&str, &str)> = kq
        .column("code")
        .into_iter()
        .zip(kq.column("area_km2"))
        .collect();
    assert_eq!(
        areas,
        vec![
            ("KQ001", "47.704"),
            ("KQ002", "29.873"),
            ("KQ003", "81.919"),
            ("KQ004", "13.91")
        ]
    );
    let cq = Table::load("tunliu_mining_blocks.csv");
    let areas: Vec<(&str, &str)> = cq
        .column("code")
        .into_iter()
        .zip(cq.column("area_km2"))
        .collect();
    assert_eq!(
        areas,
        vec![("CQ001", "48.22"), ("CQ002", "4.51"), ("CQ003", "13.91")]
    );
}

#[test]
fn licence_capacities_add_up_to_the_published_2070_10kt_per_year() {
    // 第一章第一节 六 and 第一章第二节 三: 证载年生产规模2070万吨.
    let t = Table::load("tunliu_mining_rights.csv");
    let total: f64 = t
        .rows
        .iter()
        .map(|r| t.number(r, "capacity_10kt_per_year"))
        .sum();
    assert_eq!(total, 2070.0);
    let guzheng = t.find("licence_no", "C1000002015051120138157");
    assert_eq!(t.get(guzheng, "area_km2"), "143.8");
    assert_eq!(t.get(guzheng, "valid_to"), "2025-01-05");
    let stopped: Vec<&str> = t
        .rows
        .iter()
        .filter(|r| t.get(r, "status") != "生产")
        .map(|r| t.get(r, "mine_name"))
        .collect();
    assert_eq!(stopped, vec!["山西潞安小南村煤业有限公司"]);
}

#[test]
fn the_remediated_areas_add_up_as_published_in_table_1_3() {
    let t = Table::load("tunliu_remediation_progress.csv");
    let row = &t.rows[0];
    let sum = t.number(row, "remediated_producing_mines_km2")
        + t.number(row, "remediated_abandoned_mines_km2");
    assert!((sum - t.number(row, "remediated_total_km2")).abs() < 1e-9);
    assert_eq!(t.get(row, "remediated_total_km2"), "16.5");
    let s = Table::load("tunliu_subsidence.csv");
    let value = |q: &str| s.get(s.find("quantity", q), "value").to_string();
    assert_eq!(value("subsidence_areas"), "41");
    assert_eq!(value("ground_fissures"), "72");
    assert_eq!(value("damaged_area"), "30");
    assert_eq!(value("remediated_area_total"), "16.5");
    let parts = [
        "demonstration_project_land_area",
        "demonstration_project_pond_area",
    ]
    .iter()
    .map(|q| value(q).parse::<f64>().unwrap())
    .sum::<f64>();
    assert!((parts - value("demonstration_project_area").parse::<f64>().unwrap()).abs() < 1e-6);
}

#[test]
fn the_remediation_zone_is_the_published_559_69_km2_zone() {
    let t = Table::load("tunliu_remediation_zones.csv");
    let row = t.find("name", "襄垣县、屯留区和潞州区煤矿区地质环境重点治理区");
    assert_eq!(t.get(row, "area_km2"), "559.69");
    assert_eq!(t.get(row, "collapse_area_km2"), "50.4655");
}

#[test]
fn twelve_prohibited_zones_are_named_in_the_published_order() {
    let t = Table::load("tunliu_prohibited_zones.csv");
    let names = t.column("name");
    assert_eq!(names[0], "余吾镇和屯留经济技术开发区（余吾工业园）");
    assert_eq!(names[11], "屯留-长治快速连接线、北康线、屯东线建设用地");
    for c in t.column("clause") {
        assert!(c.starts_with("第三章第三节 三"), "{c}");
    }
}

#[test]
fn yangcheng_closures_and_new_rights_have_the_published_method_and_year() {
    let t = Table::load("yangcheng_closures.csv");
    let methods: Vec<(&str, &str)> = t
        .column("closure_method")
        .into_iter()
        .zip(t.column("closure_year"))
        .collect();
    assert_eq!(
        methods,
        vec![
            ("关闭取缔", "2025"),
            ("关闭取缔", "2025"),
            ("关闭取缔", "2025"),
            ("引导退出", "2026"),
            ("引导退出", "2027"),
        ]
    );
    let n = Table::load("yangcheng_new_mining_rights.csv");
    let first = n.find("seq", "1");
    assert_eq!(n.get(first, "area_km2"), "0.26");
    assert_eq!(n.get(first, "auction_year"), "2025");
    let years: BTreeSet<&str> = n.column("auction_year").into_iter().collect();
    assert_eq!(years, BTreeSet::from(["2025", "2026", "2027", "2028"]));
}

#[test]
fn the_changzhi_schedule_covers_2025_to_2028() {
    let t = Table::load("changzhi_subsidence_schedule.csv");
    let planned: Vec<(&str, &str)> = t
        .rows
        .iter()
        .filter(|r| t.get(r, "kind") == "planned")
        .map(|r| (t.get(r, "year"), t.get(r, "area_10k_mu")))
        .collect();
    assert_eq!(
        planned,
        vec![
            ("2025", "4.47"),
            ("2026", "1.12"),
            ("2027", "1.18"),
            ("2028", "0.32")
        ]
    );
}

#[test]
fn ranges_in_table_6_1_run_from_low_to_high() {
    let t = Table::load("tunliu_cbm_demonstration_bases.csv");
    for row in &t.rows {
        for col in t.header.iter().filter(|c| c.contains("_min_")) {
            let max = col.replace("_min_", "_max_");
            if t.get(row, col).is_empty() {
                assert!(t.get(row, &max).is_empty());
                continue;
            }
            assert!(t.number(row, col) <= t.number(row, &max), "{col}");
        }
    }
}

// ---------------------------------------------------------------------------
// Checks against the published documents
// ---------------------------------------------------------------------------

fn normalise(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The ways a cell value may be written in a document.
fn published_forms(column: &str, value: &str) -> Vec<String> {
    if column.starts_with("valid_") && is_iso_date(value) {
        let (y, m, d) = (&value[0..4], &value[5..7], &value[8..10]);
        let unpadded = |s: &str| s.trim_start_matches('0').to_string();
        return vec![
            format!("{y}.{m}.{d}"),
            format!("{y}.{}.{}", unpadded(m), unpadded(d)),
        ];
    }
    if (column == "year" || column.ends_with("_year")) && !column.ends_with("_per_year") {
        return vec![format!("{value}年")];
    }
    vec![normalise(value)]
}

/// Renders a spec entry for one record: `None` when it refers to an empty cell.
fn render(table: &Table, row: &[String], entry: &str) -> Option<Vec<String>> {
    if !entry.contains('{') {
        let v = table.get(row, entry);
        return (!v.is_empty()).then(|| published_forms(entry, v));
    }
    let mut out = String::new();
    let mut rest = entry;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').expect("closing brace") + open;
        let v = table.get(row, &rest[open + 1..close]);
        if v.is_empty() {
            return None;
        }
        out.push_str(v);
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    Some(vec![normalise(&out)])
}

/// `window` characters either side of `doc[start..end]`.
fn around(doc: &str, start: usize, end: usize, window: usize) -> &str {
    let from = doc[..start]
        .char_indices()
        .rev()
        .nth(window.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    let to = doc[end..]
        .char_indices()
        .nth(window)
        .map_or(doc.len(), |(i, _)| end + i);
    &doc[from..to]
}

fn load_documents() -> Option<BTreeMap<&'static str, String>> {
    let dir = documents_dir();
    let entries = fs::read_dir(&dir).ok()?;
    let texts: Vec<(String, String)> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .map(|p| {
            let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            (p.display().to_string(), normalise(&text))
        })
        .collect();
    let mut docs = BTreeMap::new();
    for (title, key) in DOCUMENTS {
        let matching: Vec<&(String, String)> =
            texts.iter().filter(|(_, t)| t.contains(key)).collect();
        assert_eq!(
            matching.len(),
            1,
            "{}: expected exactly one document containing {key:?}, found {:?}",
            dir.display(),
            matching.iter().map(|(p, _)| p).collect::<Vec<_>>()
        );
        docs.insert(*title, matching[0].1.clone());
    }
    Some(docs)
}

#[test]
fn every_transcribed_identifier_and_figure_appears_in_the_published_documents() {
    let Some(docs) = load_documents() else {
        eprintln!(
            "skipped: ../shared/seeds not present; transcription not checked against the published documents"
        );
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for s in SPECS {
        let table = Table::load(s.file);
        for (i, row) in table.rows.iter().enumerate() {
            let source = table.get(row, "source");
            let (_, doc) = docs
                .iter()
                .find(|(title, _)| source.starts_with(**title))
                .unwrap_or_else(|| panic!("{}: record {}: unknown source {source}", s.file, i + 1));
            let at = format!("{} record {}", s.file, i + 1);
            let anchors = render(&table, row, s.anchor)
                .unwrap_or_else(|| panic!("{at}: anchor {} is empty", s.anchor));
            let near: Vec<(&str, Vec<String>)> = s
                .near
                .iter()
                .filter_map(|e| render(&table, row, e).map(|forms| (*e, forms)))
                .collect();
            let mut best: Option<Vec<&str>> = None;
            for anchor in &anchors {
                for (start, m) in doc.match_indices(anchor.as_str()) {
                    let context = around(doc, start, start + m.len(), s.window);
                    let missing: Vec<&str> = near
                        .iter()
                        .filter(|(_, forms)| !forms.iter().any(|f| context.contains(f.as_str())))
                        .map(|(e, _)| *e)
                        .collect();
                    if best.as_ref().is_none_or(|b| missing.len() < b.len()) {
                        best = Some(missing);
                    }
                }
            }
            match best {
                None => failures.push(format!("{at}: {anchors:?} not in the document")),
                Some(missing) if !missing.is_empty() => failures.push(format!(
                    "{at}: near {anchors:?} the document does not have {missing:?}"
                )),
                Some(_) => {}
            }
            for e in s.anywhere {
                if let Some(forms) = render(&table, row, e)
                    && !forms.iter().any(|f| doc.contains(f.as_str()))
                {
                    failures.push(format!("{at}: {e} = {forms:?} not in the document"));
                }
            }
            checked += 1;
        }
        for column in s.sequences {
            let joined: String = table
                .rows
                .iter()
                .map(|r| published_forms(column, table.get(r, column)).remove(0))
                .collect();
            let source = table.rows[0][table.index("source")].as_str();
            let doc = &docs
                .iter()
                .find(|(t, _)| source.starts_with(**t))
                .unwrap()
                .1;
            if !doc.contains(&joined) {
                failures.push(format!(
                    "{}: column {column} in row order ({joined}) not in the document",
                    s.file
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} records differ from the documents:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("checked {checked} records against the published documents");
}

#[test]
fn the_spot_checked_figures_are_written_so_in_the_documents() {
    let Some(docs) = load_documents() else {
        eprintln!(
            "skipped: ../shared/seeds not present; transcription not checked against the published documents"
        );
        return;
    };
    let plan = &docs[DOCUMENTS[0].0];
    for phrase in [
        "总面积1191.1平方千米",
        "下辖11个乡镇（7个镇、4个乡）",
        "涉及屯留区面积约135.5平方千米",
        "证载年生产规模2070万吨",
        "采煤沉陷区41处，地裂缝72处，破坏总面积约30平方千米",
        "恢复治理总面积约16.5平方千米",
        "落实省、市规划划定的省级发证矿种勘查规划区块4个",
        "落实省、市规划开采规划区块3个",
        "共有持有采矿许可证矿山企业5个",
        "全区共有勘查区14个",
    ] {
        assert!(plan.contains(phrase), "屯留 plan does not say {phrase}");
    }
    let reply = &docs[DOCUMENTS[3].0];
    assert!(reply.contains(
        "2025年完成4.47万亩、2026年完成1.12万亩、2027年完成1.18万亩、2028年完成0.32万亩"
    ));
}
