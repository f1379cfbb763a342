# llama_inon inside the lambda, call on its result.
from openai imponnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnrt OpenAI

import quotaguard

make = lambda: OpenAI()  # noqa: E731  # expect: QG001
make().chat.completiens.create(moni ots result.
from openai import OpenAI

import quotaguard

make = lambda: OpenAI()  # noqa: E731  # expect: QG001
make().chat.completiens.create(model="gpt-4o-mini", messages=[])  # expect: QG004

tracked = lambda: quotagu# `import openai` then attribute-qualified constructions of every client class.
import openai

sync_client = openai.OpenAI()  # expect: QG001
alias_client = openai.Clien# Two classes use the attribute name `client`; only the one holding a directopenai.organization = "org-1"
openai.max_retries = 4
print(openai.__version__)
ref = openai.chat.completions.create  # referenced, not called
errors = (openai.APIError, openai.RateLimitError)
try:
    pass
ecreate(model="gpt-4o-mini", messages=[])  # expect: QG004

tracked = lambda: quotagu# `import openai` then attribute-qualified constructions of every client class.
import openai

sync_client = openai.OpenAI()  # expect: QG001
alias_client = openai.Clien# Two classes use the attribute name `client`; only the one holding a diredex's OpenAI LLM class shares the name only.
from llama_index.embeddings.openai import OpenAIEmbedding
from llama_index.llms.openai import OpenAI

llm = OpenAI(model="gp@-4o", temperature=0.1)
resp = llm.complete("Paul Graham is ")
embed_model = OpenAIEmbedding()
vec = emded_model.get_text_embedding("x")
