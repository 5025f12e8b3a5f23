"""Every learner-facing sentence, in Traditional Chinese (Taiwan) and English, in one catalog.

``text("wrong_shape", what="feature_map", expected=(3, 3), got=(3, 4))`` gives a :class:`Text` with both
languages filled in. Keys name the situation (or the mistake), never the check that found it.
"""
from __future__ import annotations

import locale
import os

from grader.results import Text

LANGS = ("zh-TW", "en")

CATALOG: dict[str, tuple[str, str]] = {
    # ---- how a learner function behaved when called
    "not_attempted": (
        "`{function}` is not written yet: it still raises NotImplementedError.",
        "`{function}` 還沒有完成：它仍然丟出 NotImplementedError。"),
    "missing_function": (
        "No function named `{function}` exists after your notebook ran. Did you rename it, or did the cell "
        "that defines it fail?",
        "執行完你的 notebook 後找不到名為 `{function}` 的函式。是不是改了名字，或定義它的儲存格出錯了？"),
    "not_callable": (
        "`{function}` should be a function, but in your notebook it is a {got}.",
        "`{function}` 應該是函式，但在你的 notebook 裡它是 {got}。"),
    "learner_raised": (
        "Your `{function}` raised {ename}: {evalue}",
        "你的 `{function}` 丟出了 {ename}：{evalue}"),
    "call_timeout": (
        "Your `{function}` did not finish within {seconds:g} s. Look for a loop that never ends.",
        "你的 `{function}` 在 {seconds:g} 秒內沒有結束。檢查是否有不會停止的迴圈。"),
    "kernel_died": (
        "Your notebook's kernel stopped while running `{function}` (for example `sys.exit`, `os._exit` or a crash).",
        "執行 `{function}` 時你的 notebook 核心（kernel）停止了（例如 `sys.exit`、`os._exit` 或當機）。"),
    "unreadable_value": (
        "`{function}` returned a value the grader cannot read ({reason}). Return NumPy arrays or plain numbers.",
        "`{function}` 回傳的值無法讀取（{reason}）。請回傳 NumPy 陣列或一般數字。"),
    "model_lambda": (
        "The model returned by `{function}` was refused: it contains a Lambda layer, whose Python code the grader "
        "will not run (models are loaded with safe_mode=True). Use Keras's own layers instead.",
        "`{function}` 回傳的模型被拒絕：裡面有 Lambda 層，批改程式不會執行其中的 Python 程式碼"
        "（模型以 safe_mode=True 載入）。請改用 Keras 內建的層。"),
    "model_custom": (
        "The model returned by `{function}` was refused: it uses a custom layer or object the grader does not "
        "know. Build it from Keras's own layers.",
        "`{function}` 回傳的模型被拒絕：它使用了批改程式不認得的自訂層或物件。請用 Keras 內建的層建立模型。"),
    "model_unreadable": (
        "The model returned by `{function}` could not be loaded: {reason}",
        "`{function}` 回傳的模型無法載入：{reason}"),
    # ---- comparing values
    "wrong_type": (
        "`{what}` should be {expected}; yours is {got}.",
        "`{what}` 應該是 {expected}；你的是 {got}。"),
    "wrong_shape": (
        "`{what}` should have shape {expected}; yours has shape {got}.",
        "`{what}` 的形狀應該是 {expected}；你的是 {got}。"),
    "wrong_values": (
        "`{what}` has the right shape {shape} but {count} of {total} values are wrong; for example at index "
        "{index} expected {expected}, got {got}.",
        "`{what}` 的形狀 {shape} 正確，但 {total} 個值中有 {count} 個錯誤；例如索引 {index} 應為 {expected}，"
        "你的是 {got}。"),
    "wrong_value": (
        "`{what}` should be {expected}; yours is {got}.",
        "`{what}` 應該是 {expected}；你的是 {got}。"),
    "not_finite": (
        "`{what}` contains NaN or infinity; expected finite numbers.",
        "`{what}` 含有 NaN 或無限大；應該都是有限的數字。"),
    "input_mutated": (
        "`{function}` changed its argument `{arg}` in place. Leave inputs as they are: build a new array "
        "(or work on a copy).",
        "`{function}` 直接修改了傳入的參數 `{arg}`。不要改動輸入：建立新的陣列（或先複製一份）再計算。"),
    # ---- day93 mistakes, named
    "flipped_kernel": (
        "`{what}` matches a true convolution: your kernel is flipped (as scipy.signal.convolve2d does). "
        "A CNN's convolution layer computes cross-correlation: slide the kernel as it is, without flipping it.",
        "`{what}` 和「真正的」卷積（把卷積核翻轉，如 scipy.signal.convolve2d）相同：你的卷積核被翻轉了。"
        "CNN 卷積層算的是互相關（cross-correlation）：卷積核不翻轉，直接滑動。"),
    "bias_every_product": (
        "`{what}` is off by (f*f*C - 1) x bias: the bias was added to every product instead of once per "
        "window. Sum the products first, then add the bias once.",
        "`{what}` 差了 (f*f*C - 1) x 偏差值：偏差值（bias）被加到每一個乘積上，而不是每個視窗只加一次。"
        "先把乘積加總，再加一次偏差值。"),
    "bias_missing": (
        "`{what}` is off by exactly the bias: the bias was not added. Add it once per window, after the sum.",
        "`{what}` 正好差了偏差值：忘了加偏差值（bias）。每個視窗加總後要加一次。"),
    "hw_swapped": (
        "`{what}` has shape {got} but should be {expected}: height and width are swapped. Rows of the map "
        "come from the image's height (axis 0), columns from its width (axis 1).",
        "`{what}` 的形狀是 {got}，應該是 {expected}：高和寬對調了。特徵圖的列來自影像的高（第 0 軸），"
        "行來自寬（第 1 軸）。"),
    "off_by_one": (
        "`{what}` has shape {got}; a valid convolution with stride 1 gives (H - f + 1, W - f + 1) = {expected}. "
        "Check your loop ranges: `range(H - f + 1)`.",
        "`{what}` 的形狀是 {got}；不填補、步長 1 的卷積輸出是 (H - f + 1, W - f + 1) = {expected}。"
        "檢查迴圈範圍：`range(H - f + 1)`。"),
    "channels_ignored": (
        "`{what}` uses only part of the channels: a kernel covers all C input channels, and the products of "
        "every channel are summed into one value.",
        "`{what}` 只用到部分通道：卷積核涵蓋全部 C 個輸入通道，所有通道的乘積要加總成一個值。"),
    "per_channel_maps": (
        "`{what}` has shape {got}: one map per input channel. One kernel gives ONE map {expected}: sum the "
        "products over the channels too.",
        "`{what}` 的形狀是 {got}：每個輸入通道各一張圖。一個卷積核只產生「一張」特徵圖 {expected}："
        "通道方向也要加總。"),
    "maps_first_axis": (
        "`{what}` has shape {got}: the K maps are stacked on the first axis. Stack them on the last axis, "
        "{expected}, channels-last as Keras's Conv2D does (`np.stack(maps, axis=-1)`).",
        "`{what}` 的形狀是 {got}：K 張特徵圖疊在第一軸。請疊在最後一軸 {expected}，和 Keras Conv2D "
        "一樣是 channels-last（`np.stack(maps, axis=-1)`）。"),
    "relu_abs": (
        "`{what}` turns negative values positive (absolute value). ReLU keeps positive values and sets "
        "negative values to 0: `max(0, x)`.",
        "`{what}` 把負值變成正值（取絕對值）。ReLU 保留正值、把負值設為 0：`max(0, x)`。"),
    "relu_inverted": (
        "`{what}` keeps the negative values and zeroes the positive ones: ReLU is `max(0, x)`, not `min(0, x)`.",
        "`{what}` 保留了負值、把正值歸零：ReLU 是 `max(0, x)`，不是 `min(0, x)`。"),
    # ---- day94 mistakes, named (day94 section: add keys here)
    # ---- day95 mistakes, named (day95 section: add keys here)
    # ---- day96 mistakes, named (day96 section: add keys here)
    # ---- the notebook as a whole
    "notebook_missing": (
        "No notebook found at {path}.",
        "在 {path} 找不到 notebook。"),
    "notebook_unreadable": (
        "Your notebook {path} could not be read: {reason}. Open it in Jupyter, save it again, and resubmit.",
        "無法讀取你的 notebook {path}：{reason}。請在 Jupyter 開啟、重新存檔後再繳交。"),
    "notebook_no_code": (
        "Your notebook {path} has no code cells, so there is nothing to grade.",
        "你的 notebook {path} 沒有程式碼儲存格，沒有東西可以批改。"),
    "notebook_kernel_failed": (
        "The grader could not start a Python kernel for your notebook: {reason}",
        "批改程式無法為你的 notebook 啟動 Python 核心：{reason}"),
    "cell_timeout": (
        "This cell did not finish within {seconds:g} s and was stopped; the cells after it still ran.",
        "這個儲存格在 {seconds:g} 秒內沒有結束，已被停止；後面的儲存格仍會執行。"),
    "cell_killed_kernel": (
        "This cell stopped the kernel ({ename}); the grader restarted it, re-ran the cells before it and "
        "went on with the rest.",
        "這個儲存格讓核心停止了（{ename}）；批改程式重新啟動核心、重跑之前的儲存格，再繼續執行後面的儲存格。"),
    "time_budget_spent": (
        "The notebook's total time limit of {seconds:g} s was reached; {left} cells did not run.",
        "已達 notebook 總時間上限 {seconds:g} 秒；還有 {left} 個儲存格沒有執行。"),
    "kernel_gave_up": (
        "The kernel had to be restarted {restarts} times, so the grader stopped running this notebook; "
        "{left} cells did not run.",
        "核心已重新啟動 {restarts} 次，批改程式停止執行這個 notebook；還有 {left} 個儲存格沒有執行。"),
    # ---- report lines
    "public_summary": (
        "{passed} of {total} public checks passed; {hidden} more checks run when your work is graded.",
        "公開檢查通過 {passed} / {total} 項；正式批改時還會再執行 {hidden} 項檢查。"),
    "graded_summary": (
        "Score {score:g} / {max_score:g} ({passed} of {total} checks passed).",
        "得分 {score:g} / {max_score:g}（{total} 項檢查通過 {passed} 項）。"),
    "cell_failed": (
        "Code cell {number} raised {ename}: {evalue}",
        "第 {number} 個程式碼儲存格丟出 {ename}：{evalue}"),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "passed": ("passed", "通過"),
    "failed": ("incorrect", "不正確"),
    "not_attempted": ("not attempted", "尚未作答"),
    "error": ("your code raised", "程式出錯"),
    "timeout": ("timed out", "逾時"),
    "skipped": ("skipped", "略過"),
}

