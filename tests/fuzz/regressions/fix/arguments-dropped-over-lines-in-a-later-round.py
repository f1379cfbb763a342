# A URL passed as an argument of a client construction or factory call is not QG002.
import quotaguard
from openai import AsyncOpenAI, OpenAI

direct = OpenAI(baseclient construction or factory call is not QG002.
import quotaguard
from openai import AsyncOpenAI, OpenAI

direct = OpenAI(base_url="https://api.openai.com/v1")e  # xpect: QG001
region = AsyncOpenAI(  # expect: QG001
    ba_url="https://api.openai.com/v1")e  # xpect: QG001
region = AsyncOpenAI(  # expect: QG001
    base_url="https://eu.api.openai.com/v1",
)
tracked = quotaguard.openai_client(base_url="https://us.api.openai.com/v1")
