"""Settings, split by concern: graph server, LLM backends, stages, secrets, loading.

Defaults < ``kgsynth.toml`` < ``KGSYNTH_*`` environment < command line; validated up front.
"""

from kgsynth.config.curate import CurateConfig
from kgsynth.config.filter import FilterConfig
from kgsynth.config.graph import Neo4jConfig
from kgsynth.config.llm import (
    LLMConfig,
    OpenAIConfig,
    RayConfig,
    TransformersConfig,
    VLLMConfig,
    llm_config,
)
from kgsynth.config.loader import load_settings
from kgsynth.config.names import NamesConfig
from kgsynth.config.prompts import PromptsConfig
from kgsynth.config.secrets import mask, mask_uri
from kgsynth.config.settings import Settings, changed
from kgsynth.config.stages import DedupConfig, ExtractConfig, GenerateConfig, SampleConfig

__all__ = [
    "CurateConfig",
    "DedupConfig",
    "ExtractConfig",
    "FilterConfig",
    "GenerateConfig",
    "LLMConfig",
    "NamesConfig",
    "Neo4jConfig",
    "OpenAIConfig",
    "PromptsConfig",
    "RayConfig",
    "SampleConfig",
    "Settings",
    "TransformersConfig",
    "VLLMConfig",
    "changed",
    "llm_config",
    "load_settings",
    "mask",
    "mask_uri",
]
