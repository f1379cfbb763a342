"""A synthetic codebase for bench/qg010's own test: one call of each kind candidates.py lists."""
import httpx
import litellm
import quotaguard
from langchain_community.embeddings import DashScopeEmbeddings
from langchain_openai import ChatOpenAI


def answer(question: str, model_name: str) -> str:
    chat = ChatOpenAI(model="gpt-4o-mini")  # expect
    plain = ChatOpenAI(model="gpt-4o", http_client=httpx.Client())  # expect: a plain HTTP client
    tracked = ChatOpenAI(model="gpt-4o", http_client=quotaguard.instrument_http_client(httpx.Client()))  # handed
    litellm.completion(model="gpt-4o", messages=[{"role": "user", "content": question}])  # expect
    litellm.completion(model=model_name, messages=[])  # gated: a model held in a variable
    DashScopeEmbeddings(model="text-embedding-v1")  # unlisted: not OpenAI's, for reading by hand
    return str((chat, plain, tracked))
