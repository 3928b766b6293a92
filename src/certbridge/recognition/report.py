"""The recognition answers in Chinese words for the command line: a person's answer, the
batch's conclusions and the policy's rules. Codes stay in the JSON (`--json`) for programs.

Lines are left to rich to wrap at the terminal's width; certificate numbers stand apart
(spaces on both sides) so a wrap never splits one.
"""

from __future__ import annotations

import re

from rich.console import Console, Group, RenderableType
from rich.padding import Padding
from rich.text import Text

from certbridge.catalog import load_catalog
from certbridge.recognition.policy import EXEMPTION_LABELS, NATIONAL, Rule
from certbridge.recognition.schemas import CitationView, RecognitionAnswer

RULE_KINDS = {
    "exemption": "免考",
    "deemed_level": "视同等级",
    "eligibility": "申报条件",
    "one_exam": "一试多证",
}
_REQUEST_REF = re.compile(r"certificates\[(\d+)\]")


def jurisdiction_name(code: str) -> str:
    """全国 for national rules, else the province's name."""
    if code == NATIONAL:
        return "全国"
    province = load_catalog().provinces.get(code)
    return province.name_zh if province else code


def level_name(level: int | None) -> str:
    if level is None:
        return "—"
    found = load_catalog().levels.get(level)
    return found.label if found else str(level)


def occupation_name(code: str | None) -> str:
    if code is None:
        return "—"
    found = load_catalog().occupations.get(code)
    return found.name_zh if found else code


def type_name(code: str) -> str:
    found = load_catalog().types.get(code)
    return found.name_zh if found else code


def describe_rule(rule: Rule) -> str:
    """What a rule grants, in words."""
    if rule.kind == "exemption":
        return "、".join(EXEMPTION_LABELS[c] for c in rule.exempt)
    if rule.kind == "deemed_level":
        names = "、".join(type_name(t) for t in rule.holding)
        text = f"持{names}，视同{occupation_name(rule.occupation)}{level_name(rule.level)}"
        if rule.may_apply:
            text += f"，可申报{level_name(rule.may_apply)}"
        return text
    if rule.kind == "one_exam":
        return f"一试多证：同时取得{level_name(rule.awards_level or 5)}职业技能等级证书"
    occupations = "、".join(occupation_name(o) for o in rule.occupations)
    parts = [f"申报{occupations}{level_name(rule.level)}"]
    if rule.after_level:
        parts.append(f"取得{level_name(rule.after_level)}后从业{rule.years_after_level:g}年")
    if rule.years_in_trade:
        parts.append(f"从业{rule.years_in_trade:g}年")
    if rule.education:
        parts.append("学历：" + "、".join(rule.education))
    if rule.apprenticeship:
        parts.append("学徒期满")
    return "；".join(parts)


def conclusion(key: str) -> str:
    """A batch summary key ("deemed 6-18-02-04 4", …) in words."""
    kind, *rest = key.split()
    if kind == "exemption" and len(rest) >= 2:
        label = EXEMPTION_LABELS.get(rest[1], rest[1])
        held = "（已持有）" if rest[2:] == ["held"] else ""
        return f"报考{type_name(rest[0])}：{label}{held}"
    if kind == "deemed" and len(rest) >= 2 and rest[1].isdigit():
        moot = "（已有更高等级）" if rest[2:] == ["superseded"] else ""
        return f"视同{occupation_name(rest[0])}{level_name(int(rest[1]))}{moot}"
    if kind == "eligible" and len(rest) == 3 and rest[1].isdigit():
        met = "符合条件" if rest[2] == "met" else "暂不符合"
        return f"可申报{occupation_name(rest[0])}{level_name(int(rest[1]))}：{met}"
    return key


def _ref(ref: str) -> str:
    """A certificate's reference in words: its number, or its place in a request."""
    found = _REQUEST_REF.fullmatch(ref)
    return f"（第{int(found.group(1)) + 1}张证书）" if found else f" {ref} "


