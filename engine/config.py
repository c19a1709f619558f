"""Engine settings and where SmartDJ keeps its files.

Precedence: command-line flags > environment (``SMARTDJ_*``) > TOML config file > defaults.
Paths: ``$SMARTDJ_HOME`` (default ``~/.local/share/smartdj``) holds ``state/`` (the job store)
and ``models/`` (installed checkpoints). Loopback only unless remote use is opted into with a
token and a list of allowed folders.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from smartdj.bridge.protocol import DEFAULT_OSC, DEFAULT_ZMQ_ENDPOINT

DEFAULT_ZMQ = DEFAULT_ZMQ_ENDPOINT
_MIB = 1 << 20


class ConfigError(ValueError):
    """Settings that cannot be used, with how to fix them."""


def smartdj_home() -> Path:
    return Path(os.environ.get("SMARTDJ_HOME") or Path.home() / ".local" / "share" / "smartdj").expanduser()


def state_dir() -> Path:
    return Path(os.environ.get("SMARTDJ_STATE_DIR") or smartdj_home() / "state").expanduser()


def models_dir() -> Path:
    return Path(os.environ.get("SMARTDJ_MODELS_DIR") or smartdj_home() / "models").expanduser()


def cache_budget_bytes() -> int:
    """Memory for the composer's audio caches: ``SMARTDJ_CACHE_MB``, else 2% of the machine's memory
    (at least 32 MiB, at most 768 MiB), so a small machine is not filled by a stream of jobs."""
    given = os.environ.get("SMARTDJ_CACHE_MB")
    if given:
        try:
            return max(1, int(float(given))) * _MIB
        except ValueError:
            raise ConfigError(f"SMARTDJ_CACHE_MB={given!r} is not a number of MiB (e.g. 256)") from None
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return int(min(max(total * 0.02, 32 * _MIB), 768 * _MIB))


def debug_step_delay() -> float:
    """Test hook: ``SMARTDJ_DEBUG_STEP_DELAY`` seconds of cancellable work per step (default none)."""
    try:
        return max(0.0, float(os.environ.get("SMARTDJ_DEBUG_STEP_DELAY") or 0))
    except ValueError:
        return 0.0


def read_token_file(path: str | os.PathLike) -> str:
    """The shared token from a file (first line, whitespace stripped); ConfigError if unusable."""
    try:
        token = Path(path).expanduser().read_text(encoding="utf-8").strip().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"token file {path} cannot be read: {e}; write the token on its first line") from None
    if not token or not token[0].strip():
        raise ConfigError(f"token file {path} is empty; write the token on its first line")
    return token[0].strip()


def hub_offline() -> bool:
    """Whether Hugging Face downloads are off (``HF_HUB_OFFLINE`` set to 1/true/yes/on)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def keep_hub_offline() -> None:
    """Model commands never download weights unless the user asks: ``HF_HUB_OFFLINE=1`` unless already set."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")


LLM_VARIABLES = {"url": "SMARTDJ_LLM_URL", "model": "SMARTDJ_LLM_MODEL", "api_key": "SMARTDJ_LLM_API_KEY"}


def llm_settings() -> dict[str, str | None]:
    """The OpenAI-compatible LLM planner's endpoint, model and key from the environment (:data:`LLM_VARIABLES`)."""
    return {k: os.environ.get(v) or None for k, v in LLM_VARIABLES.items()}


def bundled_library() -> Path:
    """The example clips shipped in the package (``smartdj/data/audio``)."""
    import smartdj

    return Path(smartdj.__file__).resolve().parent / "data" / "audio"


@dataclass
class Settings:
    zmq: str = DEFAULT_ZMQ
    osc: str = DEFAULT_OSC  # "host:port"; "" or "off" disables OSC
    state_dir: Path = field(default_factory=state_dir)
    library: Path | None = None  # None = the bundled examples
    token: str | None = None  # also from token_file, or SMARTDJ_TOKEN (neither shows in the process list)
    token_file: Path | None = None
    allow_remote: bool = False
    allowed_dirs: list[Path] = field(default_factory=list)
    checkpoint: str | None = None  # diffusion checkpoint folder or name under models_dir()
    separators: str | None = None  # extra separator backends, "module:attr,..." (engine/execution/separation_registry)
    device: str | None = None

    @property
    def osc_enabled(self) -> bool:
        return bool(self.osc) and self.osc.lower() != "off"

    def zmq_host(self) -> str:
        rest = self.zmq.split("://", 1)[-1]
        return rest.rsplit(":", 1)[0]

    def osc_addr(self) -> tuple[str, int]:
        return parse_hostport(self.osc)

    def check(self) -> None:
        """Refuse unsafe or unusable combinations (binding beyond loopback without opt-in + token)."""
        if not self.zmq.startswith(("tcp://", "ipc://", "inproc://")):
            raise ConfigError(f"zmq endpoint {self.zmq!r} must look like {DEFAULT_ZMQ_ENDPOINT}")
        hosts = []
        if self.zmq.startswith("tcp://"):
            hosts.append(("zmq", self.zmq_host()))
        if self.osc_enabled:
            hosts.append(("osc", self.osc_addr()[0]))
        remote = [f"{name}={h}" for name, h in hosts if not is_loopback(h)]
        if remote:
            if not self.allow_remote:
                raise ConfigError(f"refusing to listen beyond loopback ({', '.join(remote)}): pass --allow-remote "
                                  "and a token (--token-file, or SMARTDJ_TOKEN), plus --allowed-dir for the folders clients may use")
            if not self.token:
                raise ConfigError(f"listening beyond loopback ({', '.join(remote)}) needs a shared token "
                                  "(--token-file FILE or SMARTDJ_TOKEN) that every request must carry")
            if not self.allowed_dirs:
                raise ConfigError("remote mode needs at least one --allowed-dir: the folders remote clients may "
                                  "read items from and write renders to")

    @property
    def restrict_dirs(self) -> bool:
        return bool(self.allowed_dirs)


