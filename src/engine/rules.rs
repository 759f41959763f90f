//! The plan's rules for each kind of candidate, and the findings a check
//! gives for them. Which layers a rule reads is said by the catalog: each
//! layer lists the `roles` it plays (`control_line`, `existing_right` …).

use std::sync::Arc;

use serde::{Deserialize, Deserializer, Serialize};

use crate::engine::blocks::{BlockCount, MineralClass};
use crate::engine::report::CheckReport;
use crate::layer::catalog::Layer;

/// What a candidate is for: each kind has its own rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateKind {
    /// 勘查规划区块: a planned exploration block.
    ExplorationBlock,
    /// 开采规划区块: a planned mining block.
    MiningBlock,
    /// 新设采矿权: a new mining right (e.g. for a 净矿出让 auction).
    MiningRight,
}

/// Why a candidate kind was refused.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("'{0}' is not a candidate kind: use exploration_block, mining_block or mining_right")]
pub struct UnknownKind(pub String);

impl CandidateKind {
    /// [`CandidateKind::parse`], saying which kinds there are when `text` is
    /// none: the HTTP API and the command line say the same.
    pub fn read(text: &str) -> Result<CandidateKind, UnknownKind> {
        CandidateKind::parse(text).ok_or_else(|| UnknownKind(text.to_string()))
    }

    pub fn parse(text: &str) -> Option<CandidateKind> {
        match text.trim() {
            "exploration_block" | "勘查规划区块" => Some(Self::ExplorationBlock),
            "mining_block" | "开采规划区块" => Some(Self::MiningBlock),
            "mining_right" | "采矿权" => Some(Self::MiningRight),
            _ => None,
        }
    }

    /// The name the kind is written with (as it serializes).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExplorationBlock => "exploration_block",
            Self::MiningBlock => "mining_block",
            Self::MiningRight => "mining_right",
        }
    }
}

/// A kind reads in every spelling [`CandidateKind::parse`] takes: versions
/// were once stored with the kind exactly as submitted (`勘查规划区块`, say),
/// and must still read.
impl<'de> Deserialize<'de> for CandidateKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        CandidateKind::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "unknown candidate kind '{text}'; expected exploration_block, mining_block or mining_right"
            ))
        })
    }
}

/// How a rule is tested.
#[derive(Debug, Clone, Copy)]
enum Test {
    /// No conflict with any layer playing one of these roles.
    NoOverlap(&'static [&'static str]),
    /// At least this many basic unit blocks of area.
    MinBlocks(f64),
    /// No more blocks than one licence may hold for the mineral.
    BlockCap,
}

/// A rule of a published plan.
struct Rule {
    id: &'static str,
    kinds: &'static [CandidateKind],
    clause: &'static str,
    /// What the rule asks, in the plan's words (short).
    asks: &'static str,
    test: Test,
}

use CandidateKind::*;

const TUNLIU: &str = "长治市屯留区矿产资源总体规划（2021—2025年）";

const RULES: &[Rule] = &[
    Rule {
        id: "tunliu-4-2-1-1",
        kinds: &[ExplorationBlock],
        clause: "第四章第二节 1（1）",
        asks: "不得与现有矿业权重叠",
        test: Test::NoOverlap(&["existing_right"]),
    },
    Rule {
        id: "tunliu-4-2-1-5",
        kinds: &[ExplorationBlock],
        clause: "第四章第二节 1（5）",
        asks: "拟设勘查规划区块面积原则上不小于1个基本单位区块",
        test: Test::MinBlocks(1.0),
    },
    Rule {
        id: "tunliu-4-2-1-7",
        kinds: &[ExplorationBlock],
        clause: "第四章第二节 1（7）",
        asks: "避让文物保护范围、建设控制地带以及生态保护红线、永久基本农田、城镇开发边界线等“三线”",
        test: Test::NoOverlap(&["control_line", "heritage"]),
    },
    Rule {
        id: "block-cap",
        kinds: &[ExplorationBlock],
        clause: "《矿产资源勘查区块登记管理办法》",
        asks: "一个勘查许可证的区块数不超过该矿种的上限（矿泉水10、金属非金属40、煤炭地热200、石油天然气2500个基本单位区块）",
        test: Test::BlockCap,
    },
    Rule {
        id: "tunliu-4-3-1",
        kinds: &[MiningBlock, MiningRight],
        clause: "第四章第三节 一",
        asks: "严守生态保护红线、永久基本农田、城镇开发边界三条控制线",
        test: Test::NoOverlap(&["control_line"]),
    },
    Rule {
        id: "tunliu-3-3-3-zoning",
        kinds: &[MiningBlock],
        clause: "第三章第三节 三",
        asks: "开采区块尤其不与禁采区、水源地等重叠",
        test: Test::NoOverlap(&["prohibited_zone"]),
    },
    Rule {
        id: "tunliu-3-3-3",
        kinds: &[MiningRight],
        clause: "第三章第三节 三",
        asks: "禁止开采区内新设立采矿权的申请、审批需要征求相关部门意见",
        test: Test::NoOverlap(&["prohibited_zone"]),
    },
    Rule {
        id: "yangcheng-4-2-6",
        kinds: &[MiningRight],
        clause: "阳城县非煤矿产资源综合整治提升实施方案 四(二)6",
        asks: "出让前排除与各类保护区、重要基础设施、其他项目用地的重叠",
        test: Test::NoOverlap(&[
            "protected_area",
            "project_site",
            "existing_right",
            "proposed_right",
        ]),
    },
];

