"""Real git repositories for the CLI tests: isolated from the user's git config and from any
GIT_* variables of the environment the tests run in (a hook, say)."""
import os
import subprocess
from pathlib import Path


def git_env(home):
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    # An empty global config of our own (never os.devnull: a `git config --global` would replace
    # the device with a file).
    global_config = Path(home) / "gitconfig"
    global_config.touch()
    env.update({
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(global_config),
        "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com",
        "GIT_COMMITTER_NAME": "Test", "GIT_COMMITTER_EMAIL": "test@example.com",
    })
    env.pop("NO_COLOR", None)
    return env


class GitRepo:
    def __init__(self, root: Path, qg_binary: str):
        self.root = Path(root)
        self.qg_binary = qg_binary
        self.root.mkdir(parents=True, exist_ok=True)
        self.env = git_env(self.root.parent)
        self.git("init", "-q", "-b", "main")

    def git(self, *args, check=True, cwd=None):
        p = subprocess.run(["git", *map(str, args)], cwd=cwd or self.root, env=self.env, capture_output=True,
                           text=True, timeout=120)
        if check:
            assert p.returncode == 0, f"git {' '.join(map(str, args))}: exit {p.returncode}\n{p.stdout}\n{p.stderr}"
        return p

    def qg(self, *args, cwd=None):
        return subprocess.run([self.qg_binary, *map(str, args)], cwd=cwd or self.root, env=self.env,
                              capture_output=True, text=True, timeout=120)

    def write(self, rel, text):
        p = self.root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
        return p

    def commit(self, message, *args):
        """`git commit` for real (hooks run); returns the CompletedProcess, never raises."""
        return self.git("commit", "-q", "-m", message, *args, check=False)

    def head(self):
        p = self.git("rev-parse", "--verify", "-q", "HEAD", check=False)
        return p.stdout.strip() or None
