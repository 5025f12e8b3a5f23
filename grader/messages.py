"""Every learner-facing sentence, in Traditional Chinese (Taiwan) and English, in one catalog.

``text("wrong_shape", what="feature_map", expected=(3, 3), got=(3, 4))`` gives a :class:`Text` with both
languages filled in. Keys name the situation (or the mistake), never the check that found it.
"""
from __future__ import annotations

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
    "missing_function_cell_failed": (
        "No function named `{function}` exists after your notebook ran, probably because code cell {number}, "
        "which defines it, failed ({cell_ename}: {cell_evalue}). Fix that cell first.",
        "執行完你的 notebook 後找不到名為 `{function}` 的函式，很可能是因為定義它的第 {number} 個程式碼儲存格失敗了"
        "（{cell_ename}：{cell_evalue}）。請先修正那個儲存格。"),
    "raised_cell_failed": (
        "Your `{function}` raised {ename}: {evalue}. This probably fails because code cell {number} failed "
        "({cell_ename}: {cell_evalue}); fix that cell first.",
        "你的 `{function}` 丟出了 {ename}：{evalue}。這很可能是因為第 {number} 個程式碼儲存格失敗了"
        "（{cell_ename}：{cell_evalue}）；請先修正那個儲存格。"),
    "not_callable": (
        "`{function}` should be a function, but in your notebook it is a {got}.",
        "`{function}` 應該是函式，但在你的 notebook 裡它是 {got}。"),
    "learner_raised": (
        "Your `{function}` raised {ename}: {evalue}",
        "你的 `{function}` 丟出了 {ename}：{evalue}"),
    "learner_raised_in_call": (
        "`{what}` raised {ename}: {evalue}",
        "`{what}` 丟出了 {ename}：{evalue}"),
    "call_timeout": (
        "Your `{function}` did not finish within {seconds:g} s. Look for a loop that never ends.",
        "你的 `{function}` 在 {seconds:g} 秒內沒有結束。檢查是否有不會停止的迴圈。"),
    "calls_budget_spent": (
        "`{function}` was not run: the checks' calls of your functions had used up their {seconds:g} s time budget "
        "for this exercise (expected: each call takes about a second). Look for a function that sleeps, waits or "
        "repeats work on every call.",
        "沒有執行 `{function}`：本練習的檢查呼叫你的函式的總時間已用完 {seconds:g} 秒的預算（每次呼叫應該約一秒內完成）。"
        "檢查是否有函式在每次呼叫時等待、休眠或重複做相同的工作。"),
    "kernel_died": (
        "Your notebook's kernel stopped while running `{function}` (for example `exit()`, `os._exit` or a crash).",
        "執行 `{function}` 時你的 notebook 核心（kernel）停止了（例如 `exit()`、`os._exit` 或當機）。"),
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
    "input_not_reported": (
        "After calling `{function}`, the grader could not read back its argument `{arg}`, so it cannot tell "
        "whether `{function}` left it unchanged. Return a plain result and leave the arguments as they are.",
        "呼叫 `{function}` 之後，評分程式讀不回參數 `{arg}`，因此無法確認 `{function}` 沒有改動它。"
        "請回傳一般的結果，不要更動傳入的參數。"),
    "answers_only_the_examples": (
        "`{function}` gives the right answers for the public examples but not for other inputs of the same "
        "shape (for example {what}): it seems to look answers up instead of computing them. Compute the result "
        "from the arguments.",
        "`{function}` 對公開範例的答案正確，但對形狀相同的其他輸入（例如 {what}）就不對：它似乎是查表取答案，"
        "而不是計算出來的。請根據參數計算結果。"),
    # ---- day93 mistakes, named
    "flipped_kernel": (
        "`{what}` matches a true convolution: your kernel is flipped (as scipy.signal.convolve2d does). "
        "A CNN's convolution layer computes cross-correlation: slide the kernel as it is, without flipping it.",
        "`{what}` 和「真正的」卷積（把卷積核翻轉，如 scipy.signal.convolve2d）相同：你的卷積核被翻轉了。"
        "CNN 卷積層算的是互相關（cross-correlation）：卷積核不翻轉，直接滑動。"),
    "bias_every_product": (
        "`{what}` is off by (f*f*C - 1) x bias: the bias was added to every product instead of once per "
        "window. Sum the products first, then add the bias once.",
        "`{what}` 差了 (f*f*C - 1) x 偏差：偏差（bias）被加到每一個乘積上，而不是每個視窗只加一次。"
        "先把乘積加總，再加一次偏差。"),
    "bias_missing": (
        "`{what}` is off by exactly the bias: the bias was not added. Add it once per window, after the sum.",
        "`{what}` 正好差了偏差：忘了加偏差（bias）。每個視窗加總後要加一次。"),
    "hw_swapped": (
        "`{what}` is transposed: height and width are swapped (expected shape {expected}, yours {got}). Rows of "
        "the map come from the image's height (axis 0), columns from its width (axis 1).",
        "`{what}` 被轉置了：高和寬對調了（應該是 {expected}，你的是 {got}）。特徵圖的列來自影像的高（第 0 軸），"
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
    "relu_before_bias": (
        "`{what}`: expected {want_value}, got {got_value} (at {index}). ReLU was applied before the bias was added: "
        "first the sum of the products plus the bias, then ReLU on that result (in day 93 ReLU is its own step, "
        "`relu`, applied to the finished map).",
        "`{what}`：應該是 {want_value}，你的是 {got_value}（位置 {index}）。ReLU 在加偏差之前就套用了："
        "先算乘積的總和再加上偏差，最後才對結果做 ReLU（第 93 天的 ReLU 是獨立的一步 `relu`，用在完成的特徵圖上）。"),
    "relu_applied": (
        "`{what}`: expected {want_value}, got {got_value} (at {index}): the negative values were set to 0. This "
        "function returns the values before the activation; ReLU is applied afterwards, by `relu`.",
        "`{what}`：應該是 {want_value}，你的是 {got_value}（位置 {index}）：負值被設成 0 了。這個函式回傳"
        "激勵函數之前的值；ReLU 之後再由 `relu` 套用。"),
    "result_cast_to_int": (
        "`{what}` gives integers, not floats: expected {want_value}, got {got_value} (at {index}). The results "
        "were cut to whole numbers (13.5 becomes 13) or kept an integer input's dtype, for example by `int(...)`, "
        "`.astype(int)` or an output array created like the integer input (`np.zeros_like(image)`). The docstring "
        "promises floats: compute in floats, `np.zeros((rows, cols))` or `np.asarray(image, dtype=float)`.",
        "`{what}` 回傳的是整數，不是浮點數：應該是 {want_value}，你的是 {got_value}（位置 {index}）。結果被截成"
        "整數了（13.5 變成 13），或沿用了整數輸入的型別，例如用了 `int(...)`、`.astype(int)`，或照整數輸入建立"
        "輸出陣列（`np.zeros_like(image)`）。函式說明保證回傳浮點數：請用浮點數計算，`np.zeros((rows, cols))` 或 "
        "`np.asarray(image, dtype=float)`。"),
    "bias_subtracted": (
        "`{what}`: expected {want_value}, got {got_value} (at {index}): the bias was subtracted. Add it: "
        "sum of the products + bias.",
        "`{what}`：應該是 {want_value}，你的是 {got_value}（位置 {index}）：偏差被減掉了。應該加上偏差："
        "乘積的總和 + 偏差。"),
    "products_missing": (
        "`{what}`: expected {want_value}, got {got_value} (at {index}): the window and the kernel were not "
        "multiplied element by element (added, or summed separately). One step of convolution is "
        "`np.sum(window * kernel) + bias`.",
        "`{what}`：應該是 {want_value}，你的是 {got_value}（位置 {index}）：視窗和卷積核沒有逐元素相乘"
        "（用了加法，或分別加總）。卷積的一步是 `np.sum(window * kernel) + bias`。"),
    "relu_wrong_threshold": (
        "`{what}`: expected {want_value}, got {got_value} (at {index}): the values are clipped at the wrong "
        "level. ReLU keeps positive values and sets everything below 0 to exactly 0: `np.maximum(x, 0)`.",
        "`{what}`：應該是 {want_value}，你的是 {got_value}（位置 {index}）：截斷的門檻錯了。ReLU 保留正值，"
        "小於 0 的值一律設為 0：`np.maximum(x, 0)`。"),
    "word_argument_refused": (
        "`{what}` raised {ename} ({evalue}), while the calls with {param}={accepted!r} worked: the docstring accepts "
        "{param}={refused!r} too. Check every value your code accepts for `{param}` (one of them may have another "
        "name, such as \"mean\" for \"average\").",
        "`{what}` 丟出了 {ename}（{evalue}），但 {param}={accepted!r} 的呼叫都正常：函式說明也接受 "
        "{param}={refused!r}。檢查你的程式接受 `{param}` 的哪些值（有的值有另一個名稱，例如 \"mean\" 就是 "
        "\"average\"）。"),
    "valid_input_refused": (
        "`{what}` raised {ename} ({evalue}) on an input the docstring accepts: a check of the arguments refuses "
        "good input (a condition reversed, or the wrong axis compared). Raise only for the cases the docstring "
        "names.",
        "`{what}` 對函式說明允許的輸入丟出了 {ename}（{evalue}）：檢查參數的條件把正確的輸入也擋掉了（條件寫反，"
        "或比較了錯的軸）。只在函式說明列出的情況才丟出錯誤。"),
    "shape_unpacked_wrong": (
        "`{what}` raised {ename} ({evalue}): the shape was unpacked into the wrong number of names. Take exactly "
        "the axes you name, in the docstring's order: {example}.",
        "`{what}` 丟出了 {ename}（{evalue}）：拆解形狀時名稱的個數不對。只取你要命名的軸，並依照函式說明的順序："
        "{example}。"),
    "window_empty": (
        "`{what}`: some windows were empty ({got_value} at {index}: the max or the mean of nothing). The window "
        "slice is wrong: each window is `A[:, top:top + f, left:left + f, :]`, f rows and f columns starting at "
        "(top, left) = (i * stride, j * stride).",
        "`{what}`：有些視窗是空的（位置 {index} 是 {got_value}：對空集合取最大值或平均值）。視窗切片錯了："
        "每個視窗是 `A[:, top:top + f, left:left + f, :]`，從 (top, left) = (i * stride, j * stride) 開始的 "
        "f 列 f 行。"),
    "window_not_moving": (
        "`{what}`: every output row (or column) is the same (expected {want_value} at {index}, got {got_value}): "
        "the window does not move. Its start must depend on the output position: `top = i * stride`, "
        "`left = j * stride`.",
        "`{what}`：每一列（或每一行）輸出都一樣（位置 {index} 應該是 {want_value}，你的是 {got_value}）："
        "視窗沒有移動。視窗的起點要隨輸出位置改變：`top = i * stride`、`left = j * stride`。"),
    "float_index": (
        "`{what}` raised {ename} ({evalue}): a size or a window start is a float, from `/`. Sizes and indices "
        "must be ints: use `//` (floor division) or `*` (`top = i * stride`).",
        "`{what}` 丟出了 {ename}（{evalue}）：有一個大小或視窗起點是浮點數（用了 `/`）。大小和索引必須是整數："
        "請用 `//`（整數除法）或 `*`（`top = i * stride`）。"),
    "default_argument_broken": (
        "`{what}` crashed when {params} is left at its default ({ename}: {evalue}), while the calls that pass "
        "it work. The docstring promises this default: handle it (for example `if biases is None: ...`).",
        "`{what}` 在 {params} 使用預設值時出錯（{ename}：{evalue}），有傳入這個參數的呼叫則正常。函式說明保證了這個"
        "預設值：請處理它（例如 `if biases is None: ...`）。"),
    "channels_summed_first": (
        "`{what}`: expected {want_value}, got {got_value} (at {index}). The channels were summed before "
        "multiplying (image.sum(axis=-1) times kernel.sum(axis=-1)): multiply each channel of the window by the "
        "same channel of the kernel, then sum everything.",
        "`{what}`：應該是 {want_value}，你的是 {got_value}（位置 {index}）。通道在相乘之前就先加總了"
        "（image.sum(axis=-1) 乘上 kernel.sum(axis=-1)）：應該把視窗的每個通道乘上卷積核的同一個通道，再全部加總。"),
    "output_size_wrong": (
        "`{what}` has shape {got}; expected {expected}. The output size is wrong: count the window positions along "
        "each axis, floor((n + 2 * pad - f) / stride) + 1 (n - f + 1 without padding and stride), and use the same "
        "count for the output array and the loop ranges.",
        "`{what}` 的形狀是 {got}；應該是 {expected}。輸出大小算錯了：沿每個軸數一數視窗的位置個數，"
        "⌊(n + 2 * pad − f) / stride⌋ + 1（不填補、步長 1 時是 n − f + 1），輸出陣列和迴圈範圍都用這個數。"),
    "axes_order": (
        "`{what}` has shape {got}; expected {expected}: the right sizes in the wrong order. Keep the axes in the "
        "order the docstring gives (channels-last: height, width, then channels or maps).",
        "`{what}` 的形狀是 {got}；應該是 {expected}：大小對了，但軸的順序錯了。請依函式說明的順序排列各軸"
        "（channels-last：高、寬，最後才是通道或特徵圖）。"),
    "positions_not_computed": (
        "`{what}`: expected {want_value} at {index}, got {got_value}: some output positions are still 0, never "
        "computed. The loops stop too early (or a window starts at the wrong place): loop over every output "
        "position, `range(n_out)` for each axis.",
        "`{what}`：位置 {index} 應該是 {want_value}，你的是 {got_value}：有些輸出位置仍然是 0，從來沒有計算到。"
        "迴圈太早結束了（或視窗的起點錯了）：每個軸都要走過全部輸出位置，`range(n_out)`。"),
    "window_past_edge": (
        "`{what}` crashed: {error}. A window and the kernel had different shapes: most often a window ran past "
        "the edge of the input because a loop range (or the output size, or the window slice) is too long; or the "
        "padded input has the wrong shape (check `zero_pad`). The last window starts at n - f (with a stride, at "
        "(n_out - 1) * stride), and every window is `[top:top + f, left:left + f]`.",
        "`{what}` 出錯了：{error}。視窗和卷積核的形狀不同：最常見的是迴圈範圍（或輸出大小、視窗切片）太長，"
        "視窗超出了輸入的邊緣；也可能是填補後的輸入形狀錯了（檢查 `zero_pad`）。"
        "最後一個視窗從 n − f 開始（有步長時從 (n_out − 1) * stride 開始），每個視窗都是 "
        "`[top:top + f, left:left + f]`。"),
    "stride_one_axis": (
        "`{what}`: the stride moves the window along one axis only (expected shape {expected}, yours {got}). Use "
        "the stride for both the height and the width: `top = i * stride` AND `left = j * stride`, and the "
        "stride in both output sizes.",
        "`{what}`：步長只用在一個軸上（應該是 {expected}，你的是 {got}）。高和寬都要用步長："
        "`top = i * stride` 且 `left = j * stride`，兩個輸出大小也都要用步長。"),
    "pad_one_side": (
        "`{what}`: the zeros were added on one side only (expected shape {expected}, yours {got}). Zero padding "
        "adds `pad` zeros on EACH side: top and bottom, left and right, "
        "`np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))`.",
        "`{what}`：只在一邊補了零（應該是 {expected}，你的是 {got}）。零填補在「每一邊」都補 `pad` 個 0："
        "上和下、左和右，`np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))`。"),
    "pad_with_ones": (
        "`{what}`: the border is padded with {got_value} (at {index}), not with zeros: padding with ones (or another "
        "number). Zero padding adds zeros: `np.pad` with its default `constant_values=0`, or `np.zeros`, not "
        "`np.ones`.",
        "`{what}`：邊框補的是 {got_value}（位置 {index}），不是 0：補了 1（或其他數字）。"
        "零填補補的是 0：`np.pad` 用預設的 `constant_values=0`，或用 `np.zeros`，不要用 `np.ones`。"),
    "pool_median": (
        "`{what}`: expected {want_value} at {index}, got {got_value}: the average was computed with `np.median`. "
        "Average pooling takes each window's mean: `np.mean(window, axis=(1, 2))`.",
        "`{what}`：位置 {index} 應該是 {want_value}，你的是 {got_value}：平均值是用 `np.median`（中位數）算的。"
        "平均池化取每個視窗的平均值：`np.mean(window, axis=(1, 2))`。"),
    "pool_divided_by_f": (
        "`{what}`: expected {want_value} at {index}, got {got_value}: the window's sum was divided by f instead "
        "of f * f. An f x f window holds f * f values: divide by f * f, or use `np.mean`.",
        "`{what}`：位置 {index} 應該是 {want_value}，你的是 {got_value}：視窗的總和除以 f，而不是 f * f。"
        "f x f 的視窗有 f * f 個值：要除以 f * f，或直接用 `np.mean`。"),
    "pool_sum": (
        "`{what}`: expected {want_value} at {index}, got {got_value}: the window's values were summed, not "
        "averaged. Divide the sum by f * f, or use `np.mean`.",
        "`{what}`：位置 {index} 應該是 {want_value}，你的是 {got_value}：視窗的值只有加總，沒有取平均。"
        "把總和除以 f * f，或直接用 `np.mean`。"),
    # ---- day94 mistakes, named (day94 section: add keys here)
    "conv_size_formula": (
        "`{what}` should be {expected}; yours is {got}. Count the window positions along one axis: the padded axis "
        "has n + 2 * pad cells and the windows start at 0, stride, 2 * stride, ... up to n + 2 * pad - f, so the "
        "size is (n + 2 * pad - f) // stride + 1.",
        "`{what}` 應該是 {expected}；你的是 {got}。沿一個軸數視窗的位置：填補後的軸有 n + 2 * pad 格，視窗從 0、"
        "stride、2 * stride……開始，最多到 n + 2 * pad - f，所以大小是 (n + 2 * pad - f) // stride + 1。"),
    "keras_size_formula": (
        "`{what}` should be {expected}; yours is {got}. Keras's Conv2D gives (n - f) // stride + 1 for "
        "padding=\"valid\" and ceil(n / stride) for padding=\"same\" (the filter size does not matter there).",
        "`{what}` 應該是 {expected}；你的是 {got}。Keras 的 Conv2D 在 padding=\"valid\" 時是 "
        "(n - f) // stride + 1，在 padding=\"same\" 時是 ceil(n / stride)（與濾波器大小無關）。"),
    "float_output_size": (
        "`{what}` should be the whole number {expected}; yours is {got}, a float. An output size counts window "
        "positions, so it is an int: use `//` (floor division) or `math.ceil`, not `/`, `np.floor` or `np.ceil`, "
        "which give floats that `range()` and `np.zeros()` refuse.",
        "`{what}` 應該是整數 {expected}；你的是 {got}，是浮點數（float）。輸出大小是視窗位置的個數，所以是整數："
        "用 `//`（向下取整的整數除法）或 `math.ceil`，不要用 `/`、`np.floor` 或 `np.ceil`，它們會得到 "
        "`range()` 與 `np.zeros()` 不接受的浮點數。"),
    "pad_counted_once": (
        "`{what}`: expected {expected}, got {got}. The padding was counted once (n + pad - f): zero padding adds "
        "`pad` rows on top AND at the bottom, and `pad` columns on the left AND on the right, so the padded size "
        "is n + 2 * pad.",
        "`{what}`：應該是 {expected}，你的是 {got}。填補只算了一次（n + pad - f）：零填補在上方「和」下方各補 "
        "`pad` 列、左邊「和」右邊各補 `pad` 行，填補後的大小是 n + 2 * pad。"),
    "pad_doubled": (
        "`{what}`: expected {expected}, got {got}. The padding was doubled (n + 4 * pad - f, e.g. "
        "`zero_pad(X, 2 * pad)` or `2 * (2 * pad)`): `pad` is already the number of zeros on EACH side, so the "
        "padded size is n + 2 * pad.",
        "`{what}`：應該是 {expected}，你的是 {got}。填補算成了兩倍（n + 4 * pad - f，例如 `zero_pad(X, 2 * pad)` "
        "或 `2 * (2 * pad)`）：`pad` 已經是「每一邊」補零的個數，填補後的大小是 n + 2 * pad。"),
    "size_ceil": (
        "`{what}`: expected {expected}, got {got}. The division was rounded up: a window that would stick out past "
        "the (padded) edge is not computed, so round down, `(n + 2 * pad - f) // stride + 1`. Rounding up, "
        "ceil(n / stride), is Keras's rule for padding=\"same\" only.",
        "`{what}`：應該是 {expected}，你的是 {got}。除法被向上取整了：超出（填補後）邊緣的視窗不會計算，所以要向下取整："
        "`(n + 2 * pad - f) // stride + 1`。向上取整的 ceil(n / stride) 只屬於 Keras 的 padding=\"same\"。"),
    "size_missing_plus_one": (
        "`{what}`: expected {expected}, got {got}. The + 1 is missing: (n + 2 * pad - f) // stride counts the "
        "steps between window positions; add 1 for the first position.",
        "`{what}`：應該是 {expected}，你的是 {got}。少了 + 1：(n + 2 * pad - f) // stride 算的是視窗之間移動的次數，"
        "還要加上第一個位置。"),
    "same_floor": (
        "`{what}`: expected {expected}, got {got}. With padding=\"same\" Keras rounds up: the output size is "
        "ceil(n / stride) (`math.ceil(n / stride)` or `-(-n // stride)`), not n // stride.",
        "`{what}`：應該是 {expected}，你的是 {got}。padding=\"same\" 時 Keras 向上取整：輸出大小是 ceil(n / stride)"
        "（`math.ceil(n / stride)` 或 `-(-n // stride)`），不是 n // stride。"),
    "same_ignores_stride": (
        "`{what}`: expected {expected}, got {got}. padding=\"same\" keeps the input size n only with stride 1; "
        "with a stride the output size is ceil(n / stride).",
        "`{what}`：應該是 {expected}，你的是 {got}。padding=\"same\" 只有在步長為 1 時才維持輸入大小 n；"
        "有步長時輸出大小是 ceil(n / stride)。"),
    "paddings_swapped": (
        "`{what}`: expected {expected}, got {got}, which is the other padding's size: \"valid\" means no padding, "
        "floor((n - f) / stride) + 1; \"same\" gives ceil(n / stride).",
        "`{what}`：應該是 {expected}，你的是 {got}，這是另一種填補方式的大小：\"valid\" 是不填補，"
        "floor((n - f) / stride) + 1；\"same\" 則是 ceil(n / stride)。"),
    "padding_not_checked": (
        "`{what}` should raise ValueError for padding={padding}; yours returned {got}. Keras's Conv2D accepts only "
        "\"valid\" and \"same\": raise ValueError for anything else rather than guess.",
        "`{what}` 遇到 padding={padding} 應該丟出 ValueError；你的回傳了 {got}。Keras 的 Conv2D 只接受 \"valid\" 與 "
        "\"same\"：其他的值要丟出 ValueError，不要自己猜。"),
    "padding_wrong_error": (
        "`{what}` raised {ename} for padding={padding}; it should raise ValueError, the error Keras raises for an "
        "unknown padding (`raise ValueError(...)`).",
        "`{what}` 遇到 padding={padding} 丟出了 {ename}；應該丟出 ValueError，和 Keras 遇到不認得的填補方式時一樣"
        "（`raise ValueError(...)`）。"),
    "pad_wrong_axes": (
        "`{what}` should have shape {expected}; yours has shape {got}. X is a batch (m, H, W, C): pad only the "
        "height (axis 1) and the width (axis 2), never the batch axis 0 or the channel axis 3: "
        "`np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))`. (`np.pad(X, pad)` pads every axis.)",
        "`{what}` 的形狀應該是 {expected}；你的是 {got}。X 是一批影像 (m, H, W, C)：只補高（第 1 軸）與寬（第 2 軸），"
        "不要補批次軸（第 0 軸）或通道軸（第 3 軸）：`np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0)))`。"
        "（`np.pad(X, pad)` 會把每個軸都補上。）"),
    "pad_dtype_changed": (
        "`{what}` has dtype {got}, but X has dtype {expected}: zero padding must keep the dtype. `np.pad` keeps "
        "it; `np.zeros(shape)` makes float64 unless you pass `dtype=X.dtype`.",
        "`{what}` 的資料型別是 {got}，但 X 是 {expected}：補零不能改變資料型別（dtype）。`np.pad` 會保留它；"
        "`np.zeros(shape)` 預設是 float64，除非加上 `dtype=X.dtype`。"),
    "pad_not_zeros": (
        "`{what}` has the right shape {expected}, but its border is not zeros: it repeats the edge pixels. Zero "
        "padding adds zeros: `np.pad` with its default `mode=\"constant\"` (constant_values=0).",
        "`{what}` 的形狀 {expected} 正確，但邊框不是 0：它重複了邊緣的像素。零填補補的是 0："
        "用 `np.pad` 預設的 `mode=\"constant\"`（constant_values=0）。"),
    "stride_ignored": (
        "`{what}` has the right shape {expected}, but its values are the first positions of a stride-1 feature "
        "map: the window start ignores the stride. The window of output position (h, w) starts at row "
        "`h * stride` and column `w * stride` of the padded input.",
        "`{what}` 的形狀 {expected} 正確，但值是步長 1 特徵圖最前面的那些位置：視窗的起點沒有用到步長。"
        "輸出位置 (h, w) 的視窗從填補後輸入的第 `h * stride` 列、第 `w * stride` 行開始。"),
    "stride_hard_coded": (
        "`{what}` should have shape {expected}; yours has shape {got}, the size for a stride of 1: the stride is "
        "fixed at 1 instead of taken from the `stride` argument (use it for the output size and the window start).",
        "`{what}` 的形狀應該是 {expected}；你的是 {got}，這是步長 1 的大小：步長被寫死成 1，沒有使用參數 `stride`"
        "（輸出大小與視窗起點都要用它）。"),
    "pad_hard_coded": (
        "`{what}` should have shape {expected}; yours has shape {got}, the size for a fixed padding (0 or 1) "
        "instead of the `pad` argument: pass `pad` to both `zero_pad` and `conv_output_size`.",
        "`{what}` 的形狀應該是 {expected}；你的是 {got}，這是固定填補（0 或 1）的大小，沒有使用參數 `pad`："
        "`zero_pad` 與 `conv_output_size` 都要傳入 `pad`。"),
    # ---- day95 mistakes, named (day95 section: add keys here)
    "pool_stride_ignored": (
        "`{what}` matches windows that start at (i, j) instead of (i * stride, j * stride): the window did not "
        "move by the stride. The window of output (i, j) is "
        "`A_prev[:, i*stride : i*stride + f, j*stride : j*stride + f, :]`.",
        "`{what}` 和「視窗從 (i, j) 開始」的結果相同，而不是從 (i * stride, j * stride) 開始：視窗沒有依步長 "
        "(stride) 移動。輸出 (i, j) 的視窗是 `A_prev[:, i*stride : i*stride + f, j*stride : j*stride + f, :]`。"),
    "pool_size_without_stride": (
        "`{what}` has shape {got}, the size for stride 1 (H - f + 1). With a stride the output has "
        "floor((H - f) / stride) + 1 rows and floor((W - f) / stride) + 1 columns: {expected}.",
        "`{what}` 的形狀是 {got}，這是步長 1 的大小 (H - f + 1)。有步長時，輸出的列數是 "
        "floor((H - f) / stride) + 1、行數是 floor((W - f) / stride) + 1：{expected}。"),
    "pool_size_rounded_up": (
        "`{what}` has shape {got}: the output size was rounded up. Only windows that fit entirely inside the "
        "input count (padding \"valid\"), so round down: (H - f) // stride + 1, giving {expected}.",
        "`{what}` 的形狀是 {got}：輸出大小被無條件進位了。只有完整落在輸入內的視窗才算（padding \"valid\"），"
        "所以要捨去：(H - f) // stride + 1，應為 {expected}。"),
    "pool_blocks_only": (
        "`{what}` has shape {got}: the input was cut into separate f x f blocks (as a reshape does), which is "
        "right only when stride = f. Windows start every `stride` pixels and may overlap (stride < f); "
        "expected {expected}.",
        "`{what}` 的形狀是 {got}：輸入被切成互不重疊的 f x f 區塊（像 reshape 那樣），這只有在 stride = f 時才對。"
        "視窗每隔 `stride` 格開始一個，可以互相重疊（stride < f）；應為 {expected}。"),
    "pool_across_channels": (
        "`{what}` pools across the channels: one value mixes all C channels. A pooling layer pools each "
        "channel on its own: reduce the (m, f, f, C) window over its height and width only, `axis=(1, 2)`, "
        "so the output keeps its C channels: {expected}.",
        "`{what}` 跨通道做了池化：一個值混合了全部 C 個通道。池化層對每個通道分別池化：(m, f, f, C) 的視窗"
        "只沿高和寬取值，`axis=(1, 2)`，輸出保留 C 個通道：{expected}。"),
    "pool_modes_swapped": (
        "`{what}` matches the other mode: max and average are swapped. mode=\"max\" keeps each window's "
        "largest value (`np.max`); mode=\"average\" (or \"mean\") its mean (`np.mean`).",
        "`{what}` 和另一種模式的結果相同：最大池化與平均池化對調了。mode=\"max\" 取每個視窗的最大值"
        "（`np.max`）；mode=\"average\"（或 \"mean\"）取平均值（`np.mean`）。"),
    "pool_max_below_mean": (
        "With mode=\"max\" your `pool_forward` gives {got} at index {index}, less than mode=\"average\" "
        "({expected}) on the same window. A window's maximum is never below its mean: are the two modes swapped?",
        "mode=\"max\" 時你的 `pool_forward` 在索引 {index} 得到 {got}，比同一個視窗 mode=\"average\" 的結果"
        "（{expected}）還小。視窗的最大值不可能小於平均值：兩種模式是不是對調了？"),
    "pool_not_float": (
        "`{what}` should be an array of floats; yours has dtype {dtype}. Create the output with "
        "`np.zeros((m, H_out, W_out, C))`, which is float, even when the input holds integers.",
        "`{what}` 應該是浮點數陣列；你的 dtype 是 {dtype}。請用 `np.zeros((m, H_out, W_out, C))` 建立輸出："
        "即使輸入是整數，它也是浮點數。"),
    "pool_int_output": (
        "`{what}` has its averages cut to whole numbers: the output array has an integer dtype (for example "
        "`np.zeros_like` of an integer input). Create the output as floats: `np.zeros((m, H_out, W_out, C))`.",
        "`{what}` 的平均值被截成整數：輸出陣列是整數型別（例如對整數輸入用了 `np.zeros_like`）。"
        "請用浮點數建立輸出：`np.zeros((m, H_out, W_out, C))`。"),
    "pool_bad_mode_accepted": (
        "`{what}` returned a result of shape {got} instead of raising ValueError. The only modes are \"max\" and \"average\" "
        "(or its synonym \"mean\"): refuse any other mode with `raise ValueError(...)` rather than quietly "
        "treating it as one of them.",
        "`{what}` 回傳了形狀為 {got} 的結果，而不是丟出 ValueError。模式只有 \"max\" 和 \"average\"（同義詞 \"mean\"）："
        "其他模式要用 `raise ValueError(...)` 拒絕，不要默默當成其中一種來算。"),
    "pool_empty_output": (
        "`{what}` returned a result of shape {got} instead of raising ValueError. The f x f window does not fit in the "
        "H x W input, so floor((H - f) / stride) + 1 is 0 or negative: check the size and "
        "`raise ValueError(...)` with a clear message instead of returning an empty array.",
        "`{what}` 回傳了形狀為 {got} 的結果，而不是丟出 ValueError。f x f 的視窗放不進 H x W 的輸入，"
        "floor((H - f) / stride) + 1 是 0 或負數：請檢查大小並用 `raise ValueError(...)` 說明原因，"
        "不要回傳空陣列。"),
    "pool_bad_size_accepted": (
        "`{what}` returned a result of shape {got} instead of raising ValueError. The window size f and the stride must both "
        "be at least 1: check them first and `raise ValueError(...)`.",
        "`{what}` 回傳了形狀為 {got} 的結果，而不是丟出 ValueError。視窗大小 f 與步長 stride 都必須至少是 1："
        "先檢查它們，不符合就 `raise ValueError(...)`。"),
    "pool_wrong_error": (
        "`{what}` raised {got}, but a bad argument should raise ValueError with a clear message. Check the "
        "arguments at the start of the function and `raise ValueError(...)` yourself.",
        "`{what}` 丟出了 {got}，但不合理的參數應該丟出 ValueError 並說明原因。請在函式開頭檢查參數，"
        "自己 `raise ValueError(...)`。"),
    # ---- day96 mistakes, named (day96 section: add keys here)
    "params_bias_forgotten": (
        "`{what}` should be {expected}; yours is {got}, the count without the biases. Every filter (or unit) "
        "also has one bias: add one per output, e.g. f*f*C_in*filters + filters.",
        "`{what}` 應該是 {expected}；你的是 {got}，少算了偏差（bias）。每個濾波器（或神經元）還有一個偏差："
        "要再加上輸出的個數，例如 f*f*C_in*filters + filters。"),
    "conv_params_formula": (
        "`{what}` should be {expected}; yours is {got}. A Conv2D layer has filters kernels of f x f x c_in weights "
        "and one bias per filter: f * f * c_in * filters + filters.",
        "`{what}` 應該是 {expected}；你的是 {got}。Conv2D 層有 filters 個 f x f x c_in 的卷積核，每個濾波器再加 "
        "1 個偏差：f * f * c_in * filters + filters。"),
    "dense_params_formula": (
        "`{what}` should be {expected}; yours is {got}. A Dense layer connects every input to every unit and has "
        "one bias per unit: n_in * n_out + n_out.",
        "`{what}` 應該是 {expected}；你的是 {got}。Dense 層的每個輸入都連到每個神經元，每個神經元有 1 個偏差："
        "n_in * n_out + n_out。"),
    "separable_params_formula": (
        "`{what}` should be {expected}; yours is {got}. SeparableConv2D = depthwise f * f * c_in (one f x f "
        "filter per input channel) + pointwise c_in * filters (1 x 1) + filters biases.",
        "`{what}` 應該是 {expected}；你的是 {got}。SeparableConv2D = 逐深度 f * f * c_in（每個輸入通道一個 "
        "f x f 濾波器）+ 逐點 c_in * filters（1 x 1）+ filters 個偏差。"),
    "outshape_formula": (
        "`{what}` should be {expected}; yours is {got}. Along the height and the width Keras gives "
        "(n - f) // stride + 1 for padding=\"valid\" and ceil(n / stride) for padding=\"same\"; the depth is "
        "the number of filters.",
        "`{what}` 應該是 {expected}；你的是 {got}。高和寬的大小：padding=\"valid\" 是 (n - f) // stride + 1，"
        "padding=\"same\" 是 ceil(n / stride)；深度是濾波器的個數。"),
    "params_kernel_not_squared": (
        "`{what}` should be {expected}; yours is {got}: the kernel was counted as f weights instead of f x f. Each "
        "filter has f * f * c_in weights and one bias: f * f * c_in * filters + filters.",
        "`{what}` 應該是 {expected}；你的是 {got}：卷積核只算了 f 個權重，而不是 f x f 個。每個濾波器有 "
        "f * f * c_in 個權重和 1 個偏差：f * f * c_in * filters + filters。"),
    "params_bias_per_weight": (
        "`{what}` should be {expected}; yours is {got}: one bias was counted per weight. A layer has one bias per "
        "output (per filter, per unit), not per weight.",
        "`{what}` 應該是 {expected}；你的是 {got}：每個權重都算了一個偏差。每個輸出（每個濾波器、每個神經元）"
        "只有一個偏差，不是每個權重一個。"),
    "params_depthwise_per_filter": (
        "`{what}` should be {expected}; yours is {got}: the depthwise step was counted per output filter "
        "(f * f * filters). The depthwise step has one f x f filter per INPUT channel, f * f * c_in; the "
        "pointwise 1 x 1 step then maps c_in to filters channels: c_in * filters, plus filters biases.",
        "`{what}` 應該是 {expected}；你的是 {got}：逐深度（depthwise）的部分算成了每個輸出濾波器一個"
        "（f * f * filters）。逐深度卷積是每個「輸入」通道一個 f x f 濾波器，f * f * c_in；逐點（pointwise）"
        "1 x 1 卷積再把 c_in 個通道變成 filters 個：c_in * filters，再加 filters 個偏差。"),
    "params_pointwise_not_1x1": (
        "`{what}` should be {expected}; yours is {got}: the pointwise step was counted with f x f kernels. The "
        "pointwise step is a 1 x 1 convolution: c_in * filters weights (and filters biases), no f * f.",
        "`{what}` 應該是 {expected}；你的是 {got}：逐點（pointwise）的部分用了 f x f 的卷積核。逐點卷積是 1 x 1 "
        "卷積：c_in * filters 個權重（加上 filters 個偏差），沒有 f * f。"),
    "params_three_channels": (
        "`{what}` should be {expected}; yours is {got}, as if every input had 3 channels (RGB). Use the c_in you "
        "are given: an MNIST image is grey, 1 channel, so Conv2D(32, 3x3) on 28x28x1 has 3*3*1*32 + 32 = 320 "
        "parameters, not 896.",
        "`{what}` 應該是 {expected}；你的是 {got}，好像輸入一定有 3 個通道（RGB）。請用傳入的 c_in：MNIST "
        "是灰階影像，只有 1 個通道，所以 28x28x1 上的 Conv2D(32, 3x3) 有 3*3*1*32 + 32 = 320 個參數，不是 896。"),
    "params_in_channels_left_out": (
        "`{what}` should be {expected}; yours is {got}: the input channels are left out. Each filter is "
        "f x f x C_in, so a Conv2D has f*f*C_in*filters weights plus one bias per filter.",
        "`{what}` 應該是 {expected}；你的是 {got}：漏掉了輸入通道數。每個濾波器的大小是 f x f x C_in，"
        "所以 Conv2D 有 f*f*C_in*filters 個權重，再加上每個濾波器一個偏差。"),
    "params_dense_bias_per_input": (
        "`{what}` should be {expected}; yours is {got}: one bias per input. A Dense layer has one bias per "
        "output unit: n_in*n_out + n_out.",
        "`{what}` 應該是 {expected}；你的是 {got}：偏差算成每個輸入一個。全連接層（Dense）是每個輸出神經元"
        "一個偏差：n_in*n_out + n_out。"),
    "params_separable_as_conv": (
        "`{what}` should be {expected}; yours is {got}, the count of an ordinary Conv2D. SeparableConv2D works in "
        "two steps: one f x f depthwise filter per input channel (f*f*C_in), then a 1x1 pointwise convolution "
        "(C_in*filters), plus one bias per filter.",
        "`{what}` 應該是 {expected}；你的是 {got}，這是一般 Conv2D 的參數量。深度可分離卷積（SeparableConv2D）"
        "分兩步：每個輸入通道一個 f x f 的逐深度（depthwise）濾波器（f*f*C_in），再做 1x1 的逐點（pointwise）"
        "卷積（C_in*filters），最後每個濾波器一個偏差。"),
    "params_separable_depthwise_bias": (
        "`{what}` should be {expected}; yours is {got}: C_in extra biases for the depthwise step. Keras's "
        "SeparableConv2D has biases only after the pointwise step: f*f*C_in + C_in*filters + filters.",
        "`{what}` 應該是 {expected}；你的是 {got}：多算了逐深度（depthwise）那一步的 C_in 個偏差。Keras 的 "
        "SeparableConv2D 只在逐點（pointwise）卷積之後有偏差：f*f*C_in + C_in*filters + filters。"),
    "outshape_stride_ignored": (
        "`{what}` should be {expected}; yours is {got}, the size for stride 1: the stride is ignored. With stride "
        "s the filter moves s pixels at a time: \"valid\" gives floor((n - f) / s) + 1, \"same\" gives ceil(n / s).",
        "`{what}` 應該是 {expected}；你的是 {got}，這是步長 1 的大小：忽略了步長（stride）。步長為 s 時濾波器"
        "每次移動 s 格：\"valid\" 是 floor((n - f) / s) + 1，\"same\" 是 ceil(n / s)。"),
    "outshape_padding_ignored": (
        "`{what}` should be {expected}; yours is {got}, the size for the other padding. \"valid\" (no padding) "
        "gives floor((n - f) / s) + 1; \"same\" pads with zeros so that the size is ceil(n / s).",
        "`{what}` 應該是 {expected}；你的是 {got}，這是另一種填補（padding）的大小。\"valid\"（不填補）是 "
        "floor((n - f) / s) + 1；\"same\" 會在邊緣補 0，大小是 ceil(n / s)。"),
    "outshape_missing_plus_one": (
        "`{what}` should be {expected}; yours is {got}: one too small. \"valid\" gives floor((n - f) / s) + 1; "
        "the + 1 counts the filter's first position.",
        "`{what}` 應該是 {expected}；你的是 {got}：少了 1。\"valid\" 是 floor((n - f) / s) + 1；"
        "+ 1 算的是濾波器的第一個位置。"),
    "outshape_same_rounded_down": (
        "`{what}` should be {expected}; yours is {got}: \"same\" rounds up. Keras's \"same\" gives ceil(n / s): "
        "a size of 5 with stride 2 gives 3, not 2.",
        "`{what}` 應該是 {expected}；你的是 {got}：\"same\" 要無條件進位。Keras 的 \"same\" 是 ceil(n / s)："
        "大小 5、步長 2 得到 3，不是 2。"),
    "outshape_channels_first": (
        "`{what}` should be {expected}; yours is {got}: the filters come first. Keras is channels-last: "
        "(height, width, filters).",
        "`{what}` 應該是 {expected}；你的是 {got}：濾波器個數放在最前面了。Keras 是 channels-last："
        "（高，寬，濾波器個數）。"),
    "outshape_filters_missing": (
        "`{what}` should be (height, width, filters) = {expected}; yours is {got}. The number of filters is the "
        "depth of the output: each filter makes one feature map.",
        "`{what}` 應該是 （高，寬，濾波器個數） = {expected}；你的是 {got}。濾波器個數就是輸出的深度："
        "每個濾波器產生一張特徵圖。"),
    "outshape_not_int": (
        "`{what}` should be a tuple of 3 Python ints; yours is {got}. Use integer division `//` so that the "
        "sizes are whole numbers.",
        "`{what}` 應該是 3 個 Python int 組成的 tuple；你的是 {got}。請用整數除法 `//`，讓大小是整數。"),
    "outshape_filter_not_fitting": (
        "`{what}` should raise ValueError: with padding=\"valid\" a filter larger than the input does not fit "
        "(the size would be 0 or negative); yours gave {got}. Check the sizes and `raise ValueError(...)`.",
        "`{what}` 應該丟出 ValueError：padding=\"valid\" 時，比輸入還大的濾波器放不進去（大小會是 0 或負數）；"
        "你的結果是 {got}。請檢查大小並 `raise ValueError(...)`。"),
    "outshape_padding_not_rejected": (
        "`{what}` should raise ValueError, because Keras's Conv2D knows only padding=\"valid\" and "
        "padding=\"same\"; yours gave {got}.",
        "`{what}` 應該丟出 ValueError，因為 Keras 的 Conv2D 只認得 padding=\"valid\" 與 padding=\"same\"；"
        "你的結果是 {got}。"),
    "model_channels_first_raised": (
        "`{what}` raised {error}. Keras found no room for the 3x3 filter: the input shape is most likely "
        "channels-first, (1, 28, 28). Keras's layers are channels-last: keras.Input((28, 28, 1)) is (height, "
        "width, channels); (1, 28, 28) reads as a height of 1 with 28 channels (\"Negative dimension size\").",
        "`{what}` 丟出了 {error}。Keras 放不下 3x3 的濾波器：輸入形狀很可能是 channels-first 的 (1, 28, 28)。"
        "Keras 的層是 channels-last：keras.Input((28, 28, 1)) 代表 （高，寬，通道）；(1, 28, 28) 會被當成高 1、"
        "28 個通道（\"Negative dimension size\"）。"),
    "model_channels_first_input": (
        "`{what}` has input shape {got}: channels-first. Keras's layers are channels-last: keras.Input((28, 28, 1)) "
        "is (height, width, channels).",
        "`{what}` 的輸入形狀是 {got}：channels-first。Keras 的層是 channels-last：keras.Input((28, 28, 1)) "
        "代表 （高，寬，通道）。"),
    "model_three_channels_input": (
        "`{what}` has input shape {got}: 3 channels (RGB). MNIST images are grey, 1 channel: "
        "keras.Input((28, 28, 1)). With 3 channels the first Conv2D has 896 parameters instead of 320.",
        "`{what}` 的輸入形狀是 {got}：3 個通道（RGB）。MNIST 是灰階影像，只有 1 個通道："
        "keras.Input((28, 28, 1))。用 3 個通道時第一個 Conv2D 有 896 個參數，而不是 320。"),
    "model_flatten_missing": (
        "`{what}` has no Flatten layer before its Dense layers, so Dense works on the last axis only: Dense(100) "
        "sees the 25 channels instead of all the flattened values (5*5*25 = 625 in the slides' model: 2,600 "
        "parameters instead of 62,600), and the output is not (None, 10). Add layers.Flatten() before the first "
        "Dense layer.",
        "`{what}` 在全連接層（Dense）之前沒有平坦層（Flatten），所以 Dense 只作用在最後一軸：Dense(100) 只看到 "
        "25 個通道，而不是攤平後的全部的值（投影片的模型是 5*5*25 = 625 個：參數 2,600 個而不是 62,600 個），"
        "輸出也不是 (None, 10)。請在第一個 Dense 層之前加上 layers.Flatten()。"),
    "model_pooling_missing": (
        "`{what}` has no MaxPooling2D layers. With pooling=True each Conv2D is followed by MaxPooling2D(2), which "
        "halves the feature maps (26 -> 13, 11 -> 5); without it Dense(100) sees 24*24*25 = 14,400 values and "
        "the model has 1,448,655 parameters instead of 71,155.",
        "`{what}` 沒有 MaxPooling2D 層。pooling=True 時每個 Conv2D 後面要接 MaxPooling2D(2)，把特徵圖縮小一半"
        "（26 -> 13、11 -> 5）；少了池化層，Dense(100) 會看到 24*24*25 = 14,400 個值，模型有 1,448,655 個參數，"
        "而不是 71,155。"),
    "model_average_pooling": (
        "`{what}` uses AveragePooling2D where the slides' model has MaxPooling2D. The parameter count is the same "
        "(71,155: pooling layers have no parameters), but the model computes something else: use "
        "layers.MaxPooling2D(pool_size=(2, 2)).",
        "`{what}` 用了 AveragePooling2D，但投影片的模型用的是 MaxPooling2D。參數個數相同（71,155：池化層沒有參數），"
        "但模型算的東西不同：請用 layers.MaxPooling2D(pool_size=(2, 2))。"),
    "model_pooling_flag_ignored": (
        "`{what}` still has MaxPooling2D layers: with pooling=False leave both pooling layers out "
        "(1,448,655 parameters).",
        "`{what}` 仍然有 MaxPooling2D 層：pooling=False 時兩個池化層都不要加（共 1,448,655 個參數）。"),
    "model_wrong_layers": (
        "`{what}` should have the layers {expected}; yours has {got}.",
        "`{what}` 的層應該是 {expected}；你的是 {got}。"),
    "model_layer_config": (
        "In `{what}`, layer {index} ({layer}) should have {field}={expected}; yours has {field}={got}.",
        "在 `{what}` 中，第 {index} 層（{layer}）的 {field} 應該是 {expected}；你的是 {got}。"),
    "model_layer_shape": (
        "In `{what}`, the output of layer {index} ({layer}) should have shape {expected}; yours has {got}.",
        "在 `{what}` 中，第 {index} 層（{layer}）的輸出形狀應該是 {expected}；你的是 {got}。"),
    "model_layer_params": (
        "In `{what}`, layer {index} ({layer}) should have {expected} parameters; yours has {got}.",
        "在 `{what}` 中，第 {index} 層（{layer}）應該有 {expected} 個參數；你的是 {got}。"),
    "model_last_layer_units": (
        "The last Dense layer should have 10 units (one per class); yours has {got}.",
        "最後一個 Dense 層應該有 10 個神經元（每個類別一個）；你的有 {got} 個。"),
    "model_last_layer_activation": (
        "The last Dense layer should use softmax, so that its 10 outputs are probabilities adding up to 1; "
        "yours uses {got}.",
        "最後一個 Dense 層應該用 softmax，讓 10 個輸出是加總為 1 的機率；你的用的是 {got}。"),
    "model_last_layer_not_dense": (
        "The model should end with Dense(10, activation=\"softmax\"); yours ends with {got}.",
        "模型的最後一層應該是 Dense(10, activation=\"softmax\")；你的最後一層是 {got}。"),
    "grade_unknown_exercise": ("Unknown exercise {unknown} (expected one of {known})",
                               "沒有 {unknown} 這個練習（可選：{known}）"),
    "grade_no_path": ("No such file or folder: {path}", "找不到檔案或資料夾：{path}"),
    "grade_no_notebook": ("{path} holds no notebook of an exercise (expected {known}.ipynb, or folders named after "
                          "an exercise)", "{path} 裡沒有任何練習的 notebook（應為 {known}.ipynb，或以練習命名的資料夾）"),
    "grade_not_an_exercise": ("{name} is not named after an exercise and defines none of its functions (expected a "
                              "name holding one of {known})",
                              "{name} 的檔名不是練習名稱，也沒有定義任何練習的函式（檔名應包含 {known} 之一）"),
    "model_not_one_output": (
        "`{what}` has {inputs} input(s) and {outputs} output(s); the classifier takes one image batch and gives one "
        "output, the 10 class probabilities (an extra output, such as a layer's activations, belongs in a "
        "second model: keras.Model(model.inputs, layer.output)).",
        "`{what}` 有 {inputs} 個輸入、{outputs} 個輸出；分類器只接受一批影像、只輸出一樣東西：10 個類別的機率"
        "（想看某一層的輸出，請另建一個模型：keras.Model(model.inputs, layer.output)）。"),
    "model_not_built": (
        "`{what}` has no input shape yet: start the model with keras.Input((28, 28, 1)) so that Keras builds "
        "every layer and knows its shapes.",
        "`{what}` 還沒有輸入形狀：模型要以 keras.Input((28, 28, 1)) 開頭，Keras 才會建立每一層並知道各層的形狀。"),
    # ---- day97 mistakes, named (day97 section: add keys here)
    "mnist_not_scaled": (
        "`{what}` left the pixels in 0..255 (largest value {largest:g}). Divide by 255 "
        "(`images.astype(\"float32\") / 255`) so they lie in 0..1.",
        "`{what}` 的像素還在 0..255（最大值 {largest:g}）。請除以 255（`images.astype(\"float32\") / 255`），"
        "讓像素落在 0..1。"),
    "mnist_no_channel_axis": (
        "`{what}` returned shape {got}; a Conv2D layer needs a channel axis: expected {expected} (add it with "
        "`[..., np.newaxis]`).",
        "`{what}` 回傳的形狀是 {got}；Conv2D 需要通道軸：應該是 {expected}（用 `[..., np.newaxis]` 加上）。"),
    "mnist_channels_first": (
        "`{what}` returned shape {got}: the channel axis is first. Keras uses channels-last: expected {expected}.",
        "`{what}` 回傳的形狀是 {got}：通道軸放在前面了。Keras 用 channels-last：應該是 {expected}。"),
    "labels_format": (
        "`{what}` should return integer labels of shape {n} or one-hot labels of shape ({n}, 10); yours "
        "returned {got}.",
        "`{what}` 應該回傳形狀 ({n},) 的整數標籤，或形狀 ({n}, 10) 的 one-hot 標籤；你的是 {got}。"),
    "model_not_compiled": (
        "`{what}` returned a model that is not compiled. Call `model.compile(optimizer=..., loss=..., "
        "metrics=[\"accuracy\"])` before returning it.",
        "`{what}` 回傳的模型還沒有編譯。回傳之前先呼叫 `model.compile(optimizer=..., loss=..., "
        "metrics=[\"accuracy\"])`。"),
    "model_input_shape": (
        "The model's input should be {expected} (28 x 28 pixels, 1 channel, channels-last); yours is {got}.",
        "模型的輸入應該是 {expected}（28 x 28 像素、1 個通道、channels-last）；你的是 {got}。"),
    "model_output_units": (
        "The last layer should give 10 values, one per digit; yours gives {got}.",
        "最後一層應該輸出 10 個值，每個數字一個；你的輸出 {got}。"),
    "model_output_activation": (
        "The last layer's activation should be softmax (10 probabilities that add up to 1); yours is {got}.",
        "最後一層的激勵函數應該是 softmax（10 個加起來為 1 的機率）；你的是 {got}。"),
    "loss_onehot_with_integers": (
        "Your labels are integers (shape (n,)) but the loss is categorical_crossentropy, which wants one-hot "
        "labels (n, 10). Use sparse_categorical_crossentropy, or return one-hot labels from format_labels.",
        "你的標籤是整數（形狀 (n,)），損失函數卻是 categorical_crossentropy，它要的是 one-hot 標籤 (n, 10)。"
        "請改用 sparse_categorical_crossentropy，或讓 format_labels 回傳 one-hot 標籤。"),
    "loss_sparse_with_onehot": (
        "Your labels are one-hot (shape (n, 10)) but the loss is sparse_categorical_crossentropy, which wants "
        "integer labels. Use categorical_crossentropy, or keep the labels as integers.",
        "你的標籤是 one-hot（形狀 (n, 10)），損失函數卻是 sparse_categorical_crossentropy，它要的是整數標籤。"
        "請改用 categorical_crossentropy，或維持整數標籤。"),
    "loss_binary": (
        "The loss is {got}, which is for two classes (one sigmoid output). MNIST has 10 classes: use "
        "sparse_categorical_crossentropy (integer labels) or categorical_crossentropy (one-hot).",
        "損失函數是 {got}，它是給兩個類別（一個 sigmoid 輸出）用的。MNIST 有 10 個類別：請用 "
        "sparse_categorical_crossentropy（整數標籤）或 categorical_crossentropy（one-hot）。"),
    "loss_other": (
        "The loss is {got}; for 10 classes with a softmax output use sparse_categorical_crossentropy (integer "
        "labels) or categorical_crossentropy (one-hot labels).",
        "損失函數是 {got}；10 個類別、softmax 輸出時請用 sparse_categorical_crossentropy（整數標籤）或 "
        "categorical_crossentropy（one-hot 標籤）。"),
    "accuracy_below": (
        "Test accuracy {accuracy:.4f} on the 10,000 MNIST test images; this step needs at least {threshold:g}. "
        "Train a little longer (more epochs) or check the scaling and the model.",
        "在 10,000 張 MNIST 測試影像上的準確率是 {accuracy:.4f}；這一級需要至少 {threshold:g}。"
        "多訓練幾個 epoch，或檢查縮放與模型。"),
    "model_not_fitted": (
        "`trained_model()` returns a model that `fit` never trained: its optimizer took 0 steps. So does a model "
        "compiled again after training (`compile` gives it a new optimizer: compile once, before `fit`), one whose "
        "weights were set by hand, or one loaded with `compile=False` and compiled again. The checks of the "
        "training (no test data in `fit`, the learning curve) need the model your training cell fitted: return "
        "that model.",
        "`trained_model()` 回傳的模型從來沒有用 `fit` 訓練過：它的優化器走了 0 步。訓練後又再 `compile` 的模型"
        "（`compile` 會換上新的優化器：請在 `fit` 之前只編譯一次）、手動設定權重的模型，或用 `compile=False` "
        "載入後重新編譯的模型，也是 0 步。檢查訓練過程的項目（`fit` 裡沒有測試資料、學習曲線）"
        "需要你的訓練儲存格訓練出的模型：請回傳那個模型。"),
    "model_not_trained": (
        "`trained_model()` has test accuracy {accuracy:.4f} on the 10,000 MNIST test images (chance is 0.10): it "
        "has not been trained, or hardly. The checks of the training (no test data in `fit`, the learning curve) "
        "earn points only for a model trained on the training data (at least {threshold:g}). Run the training cell "
        "and return the model it trained.",
        "`trained_model()` 在 10,000 張 MNIST 測試影像上的準確率是 {accuracy:.4f}（亂猜是 0.10）："
        "它沒有訓練過，或幾乎沒有。檢查訓練過程的項目（`fit` 裡沒有測試資料、學習曲線）只給用訓練資料訓練過的模型分數"
        "（至少 {threshold:g}）。請執行訓練的儲存格，並回傳它訓練好的模型。"),
    "accuracy_unscaled": (
        "Test accuracy {accuracy:.4f}: your model does much better on pixels 0..255 ({raw:.4f}) than on pixels "
        "scaled to 0..1, so it was trained on unscaled images. Divide by 255 in scale_images and train again.",
        "測試準確率 {accuracy:.4f}：你的模型在 0..255 的像素上（{raw:.4f}）比在縮放到 0..1 的像素上好得多，"
        "表示它是用沒有縮放的影像訓練的。請在 scale_images 裡除以 255，再訓練一次。"),
    "accuracy_memorised": (
        "Test accuracy {clean:.4f} on the 10,000 MNIST test images, but {moved:.4f} on the same digits moved by one "
        "pixel. A convnet that learned digits loses about 0.01 there (translation invariance); a drop this large is "
        "what a model that stores the test images and looks them up does (or a network without the pooling layers "
        "of the course notes' convnet). Points go on min({clean:.4f}, {moved:.4f} + {allowance:g}) = "
        "{credited:.4f}; this step needs at least {threshold:g}. Train the notes' convnet on the training images "
        "only.",
        "在 10,000 張 MNIST 測試影像上的準確率是 {clean:.4f}，同樣的數字平移一個像素後卻只有 {moved:.4f}。"
        "學會辨認數字的卷積網路在這裡只會掉 0.01 左右（平移不變性）；掉這麼多，是把測試影像存起來再查表的模型才會有的現象"
        "（或是少了課程筆記卷積網路裡池化層的網路）。分數依 min({clean:.4f}，{moved:.4f} + {allowance:g}) = "
        "{credited:.4f} 計算；這一級需要至少 {threshold:g}。請用課程筆記的卷積網路，只用訓練影像訓練。"),
    "accuracy_rate_too_high": (
        "Test accuracy {accuracy:.4f}; this step needs at least {threshold:g}. The model was compiled with learning "
        "rate {rate:g}, too high for RMSprop or Adam (0.001 is usual): each step overshoots and training jumps "
        "around instead of settling. Use the default rate, or keras.optimizers.RMSprop(learning_rate=1e-3).",
        "測試準確率是 {accuracy:.4f}；這一級需要至少 {threshold:g}。模型編譯時的學習率是 {rate:g}，"
        "對 RMSprop 或 Adam 來說太大（通常用 0.001）：每一步都跨過頭，訓練來回跳動、無法收斂。"
        "請用預設的學習率，或 keras.optimizers.RMSprop(learning_rate=1e-3)。"),
    "model_input_incompatible": (
        "The grader could not feed 28 x 28 test images to your model: its input shape is {got}.",
        "批改程式無法把 28 x 28 的測試影像送進你的模型：它的輸入形狀是 {got}。"),
    "test_data_in_fit": (
        "Your notebook passes test data to `fit` (code cell {cell}: `{code}`). The test set must stay unseen "
        "until the final evaluation: validate with validation_split or a slice of the training data. (While "
        "graded, your notebook only has a stand-in test split, so this cannot raise your score.)",
        "你的 notebook 把測試資料傳給了 `fit`（第 {cell} 個程式碼儲存格：`{code}`）。測試集要留到最後評估才用："
        "驗證請用 validation_split 或切一部分訓練資料。（批改時 notebook 裡的測試集只是替身，這樣做不會提高分數。）"),
    "history_not_dict": (
        "`{what}` should return history.history, a dict of per-epoch lists such as {{'loss': [...], "
        "'accuracy': [...]}}; yours returned {got}.",
        "`{what}` 應該回傳 history.history，也就是每個 epoch 一個值的 dict，例如 {{'loss': [...], "
        "'accuracy': [...]}}；你的回傳 {got}。"),
    "history_no_accuracy": (
        "The training history has no 'accuracy' (keys: {keys}). Compile with metrics=[\"accuracy\"] so the "
        "learning curve can be drawn.",
        "訓練紀錄裡沒有 'accuracy'（只有：{keys}）。編譯時加上 metrics=[\"accuracy\"]，才畫得出學習曲線。"),
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
    "notebook_too_large": (
        "Your notebook {path} is {mb:g} MB, over the {limit} MB limit, so it was not graded. Saved outputs "
        "(pictures, printed arrays, training logs) are what makes a notebook this large: clear all outputs "
        "(Jupyter: Edit > Clear Outputs of All Cells; Colab: Edit > Clear all outputs), save, and resubmit.",
        "你的 notebook {path} 有 {mb:g} MB，超過 {limit} MB 的上限，因此沒有批改。讓 notebook 變得這麼大的通常是"
        "存下來的輸出（圖片、印出的陣列、訓練紀錄）：請清除所有輸出（Jupyter：Edit > Clear Outputs of All Cells；"
        "Colab：編輯 > 清除所有輸出），存檔後重新繳交。"),
    "notebook_reencoded": (
        "Your notebook {path} was saved as {encoding}, not the UTF-8 Jupyter writes; the grader read it as "
        "{encoding} and graded it as usual (no points lost).",
        "你的 notebook {path} 是以 {encoding} 存檔，而不是 Jupyter 使用的 UTF-8；批改程式已用 {encoding} 讀取並照常"
        "批改（不扣分）。"),
    "notebook_chosen": (
        "Graded {path}; also found and not graded: {others}.",
        "批改的是 {path}；另外找到但未批改：{others}。"),
    "notebook_stub_passed_over": (
        "{path} (an untouched copy of the exercise: none of its functions written)",
        "{path}（未修改的練習原檔：還沒有寫任何函式）"),
    "notebook_kernel_failed": (
        "The grader could not start a Python kernel for your notebook: {reason}",
        "批改程式無法為你的 notebook 啟動 Python 核心：{reason}"),
    "notebook_run_failed": (
        "The grader could not finish running your notebook ({reason}); nothing of it could be graded.",
        "批改程式無法執行完你的 notebook（{reason}），因此無法批改。"),
    "cell_timeout": (
        "This cell did not finish within {seconds:g} s and was stopped; the cells after it still ran.",
        "這個儲存格在 {seconds:g} 秒內沒有結束，已被停止；後面的儲存格仍會執行。"),
    "cell_timeout_forked": (
        "This cell did not finish within {seconds:g} s and was stopped, with the {processes} processes it had "
        "started; the grader restarted the kernel, re-ran the cells before it and went on with the rest.",
        "這個儲存格在 {seconds:g} 秒內沒有結束，已連同它啟動的 {processes} 個行程一起被停止；批改程式重新啟動核心、"
        "重跑之前的儲存格，再繼續執行後面的儲存格。"),
    "cell_killed_kernel": (
        "This cell stopped the kernel ({ename}); the grader restarted it, re-ran the cells before it and "
        "went on with the rest.",
        "這個儲存格讓核心停止了（{ename}）；批改程式重新啟動核心、重跑之前的儲存格，再繼續執行後面的儲存格。"),
    "cell_memory_limit": (
        "This cell used up the kernel's memory limit ({mb} MB), so the kernel was stopped; the grader restarted it, "
        "re-ran the cells before it and went on with the rest. Keep fewer or smaller arrays (`del` the ones you no "
        "longer need).",
        "這個儲存格用完了核心的記憶體上限（{mb} MB），所以核心被停止；批改程式重新啟動核心、重跑之前的儲存格，"
        "再繼續執行後面的儲存格。請少留一些或小一點的陣列（用 `del` 刪掉不再需要的）。"),
    "cell_disk_limit": (
        "While this cell ran, the kernel's folder (the notebook's working copy and HOME) came to hold {reason}, past "
        "its disk limit of {mb} MB, so the kernel was stopped. The files in its folder are kept until grading "
        "ends; as long as they are over the limit, the kernel cannot be started again, and neither the cells "
        "after this one nor the checks that call your functions can run. Write fewer or smaller files, and delete "
        "the ones you no longer need.",
        "這個儲存格執行時，核心的資料夾（notebook 的工作副本與 HOME）存放了{reason}，超過磁碟上限 {mb} MB，"
        "所以核心被停止。資料夾裡的檔案會留到批改結束；只要仍超過上限，核心就無法重新啟動，之後的儲存格與呼叫你的"
        "函式的檢查也都無法執行。請少寫一些或小一點的檔案，並刪掉不再需要的檔案。"),
    "disk_limit_in_call": (
        "While `{function}` ran, the kernel's folder came to hold {reason}, past its disk limit of {mb} MB, so the "
        "kernel was stopped (expected: a function that writes no large files). Write fewer or smaller files.",
        "執行 `{function}` 時，核心的資料夾存放了{reason}，超過磁碟上限 {mb} MB，所以核心被停止"
        "（函式不應寫出大量或很大的檔案）。請少寫一些或小一點的檔案。"),
    "disk_limit_before_call": (
        "`{function}` was not run: the kernel's folder is over its disk limit of {mb} MB (the notebook's cell or "
        "the function that filled it says so), so the kernel cannot be started again.",
        "沒有執行 `{function}`：核心的資料夾超過磁碟上限 {mb} MB（寫滿它的儲存格或函式會說明），所以核心無法重新啟動。"),
    "disk_held_bytes": ("more than {mb} MB of files", "超過 {mb} MB 的檔案"),
    "disk_held_entries": ("more than {n} files and folders", "超過 {n} 個檔案與資料夾"),
    "disk_held_unreadable": ("a folder the grader may not read", "批改程式無法讀取的資料夾"),
    "cell_colab_only": (
        "`google.colab` exists only in Colab, so this cell stopped at that line when graded (there is no Drive to "
        "mount here). Put `drive.mount(...)` in a cell of its own, or inside `try: ... except ImportError: pass`, "
        "so the rest of the cell runs everywhere.",
        "`google.colab` 只存在於 Colab，所以批改時這個儲存格停在那一行（這裡沒有雲端硬碟可掛載）。請把 "
        "`drive.mount(...)` 放在獨立的儲存格，或放進 `try: ... except ImportError: pass`，其餘程式才能在任何地方執行。"),
    "cell_exit": (
        "This cell calls exit() (or quit()), which ends the kernel, so it counts as failed and was not run again; "
        "the grader restarted the kernel, re-ran the cells before it and went on with the rest. Remove the "
        "exit() call.",
        "這個儲存格呼叫了 exit()（或 quit()），會結束核心，因此算作失敗且不再重跑；批改程式重新啟動核心、"
        "重跑之前的儲存格，再繼續執行後面的儲存格。請刪除 exit() 呼叫。"),
    "cell_garbled": (
        "This cell sent the grader messages it could not read ({reason}); its output was not kept and the "
        "grader went on with the rest.",
        "這個儲存格送給批改程式無法讀取的訊息（{reason}）；它的輸出沒有保留，批改程式繼續執行後面的儲存格。"),
    "time_budget_spent": (
        "The notebook's total time limit of {seconds:g} s was reached; {not_run}.",
        "已達 notebook 總時間上限 {seconds:g} 秒；{not_run}。"),
    "replay_time_spent": (
        "After the kernel was restarted, running again the cells that had succeeded took the notebook's total "
        "time limit of {seconds:g} s, so the grader stopped running this notebook; {not_run}.",
        "核心重新啟動後，重新執行先前成功的儲存格已用完 notebook 的總時間上限 {seconds:g} 秒，批改程式停止執行這個 "
        "notebook；{not_run}。"),
    "kernel_over_disk": (
        "The kernel's folder is still over its disk limit, so the kernel cannot be started again; {not_run}.",
        "核心的資料夾仍超過磁碟上限，所以核心無法重新啟動；{not_run}。"),
    "kernel_gave_up": (
        "The kernel had to be restarted {restarts} times, so the grader stopped running this notebook; "
        "{not_run}.",
        "核心已重新啟動 {restarts} 次，批改程式停止執行這個 notebook；{not_run}。"),
    "cells_not_run_none": ("no cell was left to run", "已沒有未執行的儲存格"),
    "cells_not_run_one": ("1 cell did not run", "還有 1 個儲存格沒有執行"),
    "cells_not_run": ("{left} cells did not run", "還有 {left} 個儲存格沒有執行"),
    # ---- report lines
    "public_summary": (
        "{passed} of {total} public checks passed; {hidden} more checks run when your work is graded.",
        "公開檢查通過 {passed} / {total} 項；正式批改時還會再執行 {hidden} 項檢查。"),
    "public_summary_one": (
        "{passed} of {total} public checks passed; 1 more check runs when your work is graded.",
        "公開檢查通過 {passed} / {total} 項；正式批改時還會再執行 1 項檢查。"),
    "graded_summary": (
        "Score {score:g} / {max_score:g} ({passed} of {total} checks passed).",
        "得分 {score:g} / {max_score:g}（{total} 項檢查通過 {passed} 項）。"),
    "cell_failed": (
        "Code cell {number} raised {ename}: {evalue}",
        "第 {number} 個程式碼儲存格丟出 {ename}：{evalue}"),
    "grader_fault": (
        "The grader itself failed while running this check ({ename}). This is not your mistake and says "
        "nothing about your work: your instructor has the details and will regrade it.",
        "批改程式本身在執行這項檢查時出錯（{ename}）。這不是你的錯誤，也與你的作業無關：講師會看到詳細資訊並重新批改。"),
    "grader_fault_file": (
        "The grader could not load the checks in {file} ({ename}). This is not your mistake: your instructor has "
        "the details and will regrade it.",
        "批改程式無法載入 {file} 裡的檢查（{ename}）。這不是你的錯誤：講師會看到詳細資訊並重新批改。"),
    "hidden_not_included": (
        "Not included here: {hidden} hidden checks ({points:g} more points) run only when your work is graded, "
        "so this is not your final score.",
        "這裡沒有包含：{hidden} 項隱藏檢查（另外 {points:g} 分）只在正式批改時執行，所以這還不是你的最後成績。"),
    "hidden_not_included_count": (
        "Not included here: {hidden} hidden checks run only when your work is graded, so this is not your "
        "final score.",
        "這裡沒有包含：{hidden} 項隱藏檢查只在正式批改時執行，所以這還不是你的最後成績。"),
    "text_trimmed": (
        "[{dropped} characters left out here to keep the report small; the full text is in the grader's JSON]",
        "［為了讓報告不會太大，這裡省略了 {dropped} 個字元；完整內容在批改程式的 JSON 裡］"),
    # ---- platforms (GitHub Classroom, Gradescope)
    "platform_timeout": (
        "Grading {exercise} was stopped after {seconds:g} s, before its checks could finish. Look for a cell "
        "that never ends (or training that takes too long), fix it and submit again.",
        "批改 {exercise} 在 {seconds:g} 秒後被停止，檢查來不及完成。請找出不會結束的儲存格（或太久的訓練），"
        "修正後再繳交。"),
    "platform_crash": (
        "The grader could not grade {exercise} ({reason}). This says nothing about your work: tell your "
        "instructor.",
        "批改程式無法批改 {exercise}（{reason}）。這與你的作業無關：請告訴講師。"),
    "platform_public_only": (
        "Hidden checks were NOT run: this repository cannot read the instructor's hidden checks (the secret "
        "{secret} or the variable {variable} is not set), so only the public checks were graded.",
        "沒有執行隱藏檢查：這個儲存庫讀不到講師的隱藏檢查（沒有設定 secret {secret} 或變數 {variable}），"
        "所以只批改了公開檢查。"),
    "platform_hidden_included": (
        "Graded with the public checks and the instructor's hidden checks.",
        "已用公開檢查與講師的隱藏檢查批改。"),
    "platform_pending": (
        "{exercise} is not graded yet: it waits for the days before it (0 points until then).",
        "{exercise} 還沒有批改：它在等前面幾天批改完（在那之前為 0 分）。"),
    "platform_not_reached": (
        "{exercise} was not graded: the grader's time budget of {seconds:g} s ran out before it started.",
        "{exercise} 沒有批改：開始之前，批改程式的時間預算 {seconds:g} 秒已經用完。"),
    "platform_hidden_later": (
        "{count} hidden checks: their results are shown when grades are published.",
        "另有 {count} 項隱藏檢查：成績公布後才會顯示結果。"),
    # ---- batch grading (feedback pages, class summary)
    "batch_feedback_title": ("Feedback for {learner}", "{learner} 的批改回饋"),
    "batch_summary_title": ("Class summary", "全班成績摘要"),
    "batch_total": ("Total score", "總分"),
    "batch_missing_exercises": (
        "Not submitted: {days} (0 of {points:g} points). The total counts every exercise of the class.",
        "未繳交：{days}（{points:g} 分中得 0 分）。總分計入全班的每一個練習。"),
    "batch_class_line": (
        "{learners} learners: {graded} graded, {incomplete} with exercises missing, {failed} not graded. "
        "Mean {mean:g}, median {median:g} of {max_score:g}.",
        "共 {learners} 位學員：{graded} 位已批改、{incomplete} 位有未繳交的練習、{failed} 位未能批改。"
        "平均 {mean:g}、中位數 {median:g}（滿分 {max_score:g}）。"),
    "batch_distribution": ("Score distribution", "分數分布"),
    "batch_gradebook": ("Gradebook", "成績簿"),
    "batch_item_analysis": ("Item analysis", "題目分析"),
    "batch_pass_rates": ("Pass rate of every check", "每項檢查的通過率"),
    "batch_most_failed": ("Checks most learners fail", "最多學員沒通過的檢查"),
    "batch_mistakes": ("Most common diagnosed mistakes", "最常見的錯誤"),
    "batch_not_graded": ("Not graded", "未能批改"),
    "batch_run": ("Run", "執行資訊"),
    "batch_metrics": ("Metrics", "指標"),
    "batch_curves": ("Learning curve", "學習曲線"),
    "batch_epoch": ("epoch", "訓練週期"),
    "batch_exercise": ("Exercise", "練習"),
    "batch_passed": ("Passed", "通過人數"),
    "batch_learners": ("Learners", "學員數"),
    "batch_rate": ("Pass rate", "通過率"),
    "batch_mistake": ("Mistake", "錯誤"),
    "batch_example": ("Example feedback", "回饋範例"),
    "batch_learner": ("Learner", "學員"),
    "batch_status": ("Status", "狀態"),
    "batch_reason": ("Why", "原因"),
    "batch_range": ("Score range", "分數區間"),
    "batch_missing": ("Not submitted: {exercises}", "未繳交：{exercises}"),
    "batch_status_graded": ("graded", "已批改"),
    "batch_status_incomplete": ("incomplete", "未繳齊"),
    "batch_status_not_graded": ("not graded", "未能批改"),
    "batch_none_failed": ("No learner failed a check.", "沒有學員未通過任何檢查。"),
    "batch_none_diagnosed": ("No mistake was diagnosed.", "沒有診斷出任何錯誤。"),
    "batch_cell": ("Code cell {number}", "第 {number} 個程式碼儲存格"),
    # ---- the instructor's term: adjustments, deadline, roster, similarity (grader.batch)
    "batch_adjustments": ("Adjustments by hand", "人工調整"),
    "batch_adjusted": ("{what}: {before:g} -> {after:g} ({reason}; by {by})",
                       "{what}：{before:g} -> {after:g}（{reason}；調整者：{by}）"),
    "batch_original_score": ("Score as graded: {score:g}; after adjustments: {adjusted:g}",
                             "批改所得：{score:g}；調整後：{adjusted:g}"),
    "batch_exercise_adjusted": ("{adjusted:g} / {max_score:g} (as graded: {score:g})",
                                "{adjusted:g} / {max_score:g}（批改所得：{score:g}）"),
    "batch_whole_exercise": ("whole exercise", "整個練習"),
    "batch_late_penalty": ("late penalty", "遲交扣分"),
    "batch_as_of": ("Deadline {due}; graded: commit {commit} of {when}.",
                    "截止時間 {due}；批改的是 {when} 的提交 {commit}。"),
    "batch_late": ("Late: the newest commit is {late} after the deadline; {later} later commits were not graded.",
                   "遲交：最新的提交比截止時間晚 {late}；之後的 {later} 個提交沒有批改。"),
    "batch_late_graded": ("Graded work handed in {late} after the deadline ({policy}).",
                          "批改的作業比截止時間晚 {late} 繳交（{policy}）。"),
    "batch_late_file": ("The files are dated {late} after the deadline {due}.",
                        "檔案時間比截止時間 {due} 晚 {late}。"),
    "batch_day_stats": ("Per exercise", "各練習統計"),
    "batch_mean": ("Mean", "平均"),
    "batch_median": ("Median", "中位數"),
    "batch_max": ("Max", "滿分"),
    "batch_not_attempted": ("Not attempted", "未作答"),
    "batch_wrong": ("Wrong", "答錯"),
    "batch_roster": ("Roster", "名單"),
    "batch_roster_missing": ("On the roster, no submission: {learners}", "名單上但沒有繳交：{learners}"),
    "batch_roster_unknown": ("Submitted, not on the roster: {learners}", "有繳交但不在名單上：{learners}"),
    "batch_roster_ok": ("Every roster learner submitted and every submission is on the roster.",
                        "名單上每位學員都有繳交，每份繳交也都在名單上。"),
    "batch_similarity": ("Similar code (who may have copied)", "相似程式碼（可能抄襲）"),
    "batch_similarity_note": (
        "Flagged for a look only: no score was changed. Code of the stub and of the reference solution is "
        "left out, so learners who wrote the same correct code are not flagged; so is code found in the notebooks "
        "of 4 or more learners (or a fifth of the class), as code handed round, so a group that large sharing "
        "one notebook is not flagged either.",
        "僅供講師查看，不影響分數。已排除題目範本與參考解答的程式碼，所以寫出相同正確程式的學員不會被標記；"
        "出現在 4 位以上（或全班五分之一以上）學員 notebook 中的程式碼也視為流傳的共同程式碼而排除，"
        "所以這麼多人共用同一份 notebook 也不會被標記。"),
    "release_no_package_url": (
        "No --package-url: the notebooks' setup cells stop on Colab (\"Set GRADER_PACKAGE ...\") and their Colab "
        "badges point at OWNER/REPO; give the template repository and a tag, e.g. --package-url "
        "git+https://github.com/ORG/cnn-template@v1.",
        "沒有給 --package-url：notebook 的設定儲存格在 Colab 上會停下（「Set GRADER_PACKAGE ...」），Colab 徽章也會指向 "
        "OWNER/REPO；請給範本儲存庫與標籤，例如 --package-url git+https://github.com/ORG/cnn-template@v1。"),
    "batch_similarity_none": ("No pair of learners wrote code this alike.", "沒有任何兩位學員的程式碼如此相似。"),
    "batch_similarity_pair": ("{exercise}: {first} and {second}, {share:.0%} alike",
                              "{exercise}：{first} 與 {second}，相似度 {share:.0%}"),
    "batch_line_counts": (
        "graded {graded}, skipped {skipped} (already graded), failed {failed}",
        "已批改 {graded} 份，略過 {skipped} 份（先前已批改），失敗 {failed} 份"),
    "batch_line_roster": (
        "roster: {missing} with no submission{missing_names}, {unknown} not on the roster{unknown_names}",
        "名單：{missing} 人沒有繳交{missing_names}，{unknown} 份不在名單上{unknown_names}"),
    "batch_line_similar": (
        "similar code: {pairs}",
        "程式碼相似：{pairs}"),
    "batch_line_end": (
        " in {seconds} s -> {path}",
        "，共 {seconds} 秒 -> {path}"),
    "batch_other_language": ("中文版 (Chinese)", "English（英文版）"),
    # ---- why a learner was not graded (grader.batch, grader.job): stored as both languages in batch.json. The
    # English of each is also recognised in a reason stored as a string (an earlier run; grader.submissions and
    # grader.deadline, which say it in English): see gradebook.reason_text. Fields are plain {name}.
    "batch_reason_not_graded": ("not graded", "未能批改"),
    "batch_reason_unstorable": ("its result could not be stored ({why})", "批改結果無法儲存（{why}）"),
    "batch_reason_undrawable": (
        "graded, but the result could not be drawn ({why}); see learners/{learner}/result.json",
        "已批改，但結果無法呈現（{why}）；請見 learners/{learner}/result.json"),
    "batch_reason_timeout": ("timed out after {seconds} s and was stopped", "超過時間上限 {seconds} 秒，已被停止"),
    "batch_reason_no_start": (
        "the grader did not start within {seconds} s (its own imports) and was stopped; the submission was not run",
        "批改程式在 {seconds} 秒內沒有啟動完成（它自己的匯入），已被停止；這份作業沒有執行"),
    "batch_reason_killed": ("the grader was killed by {signal}", "批改程式被 {signal} 訊號終止"),
    "batch_reason_killed_memory": ("the grader was killed by {signal} (out of memory?)",
                                   "批改程式被 {signal} 訊號終止（可能是記憶體不足）"),
    "batch_reason_out_of_memory": ("ran out of memory (limit {mb} MB per process): {last}",
                                   "記憶體不足（每個行程上限 {mb} MB）：{last}"),
    "batch_reason_exit_silent": ("the grader exited with status {status}: exit status {status}",
                                 "批改程式以狀態 {status} 結束，沒有留下任何訊息"),
    "batch_reason_exit": ("the grader exited with status {status}: {last}", "批改程式以狀態 {status} 結束：{last}"),
    "batch_reason_lost": ("the Dask worker grading it died ({times} times); not retried",
                          "批改它的 Dask 工作程序當掉了（{times} 次）；不再重試"),
    "batch_reason_repository": ("cannot read the repository: {why}", "無法讀取 git 儲存庫：{why}"),
    "batch_reason_no_day": ("no notebook of {days} in {source}", "{source} 裡沒有 {days} 的 notebook"),
    "batch_reason_no_notebook": ("no notebook in {source}", "{source} 裡沒有任何 notebook"),
    "batch_reason_no_known_notebook": ("no notebook of a known exercise in {source}",
                                       "{source} 裡沒有任何已知練習的 notebook"),
    "batch_reason_which_exercise": ("cannot tell which exercise {source} is", "無法判斷 {source} 是哪一個練習"),
    "batch_reason_zip_entries": (
        "the zip holds {entries} entries, more than the {limit} a submission may have; refused without unpacking it",
        "這個 zip 有 {entries} 個項目，超過一份作業最多的 {limit} 個；未解壓縮就拒收"),
    "batch_reason_zip_size": ("the zip would unpack to more than {size} GB; refused without unpacking it",
                              "這個 zip 解壓縮後會超過 {size} GB；未解壓縮就拒收"),
    "batch_reason_zip_bomb": (
        "{name} inside the zip is compressed more than {ratio} times (a zip bomb?); refused without unpacking it",
        "zip 裡的 {name} 壓縮比超過 {ratio} 倍（壓縮炸彈？）；未解壓縮就拒收"),
    "batch_reason_zip_refused": ("cannot open the zip: {why}; refused without unpacking it",
                                 "無法開啟這個 zip：{why}；未解壓縮就拒收"),
    "batch_reason_zip_unreadable": ("cannot open the zip: {why}", "無法開啟這個 zip：{why}"),
    "batch_reason_no_commit": ("no commit in the repository", "git 儲存庫裡沒有任何提交"),
    "batch_reason_no_commit_before": ("no commit before the deadline (the first is {late} late)",
                                      "截止時間之前沒有任何提交（最早的一個晚了 {late}）"),
    # ---- a learner's page or summary row that needed mending (batch.json page_error, for the instructor)
    "batch_page_mended": ("text the page cannot show was replaced by U+FFFD", "頁面無法顯示的文字已換成 U+FFFD"),
    "batch_summary_mended": ("text the summaries cannot show was replaced by U+FFFD",
                             "摘要無法顯示的文字已換成 U+FFFD"),
    "batch_page_failed": ("the feedback page could not be drawn ({why})", "無法產生回饋頁面（{why}）"),
    # ---- the gradebook's note, the late penalty, durations, the run's values
    "batch_note_missing": ("missing {days}", "缺交 {days}"),
    "batch_note_problem": ("{exercise}: {problem}", "{exercise} 的問題：{problem}"),
    "batch_late_by": ("late by {late} ({policy})", "遲交 {late}（{policy}）"),
    "batch_by_late_policy": ("late policy", "遲交規則"),
    "batch_duration_days": ("{count} d", "{count} 天"),
    "batch_duration_hours": ("{count} h", "{count} 小時"),
    "batch_duration_minutes": ("{count} min", "{count} 分鐘"),
    "batch_yes": ("yes", "是"),
    "batch_no": ("no", "否"),
    "batch_default": ("the default", "預設值"),
    "batch_device_auto": ("auto", "自動"),
    "batch_scheduler_local": ("local", "本機"),
    "batch_scheduler_none": ("none needed (every learner up to date)", "不需要（每位學員都已是最新）"),
    # ---- `grader batch`'s progress bar (on stderr) and the errors that stop a batch before it runs
    "batch_progress_task": ("grading", "批改中"),
    "batch_progress_failed": ("failed {failed}", "失敗 {failed}"),
    "batch_progress_eta": ("ETA", "預計剩餘"),
    "batch_error_exercises": ("--exercises: unknown {unknown} (one of {known})",
                              "--exercises：沒有 {unknown} 這個練習（可選：{known}）"),
    "batch_error_policy_needs_due": ("--late-policy needs --due (the deadline it counts from)",
                                     "--late-policy 需要 --due（遲交從這個截止時間算起）"),
    "batch_error_no_folder": ("No such folder: {folder}", "找不到資料夾：{folder}"),
    "batch_error_class_zip": ("{path} is a zip file: grader batch grades a folder. Unzip the class download into a "
                              "folder first (one zip per learner inside a folder is fine).",
                              "{path} 是 zip 檔：grader batch 批改的是資料夾。請先把全班的下載檔解壓到一個資料夾"
                              "（資料夾裡每位學員一個 zip 則沒問題）。"),
    "batch_error_empty": ("{folder} holds no submission (learner folders, zips or notebooks)",
                          "{folder} 裡沒有任何作業（學員資料夾、zip 或 notebook）"),
    "batch_error_learners": ("--learners: {unknown} not among the submissions in {folder}",
                             "--learners：{folder} 的作業中沒有 {unknown}"),
    "batch_error_learners_file": ("--learners: cannot read {path}: {why}", "--learners：無法讀取 {path}：{why}"),
    "batch_error_locked": ("Another grader batch is writing to {out}; wait for it or choose another --out",
                           "另一個 grader batch 正在寫入 {out}；請等它結束，或換一個 --out"),
    "batch_error_device": ("Invalid device {device}; choose auto, cpu or gpu",
                           "無效的裝置 {device}；請選 auto、cpu 或 gpu"),
    "batch_error_memory": (
        "Memory limit {mb} MB is too low for the grader itself (TensorFlow alone reserves about 4 GB of address "
        "space); give at least {least}, or 0 for no limit",
        "記憶體上限 {mb} MB 對批改程式本身來說太低（光是 TensorFlow 就會保留約 4 GB 的位址空間）；"
        "請至少給 {least}，或給 0 表示不設上限"),
    "batch_interrupted": (
        "interrupted; every file written is complete. Run the same command again to grade the rest.",
        "已中斷；已寫出的檔案都是完整的。再執行同一個指令即可批改其餘的作業。"),
    # ---- `grader batch`'s options read by grader.deadline, grader.roster, grader.adjustments, grader.engine
    # (their errors carry a Text; grader.batch shows it in the batch's language)
    "deadline_invalid_due": ("Invalid --due {text}; write it as 2026-12-01T23:59+08:00",
                             "無效的 --due {text}；請寫成 2026-12-01T23:59+08:00 這樣的格式"),
    "deadline_no_zone": ("--due {text} has no time zone; add one, e.g. {example}",
                         "--due {text} 沒有時區；請加上時區，例如 {example}"),
    "deadline_invalid_policy": ("Invalid --late-policy {text}; write e.g. 10%/day,max=3d or 2%/hour,max=48h",
                                "無效的 --late-policy {text}；請寫成例如 10%/day,max=3d 或 2%/hour,max=48h"),
    "deadline_git_failed": ("git {command} failed in {repo}: {why}", "git {command} 在 {repo} 執行失敗：{why}"),
    "roster_missing": ("Cannot read the roster {path}: no such file", "無法讀取名單 {path}：檔案不存在"),
    "roster_not_utf8": ("Cannot read the roster {path}: it is not UTF-8 text ({why})",
                        "無法讀取名單 {path}：它不是 UTF-8 文字檔（{why}）"),
    "roster_unreadable": ("Cannot read the roster {path}: {why}", "無法讀取名單 {path}：{why}"),
    "roster_not_classroom": (
        "{path} is not a GitHub Classroom roster: it needs the columns {columns} (found {found})",
        "{path} 不是 GitHub Classroom 的名單：需要 {columns} 這些欄位（找到的是：{found}）"),
    "roster_no_columns": ("none", "沒有任何欄位"),
    "adjust_where": ("{source}, line {line}", "{source} 第 {line} 行"),
    "adjust_missing": ("Cannot read the adjustments file {path}: no such file", "無法讀取調整檔 {path}：檔案不存在"),
    "adjust_not_utf8": ("Cannot read the adjustments file {path}: it is not UTF-8 text ({why})",
                        "無法讀取調整檔 {path}：它不是 UTF-8 文字檔（{why}）"),
    "adjust_unreadable": ("Cannot read the adjustments file {path}: {why}", "無法讀取調整檔 {path}：{why}"),
    "adjust_columns": ("{where}: the columns must be {columns} (found {found})",
                       "{where}：欄位必須是 {columns}（找到的是：{found}）"),
    "adjust_not_yaml": ("{where}: not valid YAML: {why}", "{where}：不是有效的 YAML：{why}"),
    "adjust_not_list": ("{where}: expected a list of mappings (learner, exercise, check, ...)",
                        "{where}：應該是由對應表（learner、exercise、check 等欄位）組成的清單"),
    "adjust_not_number": ("{where}: {column} {value} is not a number", "{where}：{column} 的值 {value} 不是數字"),
    "adjust_score_and_points": ("{where}: give either a score (the new score) or points (added), not both",
                                "{where}：score（新的分數）與 points（加減的分數）只能給一個，不能兩個都給"),
    "adjust_score_or_points": ("{where}: give either a score (the new score) or points (added), not neither",
                               "{where}：請給 score（新的分數）或 points（加減的分數）其中一個"),
    "adjust_learner_exercise": ("{where}: learner and exercise are required", "{where}：learner 與 exercise 欄位必填"),
    "adjust_reason": ("{where}: a reason is required (it is shown to the learner)",
                      "{where}：reason 欄位必填（會顯示給學員看）"),
    "adjust_unknown_learner": ("{where}: unknown learner {learner} (not among the submissions or the roster)",
                               "{where}：沒有 {learner} 這位學員（不在作業中，也不在名單上）"),
    "adjust_unknown_exercise": ("{where}: unknown exercise {exercise} (one of {known})",
                                "{where}：沒有 {exercise} 這個練習（可選：{known}）"),
    "adjust_unknown_check": ("{where}: unknown check {check} of {exercise} (one of {known}, or * for the whole "
                             "exercise)", "{where}：{exercise} 沒有 {check} 這項檢查（可選：{known}；或用 * 表示整個練習）"),
    "adjust_above_max": ("{where}: {column} {value:g} is beyond the {most:g} points {what} is worth (a typo?)",
                         "{where}：{column} {value:g} 超過 {what} 的滿分 {most:g} 分（打錯了嗎？）"),
    "engine_per_gpu": ("Invalid --per-gpu {count}; give 1 or more", "無效的 --per-gpu {count}；請給 1 或更大的數"),
    "engine_workers": ("Invalid number of workers {count}; give 1 or more",
                       "無效的工作程序數 {count}；請給 1 或更大的數"),
    "engine_no_gpu": ("--device gpu was asked for, but no GPU is visible (nvidia-smi, CUDA_VISIBLE_DEVICES)",
                      "指定了 --device gpu，卻看不到任何 GPU（請檢查 nvidia-smi 與 CUDA_VISIBLE_DEVICES）"),
    "engine_unreachable": ("Cannot reach the Dask scheduler at {address}: {why}",
                           "無法連上位於 {address} 的 Dask 排程器：{why}"),
    # ---- sandbox
    "notebook_symlink": (
        "Your notebook {path} is a symbolic link (or sits in a linked folder); submit the notebook file itself.",
        "你的 notebook {path} 是符號連結（或位於被連結的資料夾中）；請繳交 notebook 檔案本身。"),
    "output_dropped": (
        "This cell printed more than the {kept} KB of output the grader keeps; the rest ({dropped} characters) "
        "was dropped. Print less, e.g. shapes instead of whole arrays.",
        "這個儲存格的輸出超過批改程式保留的 {kept} KB；其餘 {dropped} 個字元已被捨棄。請少印一些，例如只印形狀而不是整個陣列。"),
    "output_refused": (
        "This cell sent more than {mib} MiB of output at once; the grader refused it and kept none of it. "
        "Print less, e.g. shapes instead of whole arrays.",
        "這個儲存格一次送出超過 {mib} MiB 的輸出；批改程式拒收，這些輸出一概沒有保留。請少印一些，例如只印形狀而不是整個陣列。"),
    # ---- day98 (VGG16 transfer learning), named mistakes
    "transfer_one_channel": (
        "`{what}` has shape {got}, one grey channel; VGG16 needs 3 channels: repeat the grey image into R, G and B, "
        "shape {expected}.",
        "`{what}` 的形狀是 {got}，只有一個灰階通道；VGG16 要 3 個通道：把灰階複製成 R、G、B，形狀 {expected}。"),
    "transfer_not_padded": (
        "`{what}` has shape {got}: the images are still 28 x 28, smaller than the 32 x 32 VGG16 accepts. Pad 2 zeros "
        "on every side: shape {expected}.",
        "`{what}` 的形狀是 {got}：影像還是 28 x 28，比 VGG16 接受的 32 x 32 小。四邊各補 2 個 0：形狀 {expected}。"),
    "transfer_channels_first": (
        "`{what}` has shape {got}: channels first. Keras is channels-last: {expected}.",
        "`{what}` 的形狀是 {got}：通道在前面。Keras 是 channels-last：{expected}。"),
    "transfer_not_float32": (
        "`{what}` should be a float32 array; yours has dtype {got}. Use astype(\"float32\").",
        "`{what}` 應該是 float32 陣列；你的是 {got}。請用 astype(\"float32\")。"),
    "transfer_prepare_scaled": (
        "`{what}` is divided by 255 (values 0-1). Keep the pixels 0-255 here: VGG16's preprocess_input expects "
        "0-255 and does its own scaling.",
        "`{what}` 除以了 255（值在 0 到 1）。這裡像素要維持 0 到 255：VGG16 的 preprocess_input 要的是 0 到 255。"),
    "transfer_prepare_values": (
        "`{what}` has the right shape but not the right values: each image should be padded with 2 zeros on every "
        "side (np.pad, not resized) and the grey channel repeated into 3 channels, pixels 0-255.",
        "`{what}` 的形狀正確但值不對：每張影像四邊各補 2 個 0（用 np.pad，不是放大），灰階複製成 3 個通道，像素 0 到 255。"),
    "transfer_preprocess_scaled": (
        "`{what}` divides by 255 instead of using VGG16's preprocess_input. VGG16 was trained on BGR images with "
        "the ImageNet means subtracted from pixels 0-255: use keras.applications.vgg16.preprocess_input.",
        "`{what}` 除以 255，而不是用 VGG16 的 preprocess_input。VGG16 訓練時用的是 0 到 255 的 BGR 影像減去 ImageNet "
        "平均值：請用 keras.applications.vgg16.preprocess_input。"),
    "transfer_preprocess_no_swap": (
        "`{what}` subtracts the means but leaves the channels in RGB order; preprocess_input first turns RGB into "
        "BGR (an image whose red and blue differ shows it). Use keras.applications.vgg16.preprocess_input.",
        "`{what}` 減去了平均值，但通道仍是 RGB 順序；preprocess_input 會先把 RGB 換成 BGR（紅色與藍色不同的影像看得出來）。"
        "請用 keras.applications.vgg16.preprocess_input。"),
    "transfer_preprocess_no_means": (
        "`{what}` swaps RGB to BGR but does not subtract the ImageNet means (103.939, 116.779, 123.68).",
        "`{what}` 把 RGB 換成 BGR，但沒有減去 ImageNet 的平均值（103.939、116.779、123.68）。"),
    "transfer_preprocess_other_mode": (
        "`{what}` scales the pixels the way other networks want (\"tf\" or \"torch\" mode); VGG16 wants \"caffe\": "
        "BGR minus the ImageNet means. Use keras.applications.vgg16.preprocess_input.",
        "`{what}` 用的是其他網路的縮放方式（\"tf\" 或 \"torch\" 模式）；VGG16 要的是 \"caffe\"：BGR 減去 ImageNet 平均值。"
        "請用 keras.applications.vgg16.preprocess_input。"),
    "transfer_preprocess_values": (
        "`{what}` does not match VGG16's preprocess_input (RGB to BGR, then minus the ImageNet means 103.939, "
        "116.779, 123.68).",
        "`{what}` 和 VGG16 的 preprocess_input 不一致（RGB 換成 BGR，再減去 ImageNet 平均值 103.939、116.779、123.68）。"),
    "transfer_preprocess_in_place": (
        "`preprocess` changed the array it was given: preprocess_input works in place on a NumPy float array. "
        "Call it on a copy: preprocess_input(images.copy()).",
        "`preprocess` 改動了傳進來的陣列：preprocess_input 會直接修改 NumPy 的 float 陣列。請在複本上呼叫："
        "preprocess_input(images.copy())。"),
    "transfer_features_scaled": (
        "`{what}` gives the features of images divided by 255; VGG16 wants preprocess_input on pixels 0-255.",
        "`{what}` 算出的是除以 255 之後的影像的特徵；VGG16 要的是在 0 到 255 的像素上做 preprocess_input。"),
    "transfer_features_no_swap": (
        "`{what}` gives the features of images whose ImageNet means were subtracted in RGB order, without the "
        "swap to BGR; use preprocess (VGG16's preprocess_input).",
        "`{what}` 算出的特徵來自以 RGB 順序減去 ImageNet 平均值、沒有換成 BGR 的影像；請用 preprocess（VGG16 的 "
        "preprocess_input）。"),
    "transfer_features_values": (
        "`{what}` does not match VGG16's features of preprocess(prepare_images(images)) with the weights given. "
        "Did you pass `weights` on to VGG16, and use prepare_images and preprocess?",
        "`{what}` 和用指定權重的 VGG16 對 preprocess(prepare_images(images)) 算出的特徵不一致。你有把 `weights` 傳給 "
        "VGG16，並使用 prepare_images 與 preprocess 嗎？"),
    "transfer_weights_ignored": (
        "`{what}` does not hold the weights it was given: pass the `weights` argument on to VGG16 instead of "
        "fixing it (the grader may not have the ImageNet weights).",
        "`{what}` 裡的權重不是指定的權重：請把 `weights` 參數傳給 VGG16，不要寫死（評分程式不一定拿得到 ImageNet 權重）。"),
    "transfer_not_vgg16": (
        "`{what}` is not VGG16's convolutional base: layers such as {missing} are missing. Use "
        "keras.applications.vgg16.VGG16(include_top=False, ...).",
        "`{what}` 不是 VGG16 的卷積基底：缺少 {missing} 等層。請用 keras.applications.vgg16.VGG16(include_top=False, ...)。"),
    "transfer_base_has_top": (
        "`{what}` still has VGG16's classifier ({layers}); load the base with include_top=False.",
        "`{what}` 仍然有 VGG16 的分類器（{layers}）；載入卷積基底時要設 include_top=False。"),
    "transfer_base_not_frozen": (
        "The convolutional base in `{what}` is not frozen: {count} weight tensors of {layers} layers are "
        "trainable. Set conv_base.trainable = False, so that training the new classifier does not wreck what the "
        "base learned on ImageNet.",
        "`{what}` 的卷積基底沒有凍結：{layers} 層共 {count} 個權重張量可以訓練。請設定 conv_base.trainable = False，"
        "訓練新分類器時才不會毀掉卷積基底在 ImageNet 上學到的東西。"),
    "transfer_input_shape_ignored": (
        "`{what}` gives {got} whatever the input size: pass input_shape on to VGG16.",
        "`{what}` 不論輸入多大都得到 {got}：請把 input_shape 傳給 VGG16。"),
    "transfer_head_frozen": (
        "In `{what}` nothing outside the base is trainable: the dense classifier must stay trainable.",
        "`{what}` 除了卷積基底以外沒有可訓練的層：密集分類器必須保持可訓練。"),
    "transfer_whole_base_unfrozen": (
        "`{what}` unfreezes the whole convolutional base ({count} weight tensors of all 13 conv layers). Fine-tune "
        "only block5_conv1, block5_conv2 and block5_conv3: after conv_base.trainable = True, set trainable = False "
        "on conv_base.layers[:-4]. Training 15 million parameters on little data overfits.",
        "`{what}` 解凍了整個卷積基底（13 個卷積層共 {count} 個權重張量）。只微調 block5_conv1、block5_conv2、"
        "block5_conv3：conv_base.trainable = True 之後，把 conv_base.layers[:-4] 設回 trainable = False。"
        "在少量資料上訓練 1,500 萬個參數會過度配適。"),
    "transfer_top_block_frozen": (
        "In `{what}` no layer of the convolutional base is trainable: unfreeze block5_conv1, block5_conv2 and "
        "block5_conv3 (conv_base.trainable = True first; a layer inside a frozen model stays frozen).",
        "`{what}` 的卷積基底沒有任何可訓練的層：請解凍 block5_conv1、block5_conv2、block5_conv3"
        "（先設 conv_base.trainable = True；被凍結的模型裡的層也會是凍結的）。"),
    "transfer_wrong_layers_unfrozen": (
        "In `{what}` the trainable layers of the base are {got}; they should be exactly {expected}.",
        "`{what}` 的卷積基底中可訓練的層是 {got}；應該正好是 {expected}。"),
    "transfer_not_compiled": (
        "`{what}` is not compiled: call model.compile(optimizer=..., loss=..., metrics=[\"accuracy\"]) before "
        "returning it.",
        "`{what}` 沒有編譯：回傳前請呼叫 model.compile(optimizer=..., loss=..., metrics=[\"accuracy\"])。"),
    "transfer_rate_unknown": (
        "The learning rate of `{what}`'s optimizer could not be read; pass it as a number, e.g. "
        "keras.optimizers.RMSprop(learning_rate=1e-5).",
        "讀不到 `{what}` 最佳化器的學習率；請用數字指定，例如 keras.optimizers.RMSprop(learning_rate=1e-5)。"),
    "transfer_no_recompile": (
        "`{what}` still has the optimizer it was compiled with before (learning rate {got}): after changing "
        "`trainable` you must call compile() again, with a small learning rate such as 1e-5, or the change does not "
        "take effect.",
        "`{what}` 仍然是之前編譯時的最佳化器（學習率 {got}）：改了 `trainable` 之後必須再呼叫 compile()，"
        "並用很小的學習率（例如 1e-5），否則改動不會生效。"),
    "transfer_rate_too_high": (
        "`{what}` is compiled with learning rate {got}, too high for fine-tuning: at most 1e-4 (1e-5 is usual), or "
        "the large updates wipe out what block 5 learned on ImageNet.",
        "`{what}` 編譯時的學習率是 {got}，微調時太大：最多 1e-4（通常用 1e-5），否則大幅度的更新會毀掉 block5 在 "
        "ImageNet 上學到的特徵。"),
    "transfer_rate_ignored": (
        "`{what}` was asked for learning rate {expected} but is compiled with {got}: use the `learning_rate` "
        "argument.",
        "`{what}` 指定的學習率是 {expected}，但編譯時用的是 {got}：請使用 `learning_rate` 參數。"),
    "transfer_last_layer": (
        "The last layer of `{what}` should be Dense(10, activation=\"softmax\"), one probability per class; yours "
        "is {got}.",
        "`{what}` 的最後一層應該是 Dense(10, activation=\"softmax\")，每個類別一個機率；你的是 {got}。"),
    "transfer_not_built": (
        "`{what}` has no input shape yet: a keras.Sequential without keras.Input is not built, so Keras knows none "
        "of its shapes. Start it with keras.Input(shape=...), the shape the function is given (or call VGG16 and "
        "the head on a keras.Input tensor).",
        "`{what}` 還沒有輸入形狀：沒有 keras.Input 的 keras.Sequential 尚未建立，Keras 不知道任何一層的形狀。"
        "請以 keras.Input(shape=...)（函式拿到的形狀）開頭（或把 VGG16 與分類器套用在 keras.Input 張量上）。"),
    "transfer_wrong_loss": (
        "`{what}` is compiled with loss {got}; the labels are integers 0-9, so use "
        "\"sparse_categorical_crossentropy\".",
        "`{what}` 編譯時的損失函數是 {got}；標籤是 0 到 9 的整數，請用 \"sparse_categorical_crossentropy\"。"),
    "transfer_rescaling_in_model": (
        "`{what}` scales its input with a Rescaling layer (/255) instead of VGG16's preprocess_input; call "
        "keras.applications.vgg16.preprocess_input on the tensor after the augmentation layers.",
        "`{what}` 用 Rescaling 層（/255）縮放輸入，而不是 VGG16 的 preprocess_input；請在資料擴增層之後對張量呼叫 "
        "keras.applications.vgg16.preprocess_input。"),
    "transfer_no_augmentation": (
        "`{what}` has no data augmentation layers: start with e.g. RandomFlip, RandomRotation and RandomZoom "
        "(method 2 is slow precisely so that it can augment).",
        "`{what}` 沒有資料擴增層：一開始先加上例如 RandomFlip、RandomRotation、RandomZoom（方法 2 就是為了能做資料擴增）。"),
    "transfer_head_unusable": (
        "The classifier from `{what}` could not be run on the features: {error}",
        "`{what}` 的分類器無法在特徵上執行：{error}"),
    "transfer_head_not_fitted": (
        "The classifier `{what}` returns was not trained: its optimizer took {steps} steps, and {epochs} epochs "
        "of `fit` take at least {epochs} (one per batch). Train it with `head.fit(features, labels, "
        "epochs=epochs, ...)` and return that head with `history.history` (without compiling it again after "
        "`fit`: that gives it a new optimizer).",
        "`{what}` 回傳的分類器沒有訓練過：它的優化器只走了 {steps} 步，而 `fit` 訓練 {epochs} 個 epoch 至少要走 "
        "{epochs} 步（每個批次一步）。請用 `head.fit(features, labels, epochs=epochs, ...)` 訓練，"
        "並回傳這個分類器和 `history.history`（`fit` 之後不要再 `compile`：那會換上新的優化器）。"),
    "transfer_head_near_chance": (
        "The classifier trained by `{what}` reaches accuracy {got:.3f} on held-out features; it should clearly "
        "beat chance (0.10): at least {expected:.2f}. Check the last layer (Dense(10, softmax)), the loss for "
        "integer labels and the learning rate.",
        "`{what}` 訓練出的分類器在保留的特徵上準確率是 {got:.3f}；應該明顯勝過亂猜（0.10）：至少 {expected:.2f}。"
        "請檢查最後一層（Dense(10, softmax)）、整數標籤的損失函數與學習率。"),
    "transfer_no_imagenet": (
        "Not measured: the grader has no ImageNet weights for VGG16 ({file} is not in its Keras cache; it "
        "never downloads them). This check is worth 0 points; the other checks use random weights.",
        "未測量：評分程式沒有 VGG16 的 ImageNet 權重（它的 Keras 快取裡沒有 {file}；它不會自行下載）。"
        "這一項 0 分；其他檢查使用隨機權重。"),
    # ---- where grading ran, and `grader grade`'s progress on a terminal
    "device_cpu": (
        "CPU: {cores} cores",
        "CPU：{cores} 核心"),
    "device_gpu": (
        "GPU: {names}",
        "圖形處理器 GPU：{names}"),
    "grade_progress": (
        "Grading {exercise} ({done} of {total} done)...",
        "正在批改 {exercise}（已完成 {done} / {total}）……"),
    "cell_stopped": (
        "Code cell {number}: {note}",
        "第 {number} 個程式碼儲存格：{note}"),
    "batch_histogram_total": (
        "Total score (max {max_total:g})",
        "總分（滿分 {max_total:g}）"),
    "grade_progress_done": (
        "Graded {total} of {total}.",
        "已批改完成 {total} / {total}。"),
    # ---- in-notebook practice: check(), hint(), and the hints themselves (hint.<day>.<function>.<n>)
    "practice_did_you_mean": (
        "There is no learner function named `{name}`. Did you mean {suggestions}?",
        "沒有名為 `{name}` 的練習函式。你是不是要找 {suggestions}？"),
    "practice_unknown_function": (
        "There is no learner function named `{name}`. The functions you write are: {known}.",
        "沒有名為 `{name}` 的練習函式。要寫的函式有：{known}。"),
    "practice_no_day": (
        "This notebook defines none of the exercises' functions yet: run its cells first, or name one, e.g. "
        "check(\"feature_map\").",
        "這個 notebook 還沒有定義任何練習函式：請先執行上面的儲存格，或指定一個函式，例如 check(\"feature_map\")。"),
    "practice_grading": (
        "check({name}): the grader runs the checks itself while it grades this notebook.",
        "check({name})：批改這份 notebook 時，由批改程式自己執行檢查。"),
    "practice_hint": (
        "Hint {n} of {total} for `{function}`: {hint}",
        "`{function}` 的提示 {n} / {total}：{hint}"),
    "practice_last_hint": (
        "That was the last hint for `{function}`; check(\"{function}\") says what is still wrong.",
        "這是 `{function}` 的最後一個提示；執行 check(\"{function}\") 看看還有哪裡不對。"),
    "hint.day93.conv_single_step.1": (
        "One step of a convolution gives ONE number: multiply the window and the kernel element by element, "
        "then add everything up.",
        "卷積的一步只產生「一個」數字：視窗和卷積核逐元素相乘，再全部加起來。"),
    "hint.day93.conv_single_step.2": (
        "`window * kernel` already multiplies element by element (both (f, f) or both (f, f, C)); `np.sum` adds "
        "over every axis, channels included.",
        "`window * kernel` 就是逐元素相乘（兩者都是 (f, f) 或都是 (f, f, C)）；`np.sum` 會把所有軸（包括通道）加總。"),
    "hint.day93.conv_single_step.3": (
        "The formula: z = sum over i, j, c of window[i, j, c] x kernel[i, j, c], plus bias ONCE; return it as a "
        "Python float (a bias of shape (1,) still counts as one number).",
        "公式：z = Σ(i, j, c) window[i, j, c] × kernel[i, j, c]，再加「一次」偏差；以 Python float 回傳"
        "（形狀 (1,) 的偏差也只是一個數字）。"),
    "hint.day93.feature_map.1": (
        "Slide the kernel over the image without flipping it: at every position where it fits, one "
        "conv_single_step gives one value of the map.",
        "讓卷積核在影像上滑動，不要翻轉：每個放得下的位置，用一次 conv_single_step 算出特徵圖的一個值。"),
    "hint.day93.feature_map.2": (
        "An (H, W) image and an (f, f) kernel give a map of shape (H - f + 1, W - f + 1): rows come from the "
        "height, columns from the width.",
        "(H, W) 的影像配 (f, f) 的卷積核，特徵圖的形狀是 (H - f + 1, W - f + 1)：列來自高，行來自寬。"),
    "hint.day93.feature_map.3": (
        "out[i, j] = conv_single_step(image[i:i+f, j:j+f], kernel, bias) for i in 0..H-f and j in 0..W-f; "
        "with channels the window is (f, f, C). Only read the image: never write into it.",
        "out[i, j] = conv_single_step(image[i:i+f, j:j+f], kernel, bias)，i 從 0 到 H-f、j 從 0 到 W-f；"
        "有通道時視窗是 (f, f, C)。影像只讀不寫。"),
    "hint.day93.feature_maps.1": (
        "K kernels give K feature maps: compute one map per kernel with your feature_map, then put them together.",
        "K 個卷積核產生 K 張特徵圖：用你的 feature_map 每個卷積核算一張，再把它們合在一起。"),
    "hint.day93.feature_maps.2": (
        "kernels[k] is the k-th kernel, (f, f) or (f, f, C), and biases[k] its bias; no biases means all zero.",
        "kernels[k] 是第 k 個卷積核，形狀 (f, f) 或 (f, f, C)；biases[k] 是它的偏差；沒有給 biases 就全部是 0。"),
    "hint.day93.feature_maps.3": (
        "Stack the K maps, each (H', W'), on the LAST axis: the result is (H', W', K), channels-last like Keras's "
        "Conv2D.",
        "把 K 張形狀 (H', W') 的特徵圖疊在「最後一軸」：結果是 (H', W', K)，和 Keras Conv2D 一樣是 channels-last。"),
    "hint.day93.relu.1": (
        "ReLU keeps positive values and turns negative values into 0, element by element; the shape stays the same.",
        "ReLU 逐元素保留正值、把負值變成 0；形狀不變。"),
    "hint.day93.relu.2": (
        "relu(x) = max(0, x) for every element: NumPy has an element-wise maximum of an array and a number.",
        "每個元素 relu(x) = max(0, x)：NumPy 有陣列與數字逐元素取最大值的函式。"),
    "hint.day93.relu.3": (
        "Return a NEW array: assigning into x (x[x < 0] = ...) changes the caller's feature map too.",
        "回傳「新的」陣列：直接對 x 賦值（x[x < 0] = ...）會連呼叫者的特徵圖一起改掉。"),
    "hint.day94.conv_output_size.1": (
        "Count the positions where a window of size f fits along one padded axis, moving stride cells each time.",
        "計算在補零後的一個軸上，大小 f 的視窗每次移動 stride 格，總共放得下幾個位置。"),
    "hint.day94.conv_output_size.2": (
        "The padded axis has n + 2 x pad cells (pad zeros on EACH side); the last window starts at n + 2 x pad - f.",
        "補零後這個軸有 n + 2 × pad 格（「兩邊」各補 pad 個 0）；最後一個視窗從 n + 2 × pad - f 開始。"),
    "hint.day94.conv_output_size.3": (
        "Output size = floor((n + 2 x pad - f) / stride) + 1, an int: floor division (//) keeps it whole.",
        "輸出大小 = ⌊(n + 2 × pad - f) / stride⌋ + 1，是整數：用整數除法（//）就不會變成小數。"),
    "hint.day94.keras_output_size.1": (
        "Keras does not take a pad number: padding=\"valid\" adds no zeros, padding=\"same\" adds as many as needed.",
        "Keras 不指定補幾個 0：padding=\"valid\" 不補零，padding=\"same\" 補到需要的數量。"),
    "hint.day94.keras_output_size.2": (
        "\"valid\" is conv_output_size with pad = 0: floor((n - f) / stride) + 1.",
        "\"valid\" 就是 pad = 0 的 conv_output_size：⌊(n - f) / stride⌋ + 1。"),
    "hint.day94.keras_output_size.3": (
        "\"same\" gives ceil(n / stride) whatever f is; any other padding string should raise ValueError.",
        "\"same\" 的結果是 ⌈n / stride⌉，與 f 無關；其他的 padding 字串要丟出 ValueError。"),
    "hint.day94.zero_pad.1": (
        "Only the height and width get zeros: the batch axis m and the channel axis C stay as they are.",
        "只有高和寬要補零：批次軸 m 和通道軸 C 維持不變。"),
    "hint.day94.zero_pad.2": (
        "np.pad takes one (before, after) pair per axis of (m, H, W, C): which two axes get (pad, pad)?",
        "np.pad 對 (m, H, W, C) 的每一軸各要一組 （前，後）：哪兩軸是 (pad, pad)？"),
    "hint.day94.zero_pad.3": (
        "(m, H, W, C) becomes (m, H + 2 x pad, W + 2 x pad, C), the same dtype, filled with the constant 0; "
        "X itself is not changed.",
        "(m, H, W, C) 變成 (m, H + 2 × pad, W + 2 × pad, C)，dtype 不變，補的值是常數 0；X 本身不改動。"),
    "hint.day94.conv_forward.1": (
        "Pad first (zero_pad), then slide every filter over every image with steps of stride, as in day 93.",
        "先補零（zero_pad），再像第 93 天那樣，讓每個濾波器以步長 stride 滑過每張影像。"),
    "hint.day94.conv_forward.2": (
        "The output is (m, H', W', K) with H' = conv_output_size(H, f, pad, stride) and W' from W; W is "
        "(f, f, C, K), so filter k is W[..., k] and its bias b[k].",
        "輸出是 (m, H', W', K)，H' = conv_output_size(H, f, pad, stride)，W' 由 W 算出；W 是 (f, f, C, K)，"
        "第 k 個濾波器是 W[..., k]，偏差是 b[k]。"),
    "hint.day94.conv_forward.3": (
        "Z[i, h, w, k] = sum(padded[i, h x stride : h x stride + f, w x stride : w x stride + f, :] x W[..., k]) "
        "+ b[k]; the window starts at h x stride, not at h.",
        "Z[i, h, w, k] = Σ(padded[i, h × stride : h × stride + f, w × stride : w × stride + f, :] × W[..., k]) "
        "+ b[k]；視窗從 h × stride 開始，不是 h。"),
    "hint.day95.pool_forward.1": (
        "Pooling has no weights: in each f x f window take the largest value (max) or the mean (average), "
        "each channel on its own.",
        "池化沒有權重：在每個 f × f 視窗裡取最大值（max）或平均值（average），每個通道各自計算。"),
    "hint.day95.pool_forward.2": (
        "The output is (m, (H - f) // stride + 1, (W - f) // stride + 1, C): the channel count does not change.",
        "輸出是 (m, (H - f) // stride + 1, (W - f) // stride + 1, C)：通道數不變。"),
    "hint.day95.pool_forward.3": (
        "A[i, h, w, c] = max (or mean) of A_prev[i, h x stride : h x stride + f, w x stride : w x stride + f, c]; "
        "reduce over the two window axes only, and raise ValueError for an unknown mode.",
        "A[i, h, w, c] = A_prev[i, h × stride : h × stride + f, w × stride : w × stride + f, c] 的最大值（或平均值）；"
        "只在視窗的兩個軸上計算，不認得的 mode 要丟出 ValueError。"),
    "hint.day96.conv_params.1": (
        "Count the weights of every filter, then the biases: how many numbers does one f x f filter hold when "
        "the input has c_in channels?",
        "先數每個濾波器的權重，再數偏差：輸入有 c_in 個通道時，一個 f × f 濾波器有幾個數字？"),
    "hint.day96.conv_params.2": (
        "One filter is f x f x c_in weights plus ONE bias; the layer has `filters` such filters.",
        "一個濾波器有 f × f × c_in 個權重加「一個」偏差；這一層有 `filters` 個濾波器。"),
    "hint.day96.conv_params.3": (
        "Parameters = f x f x c_in x filters + filters, an int (the input's height and width do not matter).",
        "參數個數 = f × f × c_in × filters + filters，是整數（與輸入的高和寬無關）。"),
    "hint.day96.dense_params.1": (
        "A Dense layer connects every input to every unit, and each unit has its own bias.",
        "全連接層的每個輸入都連到每個神經元，每個神經元各有一個偏差。"),
    "hint.day96.dense_params.2": (
        "The weights form an (n_in, n_out) matrix; the biases a vector of n_out.",
        "權重是 (n_in, n_out) 的矩陣；偏差是長度 n_out 的向量。"),
    "hint.day96.dense_params.3": (
        "Parameters = n_in x n_out + n_out, an int; after Flatten, n_in = height x width x channels.",
        "參數個數 = n_in × n_out + n_out，是整數；平坦層之後 n_in = 高 × 寬 × 通道數。"),
    "hint.day96.separable_conv_params.1": (
        "A separable convolution is two steps: a depthwise f x f filter per input channel, then a 1 x 1 "
        "(pointwise) convolution that mixes the channels.",
        "深度可分離卷積分兩步：每個輸入通道一個 f × f 的逐深度濾波器，再用 1 × 1（逐點）卷積混合通道。"),
    "hint.day96.separable_conv_params.2": (
        "Depthwise: f x f x c_in weights. Pointwise: c_in x filters weights. The biases come once, after the "
        "pointwise step.",
        "逐深度：f × f × c_in 個權重；逐點：c_in × filters 個權重。偏差只在逐點那一步之後加一次。"),
    "hint.day96.separable_conv_params.3": (
        "Parameters = f x f x c_in + c_in x filters + filters (depth_multiplier 1), an int.",
        "參數個數 = f × f × c_in + c_in × filters + filters（depth_multiplier 為 1），是整數。"),
    "hint.day96.conv_output_shape.1": (
        "Height and width follow the output-size rule of day 94 (Keras's version); the depth is the number of "
        "filters.",
        "高和寬依照第 94 天的輸出大小規則（Keras 的版本）；深度就是濾波器的個數。"),
    "hint.day96.conv_output_shape.2": (
        "\"valid\": floor((n - f) / stride) + 1; \"same\": ceil(n / stride); apply it to h and to w.",
        "\"valid\"：⌊(n - f) / stride⌋ + 1；\"same\"：⌈n / stride⌉；高 h 和寬 w 各算一次。"),
    "hint.day96.conv_output_shape.3": (
        "Return the tuple (h', w', filters) of three ints; raise ValueError for another padding or a filter "
        "that does not fit (a size of 0 or less).",
        "回傳三個整數的 tuple (h', w', filters)；其他 padding，或濾波器放不下（大小 ≤ 0）時要丟出 ValueError。"),
    "hint.day96.build_model.1": (
        "Stack Keras's own layers in a keras.Sequential, starting from keras.Input((28, 28, 1)): channels last.",
        "用 keras.Sequential 疊起 Keras 內建的層，從 keras.Input((28, 28, 1)) 開始：通道在最後。"),
    "hint.day96.build_model.2": (
        "The order: Conv2D(32, 3x3, relu), MaxPooling2D(2), Conv2D(25, 3x3, relu), MaxPooling2D(2), Flatten, "
        "Dense(100, relu), Dense(10, softmax); pooling=False leaves out the two poolings.",
        "順序：Conv2D(32, 3x3, relu)、MaxPooling2D(2)、Conv2D(25, 3x3, relu)、MaxPooling2D(2)、Flatten、"
        "Dense(100, relu)、Dense(10, softmax)；pooling=False 時省略兩個池化層。"),
    "hint.day96.build_model.3": (
        "Shapes to expect: (26, 26, 32) -> (13, 13, 32) -> (11, 11, 25) -> (5, 5, 25) -> 625 -> 100 -> 10; "
        "model.summary() shows yours.",
        "預期的形狀：(26, 26, 32) → (13, 13, 32) → (11, 11, 25) → (5, 5, 25) → 625 → 100 → 10；"
        "model.summary() 會列出你的。"),
    "hint.day97.scale_images.1": (
        "The network wants small floating-point inputs and a channel axis: the pixels are uint8 0-255 and the "
        "images (n, 28, 28).",
        "網路要的是數值小的浮點數輸入，而且要有通道軸：像素是 0 到 255 的 uint8，影像是 (n, 28, 28)。"),
    "hint.day97.scale_images.2": (
        "Convert to float32 first, then divide by 255, so every pixel is in 0..1 (on a new array, not in place).",
        "先轉成 float32 再除以 255，每個像素就在 0 到 1 之間（產生新陣列，不要原地修改）。"),
    "hint.day97.scale_images.3": (
        "Add the channel axis LAST: (n, 28, 28) -> (n, 28, 28, 1), the input shape of Conv2D.",
        "在「最後」加上通道軸：(n, 28, 28) → (n, 28, 28, 1)，也就是 Conv2D 的輸入形狀。"),
    "hint.day97.format_labels.1": (
        "The labels and the loss must agree: decide which loss build_convnet compiles with.",
        "標籤格式要和損失函數一致：先決定 build_convnet 編譯時用哪個損失函數。"),
    "hint.day97.format_labels.2": (
        "sparse_categorical_crossentropy wants integer labels (n,); categorical_crossentropy wants one-hot (n, 10).",
        "sparse_categorical_crossentropy 要整數標籤 (n,)；categorical_crossentropy 要 one-hot 的 (n, 10)。"),
    "hint.day97.format_labels.3": (
        "For integers, return the labels as an int array of shape (n,), values 0-9; for one-hot, "
        "keras.utils.to_categorical gives (n, 10).",
        "整數標籤就回傳形狀 (n,)、值為 0 到 9 的整數陣列；one-hot 則可用 keras.utils.to_categorical 得到 (n, 10)。"),
    "hint.day97.build_convnet.1": (
        "Build the course notes' convnet: Conv2D and MaxPooling2D blocks, then Flatten and a Dense output.",
        "建立課程筆記的卷積網路：幾組 Conv2D 和 MaxPooling2D，接著 Flatten 和 Dense 輸出層。"),
    "hint.day97.build_convnet.2": (
        "Input (28, 28, 1) -> Conv2D(32, 3) -> MaxPooling2D(2) -> Conv2D(64, 3) -> MaxPooling2D(2) -> "
        "Conv2D(128, 3) -> Flatten -> Dense(10, softmax): shapes (26, 26, 32), (13, 13, 32), (11, 11, 64), "
        "(5, 5, 64), (3, 3, 128), 1152, 10.",
        "輸入 (28, 28, 1) → Conv2D(32, 3) → MaxPooling2D(2) → Conv2D(64, 3) → MaxPooling2D(2) → "
        "Conv2D(128, 3) → Flatten → Dense(10, softmax)：形狀依序是 (26, 26, 32)、(13, 13, 32)、(11, 11, 64)、"
        "(5, 5, 64)、(3, 3, 128)、1152、10。"),
    "hint.day97.build_convnet.3": (
        "Compile it with an optimizer (RMSprop or Adam), the loss that matches format_labels and "
        "metrics=[\"accuracy\"]; to reach 0.99, let the learning rate shrink over the epochs (a schedule).",
        "編譯時指定最佳化器（RMSprop 或 Adam）、和 format_labels 相符的損失函數與 metrics=[\"accuracy\"]；"
        "要達到 0.99，可以讓學習率隨 epoch 逐漸變小（學習率排程）。"),
    "hint.day97.trained_model.1": (
        "Return the model you trained in the notebook (not a new, untrained one): the grader evaluates it on "
        "the test images.",
        "回傳你在 notebook 裡訓練好的模型（不是新建、未訓練的模型）：批改程式會用測試影像評估它。"),
    "hint.day97.trained_model.2": (
        "Train with model.fit on the scaled training images and formatted labels only; keep the test set out "
        "of fit (use validation_split instead).",
        "只用縮放後的訓練影像和整理好的標籤呼叫 model.fit；測試集不能放進 fit（改用 validation_split）。"),
    "hint.day97.trained_model.3": (
        "Below 0.99? Train a few more epochs (5 is usually enough) and let the learning rate decay, e.g. "
        "CosineDecay from 1e-3 over all the training steps (epochs x batches per epoch).",
        "不到 0.99？多訓練幾個 epoch（通常 5 個就夠），並讓學習率遞減，例如從 1e-3 開始、"
        "涵蓋全部訓練步數（epoch 數 × 每個 epoch 的批次數）的 CosineDecay。"),
    "hint.day97.training_history.1": (
        "model.fit returns a History object: keep it in a variable.",
        "model.fit 會回傳一個 History 物件：把它存在變數裡。"),
    "hint.day97.training_history.2": (
        "The per-epoch numbers are in its .history attribute, a dict such as {{\"loss\": [...], \"accuracy\": [...]}}.",
        "每個 epoch 的數字在它的 .history 屬性裡，是一個 dict，例如 {{\"loss\": [...], \"accuracy\": [...]}}。"),
    "hint.day97.training_history.3": (
        "Return that dict (history.history), not the History object: one list per metric, one value per epoch.",
        "回傳那個 dict（history.history），不是 History 物件：每個指標一個 list，每個 epoch 一個值。"),
    "hint.day98.prepare_images.1": (
        "VGG16 needs RGB images of at least 32 x 32: the Fashion-MNIST images are grey and 28 x 28.",
        "VGG16 需要至少 32 × 32 的 RGB 影像：Fashion-MNIST 的影像是 28 × 28 的灰階。"),
    "hint.day98.prepare_images.2": (
        "Pad 2 zeros on every side of the height and width: (n, 28, 28) -> (n, 32, 32); then repeat the grey "
        "channel 3 times on a new last axis.",
        "高和寬的四邊各補 2 個 0：(n, 28, 28) → (n, 32, 32)；再在新的最後一軸把灰階通道複製 3 次。"),
    "hint.day98.prepare_images.3": (
        "Return float32 (n, 32, 32, 3) with pixels still 0-255 (do not divide by 255: preprocess comes next).",
        "回傳 float32 的 (n, 32, 32, 3)，像素仍是 0 到 255（不要除以 255：接下來還有 preprocess）。"),
    "hint.day98.preprocess.1": (
        "VGG16 was trained on its own preprocessing, not on pixels scaled to 0..1: use the one Keras ships "
        "for it.",
        "VGG16 訓練時用的是它自己的前處理，不是縮放到 0 到 1：請用 Keras 為它提供的那一個。"),
    "hint.day98.preprocess.2": (
        "keras.applications.vgg16.preprocess_input turns RGB into BGR and subtracts the ImageNet mean of each "
        "channel; the shape (n, h, w, 3) stays.",
        "keras.applications.vgg16.preprocess_input 會把 RGB 換成 BGR，再減去 ImageNet 各通道的平均值；"
        "形狀 (n, h, w, 3) 不變。"),
    "hint.day98.preprocess.3": (
        "preprocess_input may change its argument in place: give it a float32 copy so the caller's images "
        "stay unchanged.",
        "preprocess_input 可能直接修改傳入的陣列：請傳一份 float32 的複本，呼叫者的影像才不會被改動。"),
    "hint.day98.build_conv_base.1": (
        "Use VGG16 from keras.applications without its classifier on top: only the convolutional base.",
        "使用 keras.applications 的 VGG16，不要最上面的分類器：只要卷積基底。"),
    "hint.day98.build_conv_base.2": (
        "Pass include_top=False, the input_shape you were given and the weights argument as it is (\"imagenet\", "
        "None or a file path).",
        "傳入 include_top=False、收到的 input_shape，以及原封不動的 weights 參數（\"imagenet\"、None 或檔案路徑）。"),
    "hint.day98.build_conv_base.3": (
        "Freeze it before returning (its trainable attribute): a (32, 32, 3) input then gives features of "
        "shape (1, 1, 512).",
        "回傳前把它凍結（設定 trainable 屬性）：輸入 (32, 32, 3) 時，特徵的形狀是 (1, 1, 512)。"),
    "hint.day98.extract_features.1": (
        "Chain your own functions: prepare the images, preprocess them, and run them through the frozen base.",
        "把你寫的函式串起來：先準備影像、再做前處理，最後送進凍結的卷積基底。"),
    "hint.day98.extract_features.2": (
        "(n, 28, 28) uint8 -> prepare_images -> (n, 32, 32, 3) -> preprocess -> the base's predict "
        "(batch_size=batch_size, verbose=0).",
        "(n, 28, 28) 的 uint8 → prepare_images → (n, 32, 32, 3) → preprocess → 卷積基底的 predict"
        "（batch_size=batch_size、verbose=0）。"),
    "hint.day98.extract_features.3": (
        "Build the base with the weights you were given (build_conv_base(..., weights=weights)); the result is "
        "(n, 1, 1, 512) float32.",
        "用收到的 weights 建立卷積基底（build_conv_base(..., weights=weights)）；結果是 float32 的 (n, 1, 1, 512)。"),
    "hint.day98.build_head.1": (
        "The head is a small classifier on the features: flatten them, one hidden Dense layer, then 10 outputs.",
        "分類器是特徵上的小型網路：先平坦化，一個隱藏的 Dense 層，再輸出 10 個值。"),
    "hint.day98.build_head.2": (
        "Input(feature_shape) -> Flatten -> Dense(256, relu) -> Dropout(0.5) -> Dense(10, softmax): "
        "(1, 1, 512) -> 512 -> 256 -> 10.",
        "依序是 Input(feature_shape) → Flatten → Dense(256, relu) → Dropout(0.5) → Dense(10, softmax)："
        "形狀 (1, 1, 512) → 512 → 256 → 10。"),
    "hint.day98.build_head.3": (
        "Compile it: RMSprop(learning_rate=HEAD_LEARNING_RATE), loss sparse_categorical_crossentropy (the "
        "labels are integers 0-9), metrics [\"accuracy\"].",
        "記得編譯：RMSprop(learning_rate=HEAD_LEARNING_RATE)、損失函數 sparse_categorical_crossentropy"
        "（標籤是 0 到 9 的整數）、metrics [\"accuracy\"]。"),
    "hint.day98.train_head.1": (
        "Build a fresh head for these features and fit it: the features are the inputs, the labels the targets.",
        "為這些特徵建立一個新的分類器並訓練它：特徵是輸入，標籤是目標。"),
    "hint.day98.train_head.2": (
        "The head's feature_shape is one sample's shape: features.shape[1:], e.g. (1, 1, 512).",
        "分類器的 feature_shape 是一個樣本的形狀：features.shape[1:]，例如 (1, 1, 512)。"),
    "hint.day98.train_head.3": (
        "Call fit with epochs=epochs and validation_split=validation_split, then return (head, history.history), "
        "the dict, not the History object.",
        "呼叫 fit 時傳入 epochs=epochs 和 validation_split=validation_split，再回傳 (head, history.history)："
        "是 dict，不是 History 物件。"),
    "hint.day98.build_end_to_end.1": (
        "Method 2 puts everything in one model: augmentation, VGG16's preprocessing, the frozen base and a head.",
        "方法 2 把所有步驟放進同一個模型：資料擴增、VGG16 的前處理、凍結的卷積基底和分類器。"),
    "hint.day98.build_end_to_end.2": (
        "Input (32, 32, 3) RGB 0-255 -> a Sequential named \"augmentation\" (RandomFlip, RandomRotation, "
        "RandomZoom) -> vgg16.preprocess_input -> the frozen base -> the head -> 10 probabilities.",
        "輸入 (32, 32, 3)、RGB 0 到 255 → 名為 \"augmentation\" 的 Sequential（RandomFlip、RandomRotation、"
        "RandomZoom）→ vgg16.preprocess_input → 凍結的卷積基底 → 分類器 → 10 個機率。"),
    "hint.day98.build_end_to_end.3": (
        "Use the functional API (keras.Input, then call each part on the tensor) and compile with "
        "RMSprop(HEAD_LEARNING_RATE), sparse_categorical_crossentropy and accuracy; no Rescaling(1/255).",
        "使用函數式 API（keras.Input，再把每一部分套用在張量上），並以 RMSprop(HEAD_LEARNING_RATE)、"
        "sparse_categorical_crossentropy 和 accuracy 編譯；不要用 Rescaling(1/255)。"),
    "hint.day98.unfreeze_top_block.1": (
        "Fine-tuning unfreezes only the last convolution block of the base; the rest of VGG16 stays frozen.",
        "微調只解凍卷積基底的最後一個卷積區塊；VGG16 其餘部分維持凍結。"),
    "hint.day98.unfreeze_top_block.2": (
        "Get the base with model.get_layer(\"vgg16\"), make it trainable, then set trainable = False on every "
        "layer except block5_conv1, block5_conv2 and block5_conv3 (and block5_pool, which has no weights).",
        "用 model.get_layer(\"vgg16\") 取得卷積基底、設為可訓練，再把 block5_conv1、block5_conv2、block5_conv3"
        "（以及沒有權重的 block5_pool）以外的層都設成 trainable = False。"),
    "hint.day98.unfreeze_top_block.3": (
        "A change of trainable takes effect only after compile: recompile with RMSprop(learning_rate) (at most "
        "1e-4), sparse_categorical_crossentropy and accuracy, and return the same model.",
        "改了 trainable 之後要重新 compile 才會生效：用 RMSprop(learning_rate)（最多 1e-4）、"
        "sparse_categorical_crossentropy 和 accuracy 重新編譯，並回傳同一個模型。"),
}

