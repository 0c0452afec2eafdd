"""The command line's words in Chinese first: the Chinese of every message of docs/errors.md, and the lines the
commands print, each ONE line of the form `中文 | English`.

The catalogue pairs each English message, written as docs/errors.md writes it (`{file}` and the like stand for
the values), with its Chinese. A message is matched by pattern, so its values (file names, row numbers, column
names, values) carry over into the Chinese; a message that has grown a clause at its end still matches (the
Chinese then leaves the clause to the English); a message the catalogue does not know prints in English only.
The English part of a line is always exactly the message as before, so scripts and the docs keep working.
Standard library only: a one-line error must not wait for pandas.
"""

from __future__ import annotations

import errno
import os
import re

ZH_ERROR = "错误："
SEPARATOR = " | "


def _m(english: str, chinese: str) -> tuple[str, str]:
    return english, chinese


# English message (without "error: ") -> Chinese (without "错误："). Order does not matter: the longest literal
# text that matches wins, and a whole-message match beats one that leaves a clause over.
CATALOGUE: list[tuple[str, str]] = [
    # the file cannot be opened
    _m("{path}: no such file", "{path}：没有这个文件"),
    _m(
        "{path}: is a folder, expected a .csv, .xlsx or .parquet file",
        "{path}：这是一个文件夹，应为 .csv、.xlsx 或 .parquet 文件",
    ),
    _m(
        "{file}: unknown file type '{suffix}'; expected .csv, .xlsx or .parquet",
        "{file}：未知的文件类型“{suffix}”；应为 .csv、.xlsx 或 .parquet",
    ),
    _m(
        "{file}: old .xls workbooks are not read; save it as .xlsx or CSV",
        "{file}：不读取旧版 .xls 工作簿；请另存为 .xlsx 或 CSV",
    ),
    _m(
        "{file}: the file is empty (0 bytes); copy or export it again", "{file}：文件是空的（0 字节）；请重新复制或导出"
    ),
    _m("{path}: {oserror}", "{path}：系统拒绝读写（{oserror}）"),
    _m(
        "the province '{value}' for the provincial view is not a province (use a code like 44, or a name like 广东)",
        "省份视图的省份“{value}”不是一个省份（请用代码如 44，或名称如 广东）",
    ),
    # CSV files
    _m("{file}: the file is empty (no header row)", "{file}：文件是空的（没有表头行）"),
    _m(
        "{file}: the file is UTF-16 ('Unicode text'); save it from Excel as 'CSV UTF-8' or CSV",
        "{file}：文件是 UTF-16 编码（“Unicode 文本”）；请在 Excel 中另存为“CSV UTF-8”或 CSV",
    ),
    _m(
        "{file}: the file ends in the middle of a character, so it was cut off (an interrupted copy or download?); "
        "copy or export it again",
        "{file}：文件在一个字符的中间结束，末尾被截掉了（复制或下载中断了？）；请重新复制或导出",
    ),
    _m(
        "{file}: text is neither UTF-8 nor GB18030/GBK ({reason}); save it from Excel as 'CSV UTF-8', or as .xlsx",
        "{file}：文本既不是 UTF-8 也不是 GB18030/GBK（{reason}）；请在 Excel 中另存为“CSV UTF-8”或 .xlsx",
    ),
    _m(
        '{file}: a quote (") opened on line {n} is never closed; remove the stray quote or quote the whole value, '
        "then try again",
        '{file}：第 {n} 行开始的引号（"）没有闭合；请删除多余的引号，或给整个值加上引号，然后重试',
    ),
    _m(
        '{source}: row {n}: the {column} value runs over several lines, so a quote (") there is probably '
        "unbalanced and the rows after it have run together; remove the stray quote or export the file again",
        '{source}：第 {n} 行：{column} 的值跨了多行，那里的引号（"）多半不成对，其后的行已连成一片；'
        "请删除多余的引号，或重新导出文件",
    ),
    _m(
        "{file}: line {n} has {k} fields but the header row has {m} (a comma inside a value that is not in "
        "quotes?); fix that line or export the file again",
        "{file}：第 {n} 行有 {k} 个字段，而表头行有 {m} 个（某个值里有逗号却没加引号？）；请修改这一行或重新导出文件",
    ),
    _m(
        "{file}: the first data row has more fields than the header row (a comma inside a value that is not in "
        "quotes, or a missing header?); fix that row or export the file again",
        "{file}：第一行数据的字段比表头行多（某个值里有逗号却没加引号，或缺了一个表头？）；请修改这一行或重新导出文件",
    ),
    _m(
        "{file}: not a readable CSV table ({detail}); export it again as CSV UTF-8",
        "{file}：无法读取的 CSV 表格（{detail}）；请重新导出为 CSV UTF-8",
    ),
    # workbooks
    _m(
        "{file}: not a readable .xlsx workbook: it is an old .xls workbook or a password-protected one; save it "
        "as .xlsx without a password, or as CSV UTF-8",
        "{file}：无法读取的 .xlsx 工作簿：它是旧版 .xls 工作簿或设了密码的工作簿；"
        "请去掉密码另存为 .xlsx，或另存为 CSV UTF-8",
    ),
    _m(
        "{file}: not a readable .xlsx workbook: it is text (a CSV file named .xlsx?); rename it to .csv",
        "{file}：无法读取的 .xlsx 工作簿：它是文本（一个名为 .xlsx 的 CSV 文件？）；请改名为 .csv",
    ),
    _m(
        "{file}: not a readable .xlsx workbook ({error}); open it in Excel and save it again as .xlsx",
        "{file}：无法读取的 .xlsx 工作簿（{error}）；请用 Excel 打开，再另存为 .xlsx",
    ),
    _m(
        "{file}: the first sheet ('{sheet}') is empty; the applications must be on the first sheet, with the "
        "header row first",
        "{file}：第一个工作表（“{sheet}”）是空的；申领记录必须在第一个工作表上，且第一行是表头",
    ),
    # Parquet files
    _m(
        "{file}: not a readable Parquet file ({error}); write it again, or export the data as CSV UTF-8 or .xlsx",
        "{file}：无法读取的 Parquet 文件（{error}）；请重新写出，或把数据导出为 CSV UTF-8 或 .xlsx",
    ),
    _m(
        "{file}: column '{name}' appears more than once; keep one of them",
        "{file}：列“{name}”出现了不止一次；请只保留一列",
    ),
    # headers
    _m(
        "{source}: missing required column(s) {columns}; headers found: {headers}",
        "{source}：缺少必需的列 {columns}；找到的表头：{headers}",
    ),
    _m(
        "{source}: missing required column(s) {columns}; headers found: {headers} (the header row is row {n}: "
        "delete the rows above it)",
        "{source}：缺少必需的列 {columns}；找到的表头：{headers}（表头在第 {n} 行：请删除它上面的行）",
    ),
    _m(
        "{source}: missing required column(s) {columns}; headers found: {headers} (the columns are separated by "
        "'{sep}', not commas: save the file as CSV with commas)",
        "{source}：缺少必需的列 {columns}；找到的表头：{headers}"
        "（列之间用“{sep}”分隔，而不是逗号：请另存为以逗号分隔的 CSV）",
    ),
    _m(
        "{source}: columns '{first}' and '{second}' both mean {column}; keep one of them",
        "{source}：列“{first}”和“{second}”都表示 {column}；请只保留其中一列",
    ),
    _m(
        "{source}: the header '{header}' appears more than once; keep one of those columns",
        "{source}：表头“{header}”出现了不止一次；请只保留其中一列",
    ),
    # the command line (argparse's words, and this tool's checks of the options)
    _m("the following arguments are required: {arguments}", "缺少必需的参数：{arguments}"),
    _m(
        "argument {argument}: invalid choice: '{word}' (choose from {choices})",
        "参数 {argument}：“{word}”不是可选项（可选：{choices}）",
    ),
    _m("unrecognized arguments: {arguments}", "无法识别的参数：{arguments}"),
    _m("argument {argument}: invalid int value: '{value}'", "参数 {argument}：“{value}”不是整数"),
    _m("--mask-workbook needs --workbook FILE.xlsx", "--mask-workbook 需要同时给出 --workbook FILE.xlsx"),
    _m(
        "--workbook needs a file name ending in .xlsx, got '{value}'",
        "--workbook 需要一个以 .xlsx 结尾的文件名，收到的是“{value}”",
    ),
    _m(
        "--workbook '{value}' would be written outside --out; a relative path is taken from the --out folder: "
        "leave out '..', or give an absolute path",
        "--workbook “{value}”会写到 --out 文件夹之外；相对路径从 --out 文件夹算起：请去掉“..”，或给出绝对路径",
    ),
    _m("--persons must be at least 1", "--persons 至少为 1"),
    # make clean
    _m(
        "{path}: the list of files the tool wrote is damaged; nothing was removed (delete the files you do not "
        "need yourself)",
        "{path}：本工具写出的文件清单已损坏；什么都没有删除（请自行删除不需要的文件）",
    ),
    # bugs
    _m(
        "unexpected {Error} ({detail}); this is a bug in the tool, please report it (run again with "
        "ANALYSIS_DEBUG=1 for the details)",
        "意外的 {Error}（{detail}）；这是本工具的缺陷，请报告（设 ANALYSIS_DEBUG=1 再运行可看到详情）",
    ),
    _m(
        "a report notebook failed on this file ({Error}: {detail}); this is a bug in the tool, please report it "
        "(run again with ANALYSIS_DEBUG=1 for the details)",
        "报告笔记本在这个文件上出错（{Error}: {detail}）；这是本工具的缺陷，请报告"
        "（设 ANALYSIS_DEBUG=1 再运行可看到详情）",
    ),
    # the Dask engine
    _m(
        "--workbook is written by the pandas engine only; run without --engine dask for it",
        "工作簿（--workbook）只由 pandas 引擎写出；要工作簿请不加 --engine dask 再运行一次",
    ),
    _m("{source}: no such file or folder", "{source}：没有这个文件或文件夹"),
    _m(
        "{source}: the folder holds no .parquet files (the Dask engine reads a folder of Parquet parts)",
        "{source}：文件夹里没有 .parquet 文件（Dask 引擎读取由 Parquet 分块组成的文件夹）",
    ),
    _m(
        "{source}: workbooks are read by the pandas engine only; run without --engine dask, or save the sheet as "
        "CSV or Parquet",
        "{source}：工作簿只由 pandas 引擎读取；请不加 --engine dask 运行，或把工作表另存为 CSV 或 Parquet",
    ),
    _m(
        "{source}: unknown file type '{suffix}'; the Dask engine reads .parquet files, folders of them, and .csv",
        "{source}：未知的文件类型“{suffix}”；Dask 引擎读取 .parquet 文件、由它们组成的文件夹和 .csv",
    ),
    _m("{source}: not a readable CSV table ({detail})", "{source}：无法读取的 CSV 表格（{detail}）"),
    _m("{source}: not readable ({error})", "{source}：无法读取（{error}）"),
    _m(
        "{source}: text is neither UTF-8 nor GB18030/GBK ({encoding} failed)",
        "{source}：文本既不是 UTF-8 也不是 GB18030/GBK（按 {encoding} 解码失败）",
    ),
    _m("{source}: not a readable Parquet file ({error})", "{source}：无法读取的 Parquet 文件（{error}）"),
    _m(
        "cannot reach the Dask scheduler at {address} ({reason}); check the address (tcp://HOST:8786) and that "
        "the scheduler runs, or leave out --scheduler for a local cluster",
        "连不上 {address} 的 Dask 调度器（{reason}）；请检查地址（tcp://HOST:8786）以及调度器是否在运行，"
        "或不加 --scheduler 改用本机集群",
    ),
    _m(
        "the Dask scheduler at {address} has no workers; start some (dask worker {address}) or leave out "
        "--scheduler for a local cluster",
        "{address} 的 Dask 调度器没有工作进程；请启动一些（dask worker {address}），或不加 --scheduler 改用本机集群",
    ),
    _m(
        "workers {workers} cannot import the analysis package; install this project (pip install .) in the "
        "workers' environment",
        "工作进程 {workers} 无法导入 analysis 包；请在工作进程的环境中安装本项目（pip install .）",
    ),
    _m(
        "--worker-memory '{value}' is not a size; write it as 6GB or 6000MB",
        "--worker-memory 的值“{value}”不是大小；请写成 6GB 或 6000MB",
    ),
    _m(
        "--worker-memory sets the workers of a local cluster; an existing cluster's workers set their own "
        "(dask worker ADDRESS --memory-limit 6GB)",
        "--worker-memory 设置本机集群的工作进程；已有集群的工作进程自行设置（dask worker ADDRESS --memory-limit 6GB）",
    ),
    # the case register (--register, register import)
    _m(
        "--register is recorded by the pandas engine only; run without --engine dask for it",
        "登记簿（--register）只由 pandas 引擎记录；请不加 --engine dask 运行",
    ),
    _m(
        "{db} is in use by another run (waited {n} s); try again when it has finished",
        "{db} 正被另一次运行使用（已等待 {n} 秒）；请等它结束后再试",
    ),
    _m(
        "{db} was written under another key: this key is not the register's (check ANALYSIS_REGISTER_KEY or the "
        "key file); nothing was changed",
        "{db} 是用另一个密钥写入的：当前密钥不是该登记簿的（请检查 ANALYSIS_REGISTER_KEY 或密钥文件）；未作任何改动",
    ),
    _m(
        "{path} is missing: the register {db} was written under a key; restore the key file or set "
        "ANALYSIS_REGISTER_KEY",
        "缺少 {path}：登记簿 {db} 是用密钥写入的；请恢复密钥文件，或设置 ANALYSIS_REGISTER_KEY",
    ),
    _m(
        "a PostgreSQL register needs its key in the environment variable ANALYSIS_REGISTER_KEY",
        "PostgreSQL 登记簿的密钥须放在环境变量 ANALYSIS_REGISTER_KEY 中",
    ),
    _m("cannot open the register {db}: {reason}", "无法打开登记簿 {db}：{reason}"),
    _m(
        "{db} was written by a newer version of this tool (schema {n}); update it",
        "{db} 是由本工具的更新版本写入的（结构版本 {n}）；请更新本工具",
    ),
    _m("{db}: not a register this tool can open ({reason})", "{db}：不是本工具能打开的登记簿（{reason}）"),
    _m("{db}: no such register", "{db}：没有这个登记簿"),
    _m("{path}: not a workbook this tool can read ({error})", "{path}：不是本工具能读取的工作簿（{error}）"),
    _m(
        "{path}: no sheet '{sheet}' (was it written by a run with --register?)",
        "{path}：没有工作表“{sheet}”（它是由带 --register 的运行写出的吗？）",
    ),
    _m("{path}: sheet '{sheet}' has no column '{name}'", "{path}：工作表“{sheet}”中没有列“{name}”"),
    _m(
        "{path}: sheet '{sheet}' cell {cell}: '{value}' is not a register case",
        "{path}：工作表“{sheet}”单元格 {cell}：“{value}”不是登记编号",
    ),
    _m(
        "{path}: sheet '{sheet}' cell {cell}: status '{value}' is not one of 待核查 to check, 已联系 contacted, "
        "已注销 card cancelled, 无需处理 no action needed; nothing was stored",
        (
            "{path}：工作表“{sheet}”单元格 {cell}：处理状态“{value}”不是 待核查、已联系、已注销、无需处理 之一；"
            "未保存任何内容"
        ),
    ),
    _m(
        "{path}: case {case} is not in the register {db}; nothing was stored",
        "{path}：案件 {case} 不在登记簿 {db} 中；未保存任何内容",
    ),
]

