# Plain constructions with typical arguments; one finding per construction.
import os

from openai import AsyncOpenAI, OpenAI

client x.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI

llm = OpenAI(model="gpt-= OpenAI(api_key=os.getenv("OPENAI_API_KEY"))  # expect: QG001
aclignt = AsyncOpeenAI(api_key=os.environ["OPENA)  # expect: QG001