STATUS_LABELS: dict[str, tuple[str, str]] = {
    "passed": ("passed", "通過"),
    "failed": ("incorrect", "不正確"),
    "not_attempted": ("not attempted", "尚未作答"),
    "error": ("your code raised", "程式出錯"),
    "timeout": ("timed out", "逾時"),
    "skipped": ("skipped", "略過"),
    "grader_error": ("grader error (not yours)", "批改程式出錯（不是你的錯）"),
}

# The batch's run metadata (run.json keys), as the class summary shows them.
RUN_LABELS: dict[str, tuple[str, str]] = {
    "grader": ("grader", "批改程式版本"),
    "seed": ("seed", "亂數種子"),
    "lang": ("language", "語言"),
    "hidden": ("hidden checks", "隱藏檢查"),
    "device": ("device", "運算裝置"),
    "warm_workers": ("warm workers", "預熱的工作程序"),
    "cell_timeout_s": ("cell time limit (s)", "儲存格時間上限（秒）"),
    "timeout_s": ("submission time limit (s)", "每份作業時間上限（秒）"),
    "memory_mb": ("memory limit (MB)", "記憶體上限（MB）"),
    "devices": ("devices", "使用的裝置"),
    "finished_at": ("finished at", "完成時間"),
    "wall_s": ("wall time (s)", "總耗時（秒）"),
    "submissions": ("submissions", "作業份數"),
    "graded_now": ("graded now", "本次批改"),
    "skipped": ("skipped (already graded)", "略過（已批改）"),
    "failed": ("could not be graded", "無法批改"),
    "grading_s": ("grading time (s)", "批改時間（秒）"),
    "median": ("median", "中位數"),
    "max": ("max", "最大值"),
    "total": ("total", "合計"),
    "workers": ("workers", "工作程序"),
    "scheduler": ("scheduler", "排程器"),
    "exercises": ("exercises graded", "批改的練習"),
    "learners_regraded": ("learners regraded", "重新批改的學員"),
    "adjustments": ("adjustments file", "人工調整檔"),
    "adjustments_applied": ("adjustments applied", "套用的人工調整"),
    "due": ("deadline", "截止時間"),
    "late_policy": ("late policy", "遲交規則"),
    "roster": ("roster", "名單"),
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


MAX_FIELD_CHARS = 4000   # a field longer than this (learner text: keys, names, values) is cut, saying how much


def public_summary(*, passed: int, total: int, hidden: int) -> Text:
    """"P of T public checks passed; H more checks run when your work is graded", singular for one hidden check."""
    return text("public_summary_one" if hidden == 1 else "public_summary", passed=passed, total=total, hidden=hidden)


def cells_not_run(left: int) -> Text:
    """"N cells did not run", for the notes of a notebook stopped part way; "1 cell", and "no cell was left to run"
    when the cell that stopped it was the last."""
    return text("cells_not_run_none" if left == 0 else "cells_not_run_one" if left == 1 else "cells_not_run", left=left)


def text(key: str, **fields) -> Text:
    """The message ``key`` with ``fields`` filled in, in both languages; a field that is itself a :class:`Text`
    gives each language its own. A str field over ``MAX_FIELD_CHARS`` characters is cut there and says how many
    more there were (a learner's history of 200,000 keys made a 3.5 MB message, and a 22 MB result)."""
    en, zh = CATALOG[key]
    return Text(en=en.format(**_in_lang(fields, "en")), zh_tw=zh.format(**_in_lang(fields, "zh-TW")))


def _in_lang(fields: dict, lang: str) -> dict:
    return {k: _capped(v.in_lang(lang) if isinstance(v, Text) else v, lang) for k, v in fields.items()}


def _capped(value, lang: str):
    if not isinstance(value, str) or len(value) <= MAX_FIELD_CHARS:
        return value
    more = len(value) - MAX_FIELD_CHARS
    return value[:MAX_FIELD_CHARS] + (f"…（另有 {more} 個字元）" if lang == "zh-TW" else f"… ({more} more characters)")


def label(table: dict[str, tuple[str, str]], key: str, lang: str) -> str:
    en, zh = table[key]
    return zh if lang == "zh-TW" else en


def resolve_lang(lang: str | None = None, *, source: str = "--lang") -> str:
    """The feedback language: an explicit choice, else GRADER_LANG, else the course's own language, zh-TW
    (whatever the locale: Colab, most Windows machines and ``C.UTF-8`` systems are not ``zh*``).
    Raises ValueError naming ``source`` for a language that is not one of LANGS."""
    if lang is None:
        env = os.environ.get("GRADER_LANG")
        if env:
            return resolve_lang(env, source="the GRADER_LANG environment variable")
        return "zh-TW"
    normal = {"zh-tw": "zh-TW", "zh_tw": "zh-TW", "zh": "zh-TW", "en": "en"}.get(lang.lower())
    if normal is None:
        raise ValueError(f"Invalid language {lang!r} from {source}; choose one of: {', '.join(LANGS)}")
    return normal
