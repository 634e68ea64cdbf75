"""Problem details in the reader's language: titles, request-validation messages, and the
few English-only messages of code that has no Chinese version.

Messages raised as :class:`geo.errors.LocalizedInputError` carry both languages and are used
as they are; this module covers what FastAPI and pydantic say (``Input should be …``), the
HTTP errors of keys, sizes and rates, and a Chinese title before any message left in English.
"""

from __future__ import annotations

import re
from typing import Any

from geo.errors import LocalizedInputError
from geo.names import Lang, parse_amenity_name, parse_kind_name

ZH_TITLES: dict[str, str] = {
    "No street network": "没有街道网络",
    "Invalid station file": "站点文件无效",
    "Target not reachable": "目标无法达到",
    "Invalid input": "输入无效",
    "Invalid request": "请求无效",
    "Point is off the street network": "该点离街道太远",
    "Not found": "未找到",
    "Conflict": "冲突",
    "Solver gave no answer": "求解器未给出结果",
    "Bad request": "请求错误",
    "Unauthorized": "需要 API 密钥",
    "Forbidden": "无权访问",
    "Method not allowed": "不允许的请求方法",
    "Payload too large": "内容过大",
    "Too many requests": "请求过于频繁",
    "Internal error": "服务器内部错误",
    "Error": "错误",
}
"""The Chinese of every problem title the API writes."""

_ZH_DETAILS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), zh)
    for p, zh in [
        (r"^no station with id (.+)$", r"没有编号为 \1 的站点"),
        (r"^no report with id (\d+)$", r"没有编号为 \1 的报告"),
        (r"^no proposal with id (\d+)$", r"没有编号为 \1 的提议"),
        (
            r"^this endpoint needs an API key in the X-API-Key header$",
            "此接口需要 X-API-Key 请求头中的 API 密钥",
        ),
        (r"^the API key is not valid$", "API 密钥无效"),
        (
            r"^this endpoint needs a key with the (\w+) role; key (.+) is a (\w+) key$",
            r"此接口需要 \1 角色的密钥；密钥 \2 的角色是 \3",
        ),
        (r"^the body exceeds (\d+) bytes$", r"请求内容超过 \1 字节"),
        (r"^the file exceeds (\d+) bytes$", r"文件超过 \1 字节"),
        (
            r"^at most (\d+) submissions an hour from one client; try again in (\d+) s$",
            r"每个客户端每小时最多提交 \1 次；请 \2 秒后再试",
        ),
        (r"^Not Found$", "没有这个地址"),
        (r"^Method Not Allowed$", "此地址不接受这种请求方法"),
    ]
]

_ZH_PYDANTIC: dict[str, str] = {
    "missing": "缺少此参数",
    "enum": "应为以下之一：{expected}",
    "literal_error": "应为以下之一：{expected}",
    "greater_than": "应大于 {gt}",
    "greater_than_equal": "应大于或等于 {ge}",
    "less_than": "应小于 {lt}",
    "less_than_equal": "应小于或等于 {le}",
    "float_parsing": "应为数字",
    "float_type": "应为数字",
    "finite_number": "应为有限的数字",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "int_from_float": "应为整数",
    "bool_parsing": "应为 true 或 false",
    "bool_type": "应为 true 或 false",
    "string_type": "应为文本",
    "string_too_short": "至少 {min_length} 个字符",
    "string_too_long": "最多 {max_length} 个字符",
    "string_pattern_mismatch": "格式不符（{pattern}）",
    "too_short": "至少 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "list_type": "应为列表",
    "dict_type": "应为 JSON 对象",
    "model_attributes_type": "应为 JSON 对象",
    "json_invalid": "不是有效的 JSON",
    "extra_forbidden": "不接受此字段",
    "none_required": "应为空",
}
"""pydantic's error types in Chinese (placeholders are the error's context)."""

_NAMED = {"kind": parse_kind_name, "kinds": parse_kind_name, "amenity": parse_amenity_name}
_NAMED["amenities"] = parse_amenity_name


def title(text: str, lang: Lang) -> str:
    """A problem title in ``lang``."""
    return ZH_TITLES.get(text, text) if lang == "zh" else text


def detail(text: str, status_title: str, lang: Lang) -> str:
    """A message with no Chinese version of its own, in ``lang``: translated when it is one
    of the API's fixed messages, else the English after the Chinese title."""
    if lang != "zh":
        return text
    for pattern, zh in _ZH_DETAILS:
        if pattern.fullmatch(text):
            return pattern.sub(zh, text)
    return f"{title(status_title, 'zh')}：{text}"


def _named_message(err: dict[str, Any], lang: Lang) -> str | None:
    """For a kind or amenity name outside the vocabulary, the library's own message (it lists
    the Chinese names as well as the codes, in ``lang``)."""
    loc = [str(x) for x in err.get("loc", ())]
    names = [x for x in loc if not x.isdigit()]
    parse = _NAMED.get(names[-1]) if names else None
    if parse is None or err.get("type") not in ("enum", "literal_error"):
        return None
    expected = str((err.get("ctx") or {}).get("expected", ""))
    if "'worker_station'" not in expected and "'water'" not in expected:
        return None  # another vocabulary under the same name (a report's kind)
    try:
        parse(str(err.get("input", "")), argument=".".join(loc))
    except LocalizedInputError as exc:
        return exc.message(lang)
    return None


def validation_message(err: dict[str, Any], lang: Lang) -> str:
    """One pydantic error as a line naming the parameter, in ``lang``."""
    where = ".".join(str(x) for x in err.get("loc", ()))
    named = _named_message(err, lang)
    if named is not None:  # it names the parameter
        return named if lang == "en" else f"参数 {named}"
    ctx = err.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, LocalizedInputError):
        said = cause.message(lang)
    elif lang == "zh" and err.get("type") in _ZH_PYDANTIC:
        said = _fill(_ZH_PYDANTIC[str(err["type"])], ctx)
    else:
        said = str(err.get("msg", ""))
    return f"{where}: {said}" if lang == "en" else f"参数 {where} 无效：{said}"


def _fill(template: str, ctx: dict[str, Any]) -> str:
    """``template`` with the error's context; a list of choices joined the Chinese way."""
    values = {k: str(v).replace("' or '", "'、'").replace("', '", "'、'") for k, v in ctx.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


def file_problems_zh(path: str, errors: list[dict[str, Any]]) -> str:
    """An invalid file's problems in Chinese: the first five by row and column, and how many."""
    head = "；".join(f"第 {e['row']} 行“{e['column']}”列：{e['reason']}" for e in errors[:5])
    more = f"（另有 {len(errors) - 5} 处）" if len(errors) > 5 else ""
    return f"{path}：{len(errors)} 处问题：{head}{more}"
