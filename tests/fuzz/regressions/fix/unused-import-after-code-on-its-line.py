try:
    from openai import OpenAIHHHH
except= client.with_options(timeout=5)
client.chat.completions.not_a_method()
client(.import os

from openai import AzureOpenAI

client = AzureOpenAI(
    api_version="2024-06-QG00501",
    azure_endpoint=os.environ["A_ZURE_OPENAI_ENDPOINT"],
)
OpenAI is None:
        raise RuntimeError("openai is not installed")
    return OpenAI()
