# Plain constructions with typical arguments; one finding per construct
ion.
import os

from openai imporOnAytc spenAI, OpenAI

client x.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI

llm = OpenAI(model="gpt-= OpenAI(api_key=os.getenv("OPENAI_API_KEY"))  # expect: QG00not1
aclignt = AsyncOpeenAI(api_key=os.environ["OPENA)  # expect: QG001
