"""`remiss search` and `remiss ask` as a user runs them: a subprocess on the ingested corpus."""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
from pathlib import Path

import pytest
from cli_process import cli_command, cli_env, run_cli
from ports import unused_port

from assistant.cli import _parser, main
from assistant.settings import Settings

HIT_KEYS = {
    "rank",
    "score",
    "text",
    "doc_id",
    "source",
    "title",
    "organisation",
    "body",
    "section",
    "page",
    "start",
    "end",
}
MALMO_Q = "Vad tycker Malmö om riktade statsbidrag?"


def cli_runner(settings: Settings, tmp_path: Path):
    """Run `remiss ...` in a subprocess against the index of `settings`."""
    env = cli_env(settings)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return run_cli(env, tmp_path, *args, timeout=180)

    return run


@pytest.fixture
def remiss(corpus_settings: Settings, tmp_path: Path):
    return cli_runner(corpus_settings, tmp_path)


def assert_hit(hit: dict) -> None:
    assert set(hit) >= HIT_KEYS, HIT_KEYS - set(hit)
    assert isinstance(hit["rank"], int) and isinstance(hit["score"], float)
    assert hit["text"] and hit["doc_id"] and hit["organisation"] and hit["body"] and hit["title"]
    assert isinstance(hit["start"], int) and isinstance(hit["end"], int) and hit["start"] < hit["end"]
    assert hit["page"] is None or isinstance(hit["page"], int)


def test_search_json(remiss, corpus_settings: Settings) -> None:
    result = remiss("search", "statsbidrag", "-k", "3", "--json")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert isinstance(hits, list) and len(hits) == 3
    for hit in hits:
        assert_hit(hit)
        assert "statsbidrag" in hit["text"].lower()
        source = Path(hit["source"])
        assert source.parent == corpus_settings.corpus_dir
        assert source.stem == hit["doc_id"]
    assert [h["rank"] for h in hits] == [1, 2, 3]
    assert all(a["score"] >= b["score"] for a, b in itertools.pairwise(hits))


def test_search_json_with_body_filter(remiss) -> None:
    result = remiss("search", "tillitsbaserad styrning", "-k", "4", "--json", "--body", "Farsta stadsdelsnämnd")
    assert result.returncode == 0, result.stderr
    hits = json.loads(result.stdout)
    assert hits
    assert {h["body"] for h in hits} == {"Farsta stadsdelsnämnd"}
    assert {h["organisation"] for h in hits} == {"Stockholms stad"}


def test_ask_json(remiss) -> None:
    result = remiss("ask", MALMO_Q, "--json")
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    assert {"question", "answer", "citations", "abstained", "mode"} <= set(record)
    assert record["question"] == MALMO_Q
    assert record["abstained"] is False
    assert record["mode"] == "extractive"
    assert "**Malmö stad, Arbetsmarknads- och socialnämnden" in record["answer"]  # the heading (and its stance)
    assert record["citations"]
    for citation in record["citations"]:
        assert isinstance(citation["n"], int)
        assert_hit(citation)
        assert f"[{citation['n']}]" in record["answer"]
    assert [c["n"] for c in record["citations"]] == list(range(1, len(record["citations"]) + 1))