/// What a rule tests, by its id: `no_overlap`, `min_blocks` or
/// `block_cap` (how a whole-plan QA names a failed finding).
pub fn test_of(rule_id: &str) -> Option<&'static str> {
    RULES
        .iter()
        .find(|r| r.id == rule_id)
        .map(|r| match r.test {
            Test::NoOverlap(_) => "no_overlap",
            Test::MinBlocks(_) => "min_blocks",
            Test::BlockCap => "block_cap",
        })
}

/// The outcome of one rule for one candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    /// true passed, false failed, null when the catalog has no layer for the rule.
    pub passed: Option<bool>,
    pub detail: String,
    pub clause: String,
    /// Layers the rule read (by role).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<String>,
}

/// Evaluates the rules for `kind` on a check's answer. `layers` are those
/// the check ran against; `mineral` decides the block cap.
pub fn findings(
    kind: CandidateKind,
    mineral: Option<&str>,
    report: &CheckReport,
    layers: &[Arc<Layer>],
    blocks: &BlockCount,
) -> Vec<Finding> {
    RULES
        .iter()
        .filter(|r| r.kinds.contains(&kind))
        .map(|rule| {
            let clause = if rule.clause.starts_with('第') {
                format!("{TUNLIU} {}：{}", rule.clause, rule.asks)
            } else {
                format!("{}：{}", rule.clause, rule.asks)
            };
            let (passed, detail, read) = match rule.test {
                Test::NoOverlap(roles) => no_overlap(roles, report, layers),
                Test::MinBlocks(min) => {
                    let ok = blocks.area_in_blocks + 1e-9 >= min;
                    (
                        Some(ok),
                        format!(
                            "the candidate's area is {:.4} basic unit blocks (1′×1′); at least {min} required",
                            blocks.area_in_blocks
                        ),
                        vec![],
                    )
                }
                Test::BlockCap => match mineral.and_then(MineralClass::of) {
                    Some(class) => {
                        let cap = class.max_blocks();
                        (
                            Some(blocks.touched <= cap),
                            format!(
                                "touches {} basic unit blocks; the cap for {} is {cap}",
                                blocks.touched,
                                mineral.unwrap_or_default()
                            ),
                            vec![],
                        )
                    }
                    None => (
                        None,
                        match mineral {
                            Some(m) => format!("mineral '{m}' is not one planmap knows the cap of"),
                            None => "no mineral given (parameter mineral)".to_string(),
                        },
                        vec![],
                    ),
                },
            };
            Finding {
                rule: rule.id,
                passed,
                detail,
                clause,
                layers: read,
            }
        })
        .collect()
}

fn no_overlap(
    roles: &[&str],
    report: &CheckReport,
    layers: &[Arc<Layer>],
) -> (Option<bool>, String, Vec<String>) {
    let read: Vec<String> = layers
        .iter()
        .filter(|l| l.entry.roles.iter().any(|r| roles.contains(&r.as_str())))
        .map(|l| l.entry.id.clone())
        .collect();
    if read.is_empty() {
        return (
            None,
            format!("no layer checked plays the role {}", roles.join(" or ")),
            read,
        );
    }
    let hits: Vec<String> = report
        .conflicts
        .features
        .iter()
        .filter(|c| read.contains(&c.properties.layer))
        .map(|c| c.properties.described())
        .collect();
    if hits.is_empty() {
        (
            Some(true),
            format!("no overlap with {}", read.join(", ")),
            read,
        )
    } else {
        (Some(false), format!("overlaps {}", hits.join("; ")), read)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kind_reads_in_every_spelling_it_is_parsed_from_and_is_written_by_its_name() {
        use CandidateKind::*;
        for (text, kind) in [
            ("exploration_block", ExplorationBlock),
            ("勘查规划区块", ExplorationBlock),
            ("mining_block", MiningBlock),
            ("开采规划区块", MiningBlock),
            (" mining_right", MiningRight),
            ("采矿权", MiningRight),
        ] {
            let read: CandidateKind = serde_json::from_value(text.into()).unwrap();
            assert_eq!(read, kind, "{text}");
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert!(serde_json::from_value::<CandidateKind>("castle".into()).is_err());
    }
}
