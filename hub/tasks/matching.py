"""Which item of the item list (事项清单) an event is about.

``ItemMatcher(catalog).match(text, category)`` returns an :class:`ItemMatch`: the item code with a
score and the reason, or no code with the reason, for the dispatcher's queue.

1. **Category.** A category naming an item settles it: its code (CG-001), its name (占道经营), or a
   name close to it (rapidfuzz ratio ≥ 90). A category of the list's own (城市管理) narrows the
   items the text is matched against; any other category (a hotline's 市容环境-占道经营) is read as
   more text, at half weight, that supports the text's evidence and never decides alone.
2. **Words.** The text is folded (NFKC, traditional → simplified with OpenCC, lower case, one "，"
   between clauses) and searched for each item's keywords and the words of its name. A word weighs
   more the longer it is and the fewer items share it (噪音 in two items counts half for each); a
   word that says where or who (人行道, 房东) weighs little. A word found through a slip counts
   less: the same pinyin with one character right (燥音 for 噪音, 拉圾 for 垃圾), or, for words of
   four characters or more, one character wrong, missing or extra (rapidfuzz alignment).
3. **Everyday words** (LEXICON, on by default): what residents write for the terms item lists use
   (吵得睡不着 → 噪音, 小贩 → 摆摊, 拖了三个月工资 → 拖欠工资); an expansion counts only where the
   item list has the term it expands to. BLOCKS cover words that mislead (吵架 is no noise).
4. **One stretch, one piece of evidence.** Where findings overlap the longest stands (摆到店外的
   人行道 is 占道经营, not the 人行道 of another item), so a word inside a longer one is not counted
   twice; a term counts at most twice however often it recurs.
5. **Decision.** The best item needs a score of at least ``ACCEPT`` and ``MARGIN`` times the next
   one's; otherwise no item, with the reason (nothing found, weak evidence, or which items tie).

Measured on the generated events and on hand-written complaints: tests/hub/tasks/events/test_matching.py.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import opencc
from rapidfuzz import fuzz

from hub.tasks.catalog import CATEGORIES, Catalog, ItemDef
from resolvers.pinyin import lazy_pinyin

ACCEPT = 0.75  # one word of the list found, exactly or through a homophone, for one item alone
MARGIN = 1.5  # the best item scores this many times the next one, or it is a tie
HOMOPHONE = 0.8  # a word of three or more characters written with the same pinyin
SHORT_HOMOPHONE = 0.6  # a two-character one (主人 sounds like 住人): weak alone
EXPANDED = 0.8  # a term reached through the lexicon
NAME_PART = 0.8  # a word of the item's name (keywords are chosen, names merely describe)
# A word of SLIP_LENGTH or more characters with one character wrong, missing or extra (rapidfuzz):
# support for other evidence, never enough alone (有人摔倒 is one character from 老人摔倒).
ONE_SLIP = 0.4
SLIP_LENGTH = 4
CATEGORY_TEXT = 0.5  # a category that names no item (a hotline's own), read as text
PER_TERM = 2  # a term found at more places than this adds no more
ONE_CHARACTER = 0.5  # a keyword of one character (吵): found exactly only
# Keywords that say where or who rather than what (人行道 is where a stall, a bike or a hole is;
# 房东 lets rooms, crowded or not; flies and rats gather at a bin as in a kitchen): weak evidence for
# any item.
WEAK_WORDS = frozenset(
    {"人行道", "马路", "路口", "路边", "楼道", "小区", "门口", "街道", "道路", "楼下", "房东", "租客", "业主",
     "老人", "小孩", "孩子", "邻居", "物业", "老板", "商户", "居民", "苍蝇", "蚊子", "老鼠", "蟑螂"}
)  # fmt: skip
WEAK = 0.4
# Words item names end in that say what is done, not what it is about: 居住登记核查 → 居住登记.
_GENERIC = re.compile(r"(?:核查|提醒|投诉|申请|咨询|检查|服务|管理|问题|整治|处置|申领|登记核查)$")
_NAME_SPLIT = re.compile(r"[（）()、，,/与和及或]+")
_DROP = re.compile(r"[\s\W_]+", re.UNICODE)
_BREAK = re.compile(r"[\s\W_]+", re.UNICODE)  # in the text: one "，" between clauses
_CODE = re.compile(r"^[A-Z]{2,4}-\d{3}$")

# What residents write → the term an item list uses. Patterns run on the simplified text, clauses
# separated by "，" (W: within one clause); general complaint language, not any one list's
# keywords: an expansion to a term no item of the list has does nothing.
W = "[^，]"
LEXICON: tuple[tuple[str, str], ...] = (
    (
        rf"吵(?!架)|吵闹|噪声|扰民|震天响|震耳|咚咚|嗡嗡|轰隆|声音{W}{{0,2}}大|睡不着|没法休息|没法睡"
        rf"|影响{W}{{0,2}}(?:睡眠|休息|睡觉)|一直叫|叫个不停|整晚|通宵",
        "噪音",
    ),
    (
        rf"(?:工地{W}{{0,4}})?(?:半夜|夜间|晚上|凌晨|深夜|天不亮){W}{{0,10}}"
        rf"(?:施工|打桩|开工|挖掘机|混凝土|搅拌|电焊)",
        "夜间施工",
    ),
    (r"打桩|挖掘机|混凝土|搅拌机|炮机", "施工噪音"),
    (rf"装修{W}{{0,4}}(?:电钻|电锯|冲击钻|声音|噪音)?|敲敲打打", "装修"),
    # A loudspeaker's sound, whatever it plays (大喇叭循环播放促销广告 is noise, not a flyer).
    (rf"(?:大喇叭|喇叭|扩音器|音箱)(?:{W}{{0,12}}(?:广告|促销|叫卖))?|广场舞|音响|ktv|k歌|酒吧|唱歌", "音响"),
    # Neighbours' living noise: what the people upstairs or next door do (not a building site).
    (
        rf"(?:楼上|楼下|隔壁|对门|邻居){W}{{0,10}}(?:拖|跳|蹦|脚步|走路|咚咚|砰砰|敲|弹琴|练琴|麻将|喧哗|大声)",
        "喧哗",
    ),
    (rf"烟熏|排烟|油腻|炒菜{W}{{0,3}}烟|烧烤|大排档|油烟|排气扇", "油烟"),
    (r"脏水|泔水|黑臭|又黑又臭|臭水|污水|排污|化粪|粪水|发臭", "污水"),
    (
        rf"垃圾|乱丢|乱扔|乱倒|废料|废弃物|(?:倒|扔|丢|堆)在{W}{{0,6}}(?:旁边|路边|绿化带|门口|空地|路上)",
        "垃圾",
    ),
    (rf"摊贩|小贩|摆摊|摊档|摊位|摆卖|叫卖|夜市|早餐摊|(?:推车|三轮车|手推车|推着){W}{{0,6}}卖", "摆摊"),
    (
        rf"(?:占用|占了|占满|占据|摆到|摆在|堵住|堆到){W}{{0,8}}(?:人行道|马路|路口|道路|路面|店外|门外)"
        rf"|(?:人行道|马路|路面|道路){W}{{0,3}}(?:全占|被占|占了|占满)",
        "占道经营",
    ),
    (
        rf"贴纸|牛皮癣|小广告|小卡片|传单|乱贴|办假证|(?:开锁|通下水道|疏通|办证|贷款){W}{{0,8}}(?:贴纸|广告|电话|号码)|喷{W}{{0,8}}(?:电话|号码)",
        "小广告",
    ),
    (
        rf"加盖|搭建|扩建|往外扩|盖房子|砌{W}{{0,4}}(?:房|墙)|铁皮房|彩钢瓦|私搭|搭{W}{{0,4}}(?:棚|房)"
        rf"|违章建筑|违建",
        "违建",
    ),
    (r"单车|自行车", "共享单车"),
    (rf"路灯|灯{W}{{0,6}}(?:不亮|坏|闪)|黑乎乎|黑漆漆", "路灯"),
    (rf"井盖|地砖|坑洼|大坑|路面{W}{{0,4}}(?:坏|烂|塌|破)|塌陷", "路面破损"),
    (
        rf"消防通道|消防车道|安全出口|逃生通道|消防楼梯|疏散楼梯|逃生门|楼梯间?{W}{{0,8}}(?:堵|堆|锁)|通道{W}{{0,6}}(?:堵|占|锁)",
        "消防通道",
    ),
    (rf"电瓶车|电单车|电动车|飞线|拉{W}{{0,4}}电线{W}{{0,10}}充电", "电动车"),
    (r"煤气|液化气|气罐|气瓶|燃气|漏气", "燃气"),
    (
        rf"作坊|前店后|(?:档口|铺面|店里|仓库|阁楼|后面){W}{{0,8}}住人|搭{W}{{0,4}}床|灭火器|三小场所",
        "三小场所",
    ),
    (r"脚手架|防护网|围挡|塔吊|工地", "工地"),
    (
        rf"隔断|隔成{W}{{0,8}}(?:单间|房间)|上下铺|床位|住了{W}{{0,4}}(?:十|二十|七八|好多|很多){W}{{0,2}}人"
        rf"|(?:客厅|阳台|厨房|杂物间|储物间){W}{{0,6}}(?:隔|出租|租出去|租给|住人)",
        "群租",
    ),
    # People coming and going all day at a home: many living there (the noise they make is theirs).
    (rf"(?:进进出出|进出的人|人来人往){W}{{0,3}}(?:很?杂|很?多|很?吵|不断)?", "人太多"),
    (rf"租出去|短租|租客|房客|陌生人{W}{{0,6}}进出|经常换人", "出租房"),
    (
        rf"(?:没有|无|没挂|没有挂){W}{{0,3}}(?:营业执照|许可证|证照|执照|牌)|无证|无照|没证|有没有证|黑作坊|黑诊所",
        "无证经营",
    ),
    (r"上吐下泻|拉肚子|腹泻|食物中毒|吃坏", "吃坏肚子"),
    (rf"过了?保质期|过期{W}{{0,2}}(?:食品|面包|牛奶|零食)", "过期食品"),
    (rf"(?:后厨|厨房|餐厅|饭店|店里){W}{{0,8}}(?:脏|老鼠|蟑螂|苍蝇)", "后厨脏"),
    (r"独居|一个人住|孤寡|空巢|没人照顾", "独居老人"),
    (rf"(?:楼上|天花板|卫生间|厕所|墙){W}{{0,6}}(?:漏水|渗水|滴水|发霉)|漏到我家", "渗水"),
    (r"困难|揭不开锅|补助|救助|低保|生活不下去|失业|没有收入", "生活困难"),
    (rf"(?:拖|欠|扣|不发|不给){W}{{0,8}}(?:工资|工钱)|讨薪|欠薪|包工头", "拖欠工资"),
    (rf"往下扔|往楼下扔|扔东西|高空|(?:瓷砖|墙皮|外墙|玻璃){W}{{0,6}}掉", "高空坠物"),
    (r"卖烟|香烟|电子烟|烟草", "卖烟"),
    (rf"水管{W}{{0,4}}(?:爆|破|裂)|爆管|停水|自来水{W}{{0,4}}(?:冒|漏|爆)", "爆管"),
    (rf"(?:读|上)(?:小学|初中|一年级|幼儿园)|学位|入学|积分{W}{{0,4}}(?:上学|入学|怎么算)|转学", "入学"),
    (r"不给退|退不回|退钱|退款|会员卡|预付卡|跑路|假货|翻新|质量问题|商家|电商|网购", "消费纠纷"),
)
# Phrases whose words mislead: 吵架 is a quarrel, not noise. They cover those words and say nothing.
# Children's way to school says who passes by, not a question about school places (小孩上学都要
# 绕着走).
BLOCKS: tuple[str, ...] = (
    r"吵架|吵起来|吵了起来|争吵|吵嘴",
    rf"上学{W}{{0,4}}(?:绕|经过|路过|走过|必经)|上下学|上学路上|放学路上|放学",
    # Motor vehicles parked badly are the traffic police's, not the shared-bike item's 乱停.
    rf"(?:摩托车|私家车|汽车|小车|货车|车辆|面包车){W}{{0,4}}乱停",
)


@dataclass(frozen=True, slots=True)
class ItemMatch:
    """The item an event is about (``code``), or None; ``reason`` says why, in a dispatcher's words."""

    code: str | None
    score: float
    reason: str
    runner_up: str | None = None


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Full-width folded, simplified, lower case, without spaces and punctuation."""
    return _DROP.sub("", _simplified(text).lower())


def _simplified(text: str) -> str:
    return str(_t2s().convert(unicodedata.normalize("NFKC", text)))


def _pinyin(text: str) -> str:
    return "|" + "|".join(lazy_pinyin(text)) + "|" if text else "|"


def _length(text: str) -> float:
    return 1.0 if len(text) <= 2 else 1.25 if len(text) == 3 else 1.5


def name_words(name: str) -> list[str]:
    """The parts of an item's name that say what it is about: 出租屋超员（群租）核查 → 出租屋超员, 群租."""
    words = []
    for part in _NAME_SPLIT.split(_simplified(name)):
        word = _GENERIC.sub("", fold(part))
        if len(word) >= 2:
            words.append(word)
    return words