def parse_hostport(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    if not sep or not host:
        raise ConfigError(f"OSC address {text!r} must look like {DEFAULT_OSC}")
    try:
        p = int(port)
    except ValueError:
        raise ConfigError(f"OSC address {text!r}: port {port!r} is not a number") from None
    if not 0 <= p <= 65535:
        raise ConfigError(f"OSC address {text!r}: port out of range")
    return host.strip("[]"), p


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(a[4][0]).is_loopback for a in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


_ENV = {
    "zmq": "SMARTDJ_ZMQ", "osc": "SMARTDJ_OSC", "state_dir": "SMARTDJ_STATE_DIR", "library": "SMARTDJ_LIBRARY",
    "token": "SMARTDJ_TOKEN", "token_file": "SMARTDJ_TOKEN_FILE", "allow_remote": "SMARTDJ_ALLOW_REMOTE", "allowed_dirs": "SMARTDJ_ALLOWED_DIRS",
    "checkpoint": "SMARTDJ_CHECKPOINT", "device": "SMARTDJ_DEVICE", "separators": "SMARTDJ_SEPARATORS",
}


def env_var(setting: str) -> str:
    """The environment variable of a setting (``env_var("token")`` -> ``SMARTDJ_TOKEN``), for help texts."""
    return _ENV[setting]


def _coerce(name: str, value: Any) -> Any:
    if name in ("state_dir", "library", "token_file"):
        return None if value in (None, "") else Path(str(value)).expanduser()
    if name == "allow_remote":
        return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes", "on")
    if name == "allowed_dirs":
        if isinstance(value, str):
            value = [v for v in value.split(os.pathsep) if v]
        return [Path(str(v)).expanduser().resolve() for v in value]
    return None if value is None else str(value)


def load_settings(flags: dict[str, Any] | None = None, config_file: str | os.PathLike | None = None,
                  env: dict[str, str] | None = None) -> Settings:
    """Merge defaults < TOML (``[engine]`` table or top level) < environment < flags (None = not given)."""
    env = os.environ if env is None else env
    merged: dict[str, Any] = {}
    config_file = config_file or env.get("SMARTDJ_CONFIG")
    if config_file:
        try:
            import tomllib
        except ModuleNotFoundError:  # Python 3.10
            import tomli as tomllib

        try:
            with open(config_file, "rb") as f:
                doc = tomllib.load(f)
        except FileNotFoundError:
            raise ConfigError(f"config file {config_file} does not exist") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ConfigError(f"config file {config_file} is not valid TOML: {e}") from None
        table = doc.get("engine", doc)
        for key, value in table.items():
            key = key.replace("-", "_")
            if key not in _ENV:
                raise ConfigError(f"config file {config_file}: unknown setting {key!r}; known: {', '.join(_ENV)}")
            merged[key] = value
    for key, var in _ENV.items():
        if env.get(var):
            merged[key] = env[var]
    for key, value in (flags or {}).items():
        if value is not None and value != [] and value is not False:
            merged[key] = value
    s = Settings()
    for key, value in merged.items():
        setattr(s, key, _coerce(key, value))
    if s.state_dir is None:
        s.state_dir = state_dir()
    if s.token_file is not None and not s.token:
        s.token = read_token_file(s.token_file)
    if s.token is not None and (not s.token or not s.token.isascii() or not s.token.isprintable()):
        raise ConfigError("the token must be non-empty printable ASCII (letters, digits, punctuation)")
    return s


def os_folder(variable: str, default: Path) -> Path:
    """A folder an OS environment variable names (``APPDATA``, ``XDG_CONFIG_HOME``...), else ``default``."""
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else default


DEV_CLIPS_VARIABLE = "SMARTDJ_DEV_CLIPS"


def dev_clips_dir(explicit: str | os.PathLike | None = None) -> Path | None:
    """The labelled development clips for evaluations: the flag, ``SMARTDJ_DEV_CLIPS``, or
    ``shared/audio/dev`` beside the checkout; None when none of them is a folder."""
    given = explicit or os.environ.get(DEV_CLIPS_VARIABLE)
    if given:
        return Path(given).expanduser() if Path(given).expanduser().is_dir() else None
    beside = Path(__file__).resolve().parents[2] / "shared" / "audio" / "dev"
    return beside if beside.is_dir() else None