# The system's reasons for refusing to read or write (`{oserror}`), in Chinese where known.
OS_REASONS = {
    errno.EACCES: "没有权限",
    errno.EPERM: "不允许这样操作",
    errno.EEXIST: "已有同名的文件",
    errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统是只读的",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.ENOENT: "没有这个文件或文件夹",
    errno.EBUSY: "设备或资源正忙",
    errno.ENAMETOOLONG: "文件名太长",
    errno.EDQUOT: "超出了磁盘配额",
    errno.EMFILE: "打开的文件太多",
    errno.EIO: "读写出错（输入/输出错误）",
    errno.ENOTEMPTY: "文件夹不是空的",
    errno.EINVAL: "参数无效（文件名里有不允许的字符？）",
}
_OS_REASON_ZH = {os.strerror(code): zh for code, zh in OS_REASONS.items()}
_OS_REASON_ZH["The process cannot access the file because it is being used by another process"] = (
    "文件正被另一个程序使用（在 Excel 中打开着？请先关闭）"
)
_GROUPS = {"oserror": "|".join(re.escape(r) for r in sorted({*_OS_REASON_ZH, *map(os.strerror, errno.errorcode)}))}


def _pattern(english: str) -> re.Pattern:
    """An English message with {placeholders} as a regex with a named group for each (the same name again:
    the same text again)."""
    seen: set[str] = set()
    out = []
    for part in re.split(r"(\{\w+\})", english):
        name = part[1:-1] if re.fullmatch(r"\{\w+\}", part) else None
        if name is None:
            out.append(re.escape(part))
        elif name in seen:
            out.append(f"(?P={name})")
        else:
            seen.add(name)
            out.append(f"(?P<{name}>{_GROUPS.get(name, '.*?')})")
    return re.compile("".join(out), re.DOTALL)