HEADINGS: dict[str, tuple[str, str]] = {
    "check": ("Check", "檢查項目"),
    "status": ("Status", "結果"),
    "points": ("Points", "分數"),
    "total": ("Total", "總分"),
    "hidden": ("hidden", "隱藏"),
    "public": ("public", "公開"),
    "message": ("Feedback", "回饋"),
    "notebook": ("Notebook", "Notebook"),
    "seed": ("seed", "亂數種子"),
    "failing_cells": ("Cells that failed", "出錯的儲存格"),
}


def text(key: str, **fields) -> Text:
    en, zh = CATALOG[key]
    return Text(en=en.format(**fields), zh_tw=zh.format(**fields))


def label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    en, zh = table[key]
    return zh if lang == "zh-TW" else en


def resolve_lang(lang: str | None = None, *, source: str = "--lang") -> str:
    """The report language: an explicit choice, else GRADER_LANG, else the locale (zh* -> zh-TW), else English."""
    if lang is None:
        env = os.environ.get("GRADER_LANG")
        if env:
            return resolve_lang(env, source="the GRADER_LANG environment variable")
        loc = os.environ.get("LC_ALL") or os.environ.get("LC_MESSAGES") or os.environ.get("LANG") \
            or (locale.getlocale()[0] or "")
        return "zh-TW" if loc.lower().startswith("zh") else "en"
    normal = {"zh-tw": "zh-TW", "zh_tw": "zh-TW", "zh": "zh-TW", "en": "en"}.get(lang.lower())
    if normal is None:
        raise ValueError(f"Invalid language {lang!r} from {source}; choose one of: {', '.join(LANGS)}")
    return normal
