# A plain HTTP client, or none at all, handed over through a name is no tracked client: the
# library still builds an untracked openai client. (Shape of langchain-ai/opengpts
# backend/app/llms.py at 8e7fef72e1.)
import os

import httpx
from langchain_openai import AzureChatOpenAI, ChatOpenAI

import quotaguard


def proxied(model):
    proxy_url = os.environ.get("PROXY_URL")
    http_client = None
    if proxy_url:
        http_client = httpx.AsyncClient(proxies=proxy_url)
    return ChatOpenAI(http_client=http_client, model=model)  # expect: QG010


def azure(model):
    http_client = httpx.Client()
    return AzureChatOpenAI(http_client=http_client, azure_deployment=model)  # expect: QG010


def none_literal():
    return ChatOpenAI(model="gpt-4o", http_client=None)  # expect: QG010


def none_in_a_name():
    client = None
    return ChatOpenAI(model="gpt-4o", http_client=client)  # expect: QG010


def tracked_in_a_name():
    client = quotaguard.instrument_http_client(httpx.Client())
    return ChatOpenAI(model="gpt-4o", http_client=client)


def from_a_parameter(client):
    return ChatOpenAI(model="gpt-4o", http_client=client)  # unknown: not reported, as today
