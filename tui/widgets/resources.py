"""The resource panel: CPU and memory of the process that trains, and each GPU's utilisation and memory
where the worker found one (nothing about GPUs where there is none)."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from engine.store import ProgressRow


def size_text(n: int | None) -> str:
    if n is None:
        return "-"
    gib = n / 2**30
    return f"{gib:.1f} GiB" if gib >= 1 else f"{n / 2**20:.0f} MiB"


def resources_text(live: ProgressRow | None, device: str | None = None) -> Text:
    if live is None:
        return Text("resources: shown while a run trains", style="dim")
    cpu = "-" if live.cpu_percent is None else f"{live.cpu_percent:.0f}%"
    text = Text("CPU ", style="bold")
    text.append(f"{cpu}  ")
    text.append("RAM ", style="bold")
    text.append(size_text(live.rss_bytes))
    for gpu in live.gpus:
        util = "-" if gpu.utilization_percent is None else f"{gpu.utilization_percent:.0f}%"
        text.append(f"  GPU{gpu.index} ", style="bold")
        text.append(f"{util} · {size_text(gpu.memory_used_bytes)}/{size_text(gpu.memory_total_bytes)}")
    if not live.gpus and device and "GPU" in device.upper():
        text.append("  (GPU use unknown: no NVIDIA driver library)", style="dim")
    return text


class ResourcePanel(Static):
    DEFAULT_CSS = """
    ResourcePanel {
        height: 1;
        padding: 0 1;
    }
    """

    def show(self, live: ProgressRow | None, device: str | None = None) -> None:
        self.update(resources_text(live, device))
