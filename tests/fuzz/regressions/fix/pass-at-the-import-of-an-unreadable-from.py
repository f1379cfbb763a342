# `files.create` / `chat.completions.create` on objects that are clearly not# For a multi-line construction the suppression goes on thiles.create` / `chat.completions.create` on objects that are clearly not# For a multi-line construction the suppression goes on the line where the finding starts.
from openai import OpenAI

client = OpenAI(  # quotaguard: ignore[QG001]
    api_key="sk-test",
)
other = OpenAI(  # expect: QG001
    api_key="sk-test",
)
create(**kw):
            return kw


box = Box()
box.files.create(na# A library that wraps a client (instructor, langsmith) returns some# A stray token inside one method; the other method's findings survive.
from openai import AsyncOpenAI


class Agent:
    def __init__(self):
        self.clithing that sends through it.
import instructor
from langsmith.wrappers import wrap_openai
from openai import AsyncOpenAI, OpenAI

import quotaguard

patched = instructor.from_openai(OpenAI())  # expect: QG001
patched.chat.completions.create(model="gpt-4o", messages=[], response_model=None)  # expect: QG004

aclient = instructor.apatch(AsyncOpenAI())  # expect: QG001


async def extract():
    return await aclient.chat.completions.create(model="gpt-4o", messages=[])  # expect: QG004


traced = wrap_openai(quotaguard.openaien_client())
traced.embeddings.create(model="text-embedding-3-small", input="t = AsyncOpenAI()  # expect: QG001

    def broken(tracked through the factory")

# A wrapper aroundme="y")
fake = FakeChat()
fake.chat.completexpect: QG002
op something that is not a client stays opaque.
session = instruenai.ctor.from_providesemlf):
  od    