class ItemMatcher:
    """Matches event texts (and categories) to the items of one item list."""

    def __init__(
        self,
        catalog: Catalog,
        *,
        lexicon: Sequence[tuple[str, str]] = LEXICON,
        blocks: Sequence[str] = BLOCKS,
        accept: float = ACCEPT,
        margin: float = MARGIN,
    ) -> None:
        self.catalog = catalog
        self.accept, self.margin = accept, margin
        self._items: dict[str, ItemDef] = dict(catalog.items)
        self._by_name = {fold(i.name): i.code for i in self._items.values()}
        # Each word of the list → the items that have it, with its weight in each.
        self._holders: dict[str, list[tuple[str, float]]] = defaultdict(list)
        for item in self._items.values():
            terms: dict[str, float] = {}
            for word in name_words(item.name):
                terms[word] = NAME_PART * _length(word)
            for keyword in item.keywords:
                word = fold(keyword)
                if word:
                    weight = _length(word) * (WEAK if word in WEAK_WORDS else 1.0)
                    terms[word] = weight * (ONE_CHARACTER if len(word) == 1 else 1.0)
            for word, weight in terms.items():
                self._holders[word].append((item.code, weight))
        self._sounds = {word: _pinyin(word) for word in self._holders}
        self._lexicon = [
            (re.compile(pattern), fold(term)) for pattern, term in lexicon if fold(term) in self._holders
        ]
        self._blocks = [re.compile(pattern) for pattern in blocks]

    # -- the decision ---------------------------------------------------------------------------

    def match(self, text: str, category: str | None = None) -> ItemMatch:
        """The item of an event, from its category when that names one, else from its words."""
        within: Iterable[str] = self._items
        extra = ""
        if category and category.strip():
            named = self._category_item(category)
            if named is not None:
                return named
            folded = fold(category)
            if folded in CATEGORIES:
                within = [c for c, i in self._items.items() if i.category == folded]
            else:
                extra = category
        return self._by_words(text, extra, list(within))

    def _category_item(self, category: str) -> ItemMatch | None:
        raw = unicodedata.normalize("NFKC", category).strip().upper()
        if _CODE.match(raw):
            if raw in self._items:
                return ItemMatch(raw, 1.0, f"the category is item {raw} ({self._items[raw].name})")
            return None
        folded = fold(category)
        for part in [folded, *(fold(p) for p in re.split(r"[-/>·|]+", category) if p.strip())]:
            code = self._by_name.get(part)
            if code is not None:
                return ItemMatch(code, 1.0, f"the category names item {code} ({self._items[code].name})")
        best, score = None, 0.0
        for name, code in self._by_name.items():
            ratio = fuzz.ratio(folded, name)
            if ratio > score:
                best, score = code, ratio
        if best is not None and score >= 90:
            return ItemMatch(best, 0.9, f"the category is close to item {best} ({self._items[best].name})")
        return None

    def _by_words(self, text: str, extra: str, within: list[str]) -> ItemMatch:
        scores, found = self.scores(text, extra, within)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        if not ranked:
            return ItemMatch(None, 0.0, "no word of the item list in the text")
        (best, score), runner = ranked[0], ranked[1] if len(ranked) > 1 else (None, 0.0)
        words = "、".join(found[best])
        if runner[0] is not None and score < self.margin * runner[1]:
            reason = f"{best} ({words}) and {runner[0]} ({'、'.join(found[runner[0]])}) fit about equally"
            return ItemMatch(None, round(score, 3), reason, runner[0])
        if score < self.accept:
            return ItemMatch(None, round(score, 3), f"only weak evidence: {words} ({best})", best)
        if extra and best not in self.scores(text, "", within)[0]:
            # A channel's own category names a field of work (民政服务-救助管理 is relief for
            # vagrants, not 低保救助): it supports what the text says, and says nothing alone.
            return ItemMatch(None, round(score, 3), f"only the category's words: {words} ({best})", best)
        reason = f"{best} {self._items[best].name}: {words}"
        if runner[0] is not None:
            reason += f"; next {runner[0]} ({runner[1]:.2f})"
        return ItemMatch(best, round(score, 3), reason, runner[0])

    # -- the evidence ---------------------------------------------------------------------------

    def scores(
        self, text: str, extra: str = "", within: Iterable[str] | None = None
    ) -> tuple[dict[str, float], dict[str, list[str]]]:
        """Per item: its score on the text (and a category read as text), and the words found.

        Each stretch of text is one piece of evidence: where pieces overlap, the longest wins
        (摆到店外的人行道 is 占道经营, not the 人行道 of another item), so a word inside a longer
        word or phrase is not counted again.
        """
        allowed = set(within) if within is not None else None
        pieces = _resolve(self._pieces(clauses(text)))
        pieces += [(a, b, t, s * CATEGORY_TEXT) for a, b, t, s in _resolve(self._pieces(clauses(extra)))]
        per_term: dict[str, list[float]] = defaultdict(list)
        for _, _, term, strength in pieces:
            if term:
                per_term[term].append(strength)
        scores: dict[str, float] = defaultdict(float)
        found: dict[str, list[str]] = defaultdict(list)
        for term, strengths in per_term.items():
            best = sorted(strengths, reverse=True)[:PER_TERM]
            for code, weight in self._holders[term]:
                if allowed is None or code in allowed:
                    scores[code] += weight * sum(best) / len(self._holders[term])
                    found[code].append(term if max(best) >= 1 else f"{term}?")
        return dict(scores), dict(found)

    def _pieces(self, text: str) -> list[_Piece]:
        """Every place the text says something of the list: its words, their homophones, and what
        the lexicon reads as one of them."""
        if not text:
            return []
        pieces: list[_Piece] = []
        sound = _Sound(text)
        for term in self._holders:
            start = text.find(term)
            exact = start >= 0
            while start >= 0:
                pieces.append((start, start + len(term), term, 1.0))
                start = text.find(term, start + 1)
            if exact or len(term) < 2:
                continue
            strength = HOMOPHONE if len(term) >= 3 else SHORT_HOMOPHONE
            heard = False
            for a, b in sound.find(self._sounds[term]):
                # A slip changes a character, not a word: 拉圾 is 垃圾, 罗湖 is not 落户.
                if any(x == y for x, y in zip(text[a:b], term, strict=True)):
                    pieces.append((a, b, term, strength))
                    heard = True
            if not heard and len(term) >= SLIP_LENGTH:
                # One character wrong, missing or extra (消房通道, 消防通): the best aligned stretch.
                found = fuzz.partial_ratio_alignment(
                    term, text, score_cutoff=100 * (1 - 1 / len(term)) - 1e-6
                )
                if found is not None:
                    pieces.append((found.dest_start, found.dest_end, term, ONE_SLIP))
        for block in self._blocks:  # evidence for nothing, covering the words inside it
            pieces.extend((m.start(), m.end(), "", 1.0) for m in block.finditer(text) if m.end() > m.start())
        for pattern, term in self._lexicon:
            pieces.extend(
                (m.start(), m.end(), term, EXPANDED) for m in pattern.finditer(text) if m.end() > m.start()
            )
        return pieces


