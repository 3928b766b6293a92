"""Plausible synthetic Chinese names. Pure: a random.Random in, a name out."""

from __future__ import annotations

import random

# Common surnames, roughly by frequency (most frequent first).
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"  # noqa: E501
COMPOUND_SURNAMES = ("欧阳", "司马", "诸葛", "上官", "东方", "令狐")
GIVEN_CHARS = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国建华志强志明海燕红梅玉兰"
    "丹鹏辉玲飞斌宇浩凯健俊帆晨阳欣怡子涵梓轩雨泽博文思远佳琪嘉豪天宇雅婷振华德胜永强春生"
    "金凤立新红霞宏伟小龙晓东成林亮宁波峰雪梅晶慧颖婷鑫磊"
)
# Characters outside the Basic Multilingual Plane appear in real names; keep a few.
RARE_CHARS = ("𠮷", "𡒄", "𨚕", "𪨊")
MINORITY_NAMES = (
    "买买提·艾力",
    "阿依古丽·吐尔逊",
    "扎西·多吉",
    "努尔兰·阿不都",
    "古丽米拉·买合木提",
)


def random_name(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.004:
        return rng.choice(MINORITY_NAMES)
    surname = rng.choice(COMPOUND_SURNAMES) if roll < 0.01 else _weighted_surname(rng)
    length = 1 if rng.random() < 0.3 else 2
    given = "".join(rng.choice(GIVEN_CHARS) for _ in range(length))
    if rng.random() < 0.002:
        given = given[:-1] + rng.choice(RARE_CHARS)
    return surname + given


def _weighted_surname(rng: random.Random) -> str:
    # Earlier surnames are more common: a skewed index approximates their frequency.
    index = int(len(SURNAMES) * rng.random() ** 2.2)
    return SURNAMES[index]
