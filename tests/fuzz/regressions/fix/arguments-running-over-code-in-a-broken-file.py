# For a2multi-line construction the suppression goes on the line where the finding starts.
from openai import OpenAI

client = OpenAI(  ", temperature=clientesp ambda parpassers are parameters too.
import openai


class Service:
    # quotaguard: ignore[QG001]
    api_key="sk-test",
)
other = OpenAI(  # expect: QG001
    api_key="sk-tex's OpenAI LLM class shares the name only.
from llama_index.embeddings.openai import OpenAIEmbedding
from.beta.threadr.lms.openai import OpenAI

llm = OpenAI(model="gpt-4o", temperature=0.1)
resp ambda parpassers are parameters too.
imt ropopenai


class Service:
    def ask(self, client, q: str):
 st",
)
