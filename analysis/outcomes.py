"""The lines the commands print when they succeed, Chinese first then English (errors: messages.py)."""

from __future__ import annotations

from .messages import both


def flag_summary(result: dict, flags: list[str], out: str) -> str:
    """The line `flag` prints when done: the counts in Chinese, then in English."""
    from .labels import FLAG_ZH  # imports pandas: only once the command has run

    zh_counts = "，".join(f"{FLAG_ZH.get(k, k)} {'未检查' if result[k] is None else result[k]}" for k in flags)
    en_counts = ", ".join(f"{k} {'not checked' if result[k] is None else result[k]}" for k in flags)
    return both(
        f"读取 {result['rows_read']} 行，无问题 {result['rows_clean']} 行；{zh_counts}；"
        f"案件 {result['cases']} 个 -> {out}",
        f"{result['rows_read']} rows read, {result['rows_clean']} clean; {en_counts}; {result['cases']} cases -> {out}",
    )


def report_written(index: object) -> str:
    return both(f"报告已写出：{index}", f"report written: {index}")


def cleaned(out: str, removed: int, kept: list[str], folder_gone: bool) -> str:
    """The line `clean` prints: what it removed, and the files it kept because they changed since written."""
    zh = f"已删除 {out} 中本工具写出的 {removed} 个文件"
    en = f"removed {removed} files the tool wrote in {out}"
    if folder_gone:
        zh += "，文件夹已空，一并删除"
        en += ", and the folder, now empty"
    if kept:
        zh += f"；保留 {len(kept)} 个写出后又被改动过的文件：{', '.join(kept)}"
        en += f"; kept {len(kept)} changed since the tool wrote them: {', '.join(kept)}"
    return both(zh, en)


def nothing_to_clean(out: str, manifest: str, folder: bool) -> str:
    if not folder:
        return both(f"{out} 不存在，无需清理", f"{out}: no such folder; nothing to clean")
    return both(
        f"{out} 中没有本工具写出的文件清单（{manifest}），什么都没有删除",
        f"{out}: no list of files the tool wrote ({manifest}) in it; nothing removed",
    )


def register_line(recorded, db: str) -> str:
    """The line a run with --register prints: the cases per state, or that the file was recorded before."""
    counts = recorded.counts
    zh_states = f"新 {counts['new']}，仍在 {counts['open']}，已消失 {counts['gone']}，重现 {counts['back']}"
    en_states = f"new {counts['new']}, open {counts['open']}, gone {counts['gone']}, back {counts['back']}"
    if not recorded.recorded:
        return both(
            f"登记簿 {db} 已记录过同一文件（第 {recorded.run_id} 次运行），未再记录，登记簿未改动；该次：{zh_states}",
            f"register {db}: this file was recorded before (run {recorded.run_id}); not recorded again, the register "
            f"is unchanged; that run: {en_states}",
        )
    return both(
        f"登记簿 {db}：已记录第 {recorded.run_id} 次运行；{zh_states}",
        f"register {db}: run {recorded.run_id} recorded; {en_states}",
    )


def statuses_stored(stored: int, book: str, db: str) -> str:
    """The line `register import` prints."""
    if not stored:
        return both(
            f"{book} 中的处理状态与登记簿 {db} 相同，无需保存",
            f"{book}: no status or note differs from {db}; nothing stored",
        )
    return both(
        f"已把 {book} 中 {stored} 个案件的处理状态和备注存入 {db}",
        f"stored {stored} cases' status and note from {book} in {db}",
    )