def _basis(rule_ids: list[str], unconfirmed: bool, citations: list[CitationView]) -> Text:
    by_document: dict[str, list[str]] = {}
    for c in citations:
        by_document.setdefault(c.title, []).append(c.clause)
    clauses = "；".join(f"《{title}》{'、'.join(cl)}" for title, cl in by_document.items())
    text = Text(f"依据：{clauses}（规则 {'、'.join(rule_ids)}）", style="dim")
    if unconfirmed:
        text.append("，依据为二手资料，未经官方文本核对", style="yellow")
    return text


def _item(head: str, *details: Text | str, style: str = "") -> RenderableType:
    lines: list[Text | str] = [Text(head, style=style), *details]
    return Padding(Group(*lines), (0, 0, 0, 2), expand=False)


def answer_report(answer: RecognitionAnswer) -> list[RenderableType]:
    """A person's answer, section by section, as a person reads it."""
    out: list[RenderableType] = []
    who = f"{answer.holder.name}（{answer.holder.id_number_masked}），" if answer.holder else ""
    target = f"，报考{answer.target.name}" if answer.target else ""
    out.append(Text(f"{who}截至 {answer.as_of}{target}", style="bold"))
    out.append(Text(f"适用规定：{answer.province_note}"))

    out.append(Text("\n可免项目", style="bold"))
    for e in answer.exemptions:
        via = "、".join(v.name for v in e.via)
        if e.already_held:
            out.append(_item(f"{e.label}：报考{e.target.name}，凭{via}（{e.note}）", style="dim"))
        else:
            basis = _basis(e.rule_ids, e.unconfirmed, e.citations)
            out.append(_item(f"{e.label}：报考{e.target.name}，凭{via}", basis))
    if not answer.exemptions:
        out.append(_item("无"))

    out.append(Text("\n技能等级（每个职业持有或视同的最高等级）", style="bold"))
    for s in answer.standings:
        parts = []
        if s.held:
            parts.append(f"持有本职业证书{''.join(_ref(r) for r in s.held)}")
        if s.deemed_via:
            parts.append(f"凭{'、'.join(v.name for v in s.deemed_via)}视同")
        details = [_basis(s.rule_ids, s.unconfirmed, s.citations)] if s.rule_ids else []
        out.append(_item(f"{s.occupation_name}{s.level_name}：{'；'.join(parts)}", *details))
    for d in answer.deemed_levels:
        if d.superseded_by:
            via = "、".join(v.name for v in d.via)
            out.append(
                _item(f"凭{via}视同{d.occupation_name}{d.level_name}：{d.note}", style="dim")
            )
    if not answer.standings:
        out.append(_item("无"))

    out.append(Text("\n下一步可申报", style="bold"))
    for x in answer.eligible_levels:
        state = "符合申报条件" if x.met else f"暂不符合（{'；'.join(x.missing)}）"
        basis = _basis(x.rule_ids, x.unconfirmed, x.citations)
        out.append(_item(f"{x.occupation_name}{x.level_name}：{state}", basis))
    if not answer.eligible_levels:
        out.append(_item("无"))
    if answer.experience_source == "certificates":
        out.append(_item("从业年限按各职业最早一张证书的发证日期估算", style="dim"))

    if answer.one_exam:
        out.append(Text("\n一试多证", style="bold"))
        for o in answer.one_exam:
            where = "如当地开展一试多证，" if o.local_discretion else ""
            text = (
                f"报考{o.target.name}时，{where}可同时取得{o.occupation_name}"
                f"{o.level_name}职业技能等级证书"
            )
            if o.already_held:
                out.append(_item(f"{text}（{o.note}）", style="dim"))
            else:
                out.append(_item(text, _basis(o.rule_ids, o.unconfirmed, o.citations)))

    out.append(Text("\n证书情况", style="bold"))
    for c in answer.certificates:
        level = level_name(c.level) if c.level else ""
        out.append(
            _item(f"{c.type.name}{level}{_ref(c.ref)}：{c.reason}", style="" if c.counts else "red")
        )
    return out


def print_report(console: Console, answer: RecognitionAnswer) -> None:
    for part in answer_report(answer):
        console.print(part)
