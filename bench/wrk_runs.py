"""wrk processes started side by side, and the figures each one reports."""

import re
import subprocess
import tempfile
from pathlib import Path

from pages import parse_wrk

WRK_LUA = """
local paths = {{{paths}}}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i % #paths) + 1])
end
"""


def wrk(url: str, seconds: int, connections: int, threads: int, *, paths=None, headers=()) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "--latency",
    ]
    for header in headers:
        command += ["-H", header]
    script = None
    if paths:
        script = Path(tempfile.mkstemp(suffix=".lua")[1])
        script.write_text(WRK_LUA.format(paths=", ".join(f'"{p}"' for p in paths)))
        command += ["-s", str(script)]
    return {
        "process": subprocess.Popen([*command, url], stdout=subprocess.PIPE, text=True),
        "command": " ".join(command + [url]),
        "script": script,
    }


def wrk_result(started: dict) -> dict:
    out = started["process"].communicate()[0]
    if started["script"]:
        started["script"].unlink()
    figures = parse_wrk(out)
    socket_errors = sum(int(n) for n in re.findall(r"\d+", figures["socket_errors"]))
    return {
        "rps": figures["rps"],
        "p99_ms": figures["p99_ms"],
        "errors": figures["non_2xx"] + socket_errors,
        "command": started["command"],
    }