_Piece = tuple[int, int, str, float]  # start, end, term, strength


def _resolve(pieces: list[_Piece]) -> list[_Piece]:
    """The pieces that stand, longest first (then strongest; slips last, as they only align): a
    piece overlapping one taken is dropped, unless it covers exactly the same characters with
    another term (吵 is both the keyword 吵 and the lexicon's 噪音); the same term at the same
    place counts once."""
    taken: list[_Piece] = []
    for piece in sorted(pieces, key=lambda p: (p[3] <= ONE_SLIP, -(p[1] - p[0]), -p[3], p[0], p[2])):
        a, b, term = piece[0], piece[1], piece[2]
        if all(b <= x or a >= y or (a == x and b == y and term != t) for x, y, t, _ in taken):
            taken.append(piece)
    return taken


def clauses(text: str) -> str:
    """Simplified, lower case, full-width folded; each run of spaces and punctuation one "，"."""
    return _BREAK.sub("，", _simplified(text).lower()).strip("，")


class _Sound:
    """The text's pinyin, one syllable a character, for finding words written with homophones."""

    def __init__(self, text: str) -> None:
        syllables: list[str] = []
        at = 0
        for item in lazy_pinyin(text):
            if text.startswith(item, at):  # a run of what has no pinyin (digits, letters, "，")
                syllables.extend("#" * len(item))
                at += len(item)
            else:  # the syllable of one character
                syllables.append(item)
                at += 1
        self.joined = "|" + "|".join(syllables) + "|"
        # Character i starts at offset starts[i] of joined (the "|" before its syllable).
        self.starts: list[int] = []
        offset = 0
        for syllable in syllables:
            self.starts.append(offset)
            offset += len(syllable) + 1

    def find(self, sound: str) -> list[tuple[int, int]]:
        """(start, end) character spans whose pinyin is `sound` ("|la|ji|")."""
        spans = []
        count = sound.count("|") - 1
        at = self.joined.find(sound)
        while at >= 0:
            i = bisect_left(self.starts, at)
            if i < len(self.starts) and self.starts[i] == at:
                spans.append((i, i + count))
            at = self.joined.find(sound, at + 1)
        return spans
