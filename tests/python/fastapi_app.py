"""A FastAPI service shaped like the assessed codebase: OpenAI calls behind its own endpoints,
one tracked async client per worker process, a tenant per request (the X-Tenant header).

Run by uvicorn_harness with several workers; QUOTAGUARD_CONFIG names the shared config (the
history db), QG_FAKE_BASE_URL the fake API."""
import contextlib
import os

import quotaguard
from fastapi import FastAPI, Header

client = None


@contextlib.asynccontextmanager
async def lifespan(app):
    global client
    quotaguard.configure()  # QUOTAGUARD_CONFIG: the shared history
    client = quotaguard.async_openai_client(api_key="sk-test", base_url=os.environ["QG_FAKE_BASE_URL"])
    yield
    await client.close()
    quotaguard.shutdown()  # the final flush of this worker's counts


app = FastAPI(lifespan=lifespan)
MESSAGES = [{"role": "user", "content": "Summarise the quarter in one line."}]


@app.get("/health")
async def health():
    return {"pid": os.getpid()}


@app.post("/chat")
async def chat(x_tenant: str = Header("default")):
    async with quotaguard.workspace(x_tenant):
        r = await client.chat.completions.create(model="gpt-4o", messages=MESSAGES)
    return {"pid": os.getpid(), "text": r.choices[0].message.content}


@app.post("/chat/stream")
async def chat_stream(x_tenant: str = Header("default")):
    text = []
    async with quotaguard.workspace(x_tenant):
        stream = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True,
                                                      stream_options={"include_usage": True})
        async for chunk in stream:
            text += [c.delta.content or "" for c in chunk.choices]
    return {"pid": os.getpid(), "text": "".join(text)}


@app.post("/embed")
async def embed(x_tenant: str = Header("default")):
    async with quotaguard.workspace(x_tenant):
        r = await client.embeddings.create(model="text-embedding-3-small", input=["a", "b", "c"])
    return {"pid": os.getpid(), "n": len(r.data)}


@app.post("/respond")
async def respond(x_tenant: str = Header("default")):
    async with quotaguard.workspace(x_tenant):
        r = await client.responses.create(model="gpt-4.1", input="hello")
    return {"pid": os.getpid(), "id": r.id}


@app.get("/quota")
async def quota(x_tenant: str = Header("default")):
    """What this worker believes (issue 17 makes it what every worker believes)."""
    return {"pid": os.getpid(), "status": quotaguard.status(x_tenant), "usage": quotaguard.usage(x_tenant)["total"]}