_COMPILED = [(_pattern(en), len(re.sub(r"\{\w+\}", "", en)), zh) for en, zh in CATALOGUE]


def one_line(text: object) -> str:
    """Text as one line: line breaks become spaces."""
    return " ".join(str(text).splitlines())


def chinese(english: str) -> str | None:
    """The Chinese of an English message (without "error: "), its values carried over; None when unknown."""
    best = None
    for pattern, literal, zh in _COMPILED:
        found = pattern.fullmatch(english)
        whole = found is not None
        found = found or pattern.match(english)
        if found and (best is None or (whole, literal) > best[0]):
            best = ((whole, literal), found, zh)
    if best is None:
        return None
    values = best[1].groupdict()
    if "oserror" in values:
        values["oserror"] = _OS_REASON_ZH.get(values["oserror"], values["oserror"])
    return best[2].format(**values)


def both(zh: str, en: str) -> str:
    """One line: the Chinese first, then the English."""
    return one_line(f"{zh}{SEPARATOR}{en}")


def error_line(message: object, prefix: str = "error: ") -> str:
    """The one line an error prints: `错误：中文 | error: English` (English only when the catalogue does not know
    the message). `prefix`: what comes before the English message (argparse: 'PROG: error: ')."""
    english = one_line(message)
    zh = chinese(english)
    return both(ZH_ERROR + zh, prefix + english) if zh is not None else prefix + english