def test_search_and_ask_batches(remiss, tmp_path: Path) -> None:
    questions = [
        MALMO_Q,
        "Vad anser Äldrenämnden om upphandling av äldreomsorg?",
        "Vad är tillitsbaserad styrning?",
    ]
    batch = tmp_path / "frågor.txt"
    batch.write_text("\n".join([questions[0], "", questions[1], "   ", questions[2]]) + "\n", encoding="utf-8")

    result = remiss("search", "--batch", str(batch), "-k", "2")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 3
    assert [line["question"] for line in lines] == questions
    for line in lines:
        assert set(line) == {"question", "hits"}
        assert len(line["hits"]) == 2
        for hit in line["hits"]:
            assert_hit(hit)
    assert lines[0]["hits"][0]["organisation"] == "Malmö stad"
    assert lines[1]["hits"][0]["body"] == "Äldrenämnden (äldreförvaltningen)"

    result = remiss("ask", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert [line["question"] for line in lines] == questions
    for line in lines:
        assert {"question", "answer", "citations", "abstained", "mode"} <= set(line)
        assert line["abstained"] is False
        assert line["citations"]


def test_empty_question_fails_cleanly(remiss) -> None:
    result = remiss("ask", "  ")
    assert result.returncode != 0
    assert "Frågan är tom" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_over_long_question_fails_cleanly(remiss, corpus_settings: Settings) -> None:
    question = ("Vad tycker Malmö om statsbidrag? " * 200)[:5000]
    result = remiss("ask", question)
    assert result.returncode != 0
    assert "för lång" in result.stderr
    assert str(corpus_settings.max_question_chars) in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_batch_file_names_the_path(remiss, tmp_path: Path) -> None:
    missing = tmp_path / "finns-inte" / "frågor.txt"
    result = remiss("search", "--batch", str(missing))
    assert result.returncode != 0
    assert str(missing) in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout.strip() == ""


def test_no_index_says_how_to_build_one(corpus_settings: Settings, tmp_path: Path) -> None:
    run = cli_runner(corpus_settings.model_copy(update={"data_dir": tmp_path / "empty"}), tmp_path)
    for command in ("ask", "search"):
        result = run(command, MALMO_Q)
        assert result.returncode == 1
        assert "remiss ingest" in result.stderr and "tomt" in result.stderr
        assert "Traceback" not in result.stderr + result.stdout


def test_output_cut_short_by_its_reader_ends_quietly(corpus_settings: Settings, tmp_path: Path) -> None:
    """`remiss ask --batch … | head -1`: the reader closes the pipe; no 'oväntat fel: BrokenPipeError'."""
    batch = tmp_path / "frågor.txt"
    batch.write_text("\n".join([MALMO_Q] * 4) + "\n", encoding="utf-8")
    proc = subprocess.Popen(
        cli_command("ask", "--batch", str(batch)),
        env=cli_env(corpus_settings),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        first = proc.stdout.readline()
        proc.stdout.close()  # like `head -1` after its line
        code = proc.wait(timeout=180)
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert json.loads(first)["question"] == MALMO_Q
    assert "BrokenPipe" not in err and "oväntat fel" not in err and "Traceback" not in err, err
    assert code == 141  # 128 + SIGPIPE, as a shell reports a process ended by a closed pipe


def test_the_fallback_notice_is_printed_once(corpus_settings: Settings, tmp_path: Path) -> None:
    env = cli_env(corpus_settings, REMISS_LLM_BASE_URL=f"http://127.0.0.1:{unused_port()}/v1", REMISS_LLM_MODEL="m")
    result = run_cli(env, tmp_path, "ask", MALMO_Q, timeout=180)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Språkmodellen svarade inte") == 1, result.stdout
    assert "Läge: extractive-fallback" in result.stdout


def test_every_option_of_every_command_says_what_it_does(capsys: pytest.CaptureFixture[str]) -> None:
    subcommands = next(a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction))
    for name, sub in subcommands.choices.items():
        for action in sub._actions:
            if not isinstance(action, argparse._HelpAction):
                assert action.help and action.help.strip(), f"remiss {name} {action.option_strings or action.dest}"
    for command, options in (
        ("eval", ("--dataset", "--out", "--record")),
        ("bench", ("--scales", "--out", "--port")),
        ("stats", ("--json",)),
        ("ask", ("--json",)),
    ):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0
        text = capsys.readouterr().out
        for option in options:
            (line,) = [line for line in text.splitlines() if line.strip().startswith(option)]
            assert len(line.split()) > 2, line  # the option and words saying what it does
