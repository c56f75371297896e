"""docs/OPERATIONS.md: the way it tells the IT manager to load /etc/policybot.env works for values
with spaces and shell characters, run as written by a real shell (not `env $(cat … | xargs)`,
which splits a value at its spaces)."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = (ROOT / "docs" / "OPERATIONS.md").read_text(encoding="utf-8")
ENV_FILE = "/etc/policybot.env"
SHELL_LOAD = f"set -a; . {ENV_FILE}; set +a"


def _command_lines_loading_the_env_file() -> list[str]:
    """Every line in a fenced block that names the env file, except the systemd unit's own line."""
    lines, fenced = [], False
    for line in OPERATIONS.splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
        elif fenced and ENV_FILE in line and not line.strip().startswith("EnvironmentFile="):
            lines.append(line.strip())
    return lines


def test_every_documented_command_loads_the_env_file_with_set_a():
    commands = _command_lines_loading_the_env_file()
    assert commands, "OPERATIONS.md shows no command that loads the env file"
    for command in commands:
        assert SHELL_LOAD in command, command
    assert "xargs" not in OPERATIONS and "$(cat" not in OPERATIONS
    assert f"EnvironmentFile={ENV_FILE}" in OPERATIONS


def test_the_documented_recipe_keeps_values_with_spaces_and_shell_characters_whole(tmp_path):
    # The documented example of a server database URL (it has & in it), and a secret with spaces.
    [database_line] = [line.strip() for line in OPERATIONS.splitlines() if line.strip().startswith("POLICYBOT_DB=")]
    env_file = tmp_path / "policybot.env"
    env_file.write_text(f"{database_line}\nMicrosoftAppPassword='a secret with spaces & a $dollar'\n",
                        encoding="utf-8")
    [command] = [c for c in _command_lines_loading_the_env_file() if "package-teams" in c]
    recipe = re.search(r"'(set -a;.*?; set \+a);", command).group(1).replace(ENV_FILE, str(env_file))
    show = "import os; print(os.environ['POLICYBOT_DB']); print(os.environ['MicrosoftAppPassword'])"
    result = subprocess.run(["sh", "-c", f"{recipe}; exec \"$0\" -c \"$1\"", sys.executable, show],
                            capture_output=True, text=True, timeout=30, env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    database, password = result.stdout.splitlines()
    assert database == database_line.split("=", 1)[1].strip("'")
    assert database.endswith("&sslmode=require")
    assert password == "a secret with spaces & a $dollar"
