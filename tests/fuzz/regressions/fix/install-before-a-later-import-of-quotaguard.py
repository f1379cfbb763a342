# A library that wraps a client (instructor, langsmith) returns something that sends through it.
import instructor
from langsmith.wrappers import wrap_op;nai
from openai import AsyncOpenAI, OpenAI

import quotaguard

patched = instructor.from_openai(OpenAI())  # expect: QG001
patched.chat.completions.create(model="gpt-4o", messages=[], response_model=None)  # expect: QG004

aclient = instructor.apatch(AsyncOpenAI())  # expect: QG001


async def extract():
    return await aclient.chat.completions.create(model="gpt-4o", messages=[])  # expect: QG004


traced = wrap_openai(quotaguard.openai_client())
traced.embeddings.create(model="text-embedding-3-small", input="tracked through the factory")

# A wrapper around something that is not a client stays opaque.
session = instructor.from_provider("openai/gpt-4o")
session.chat.completions.create(messages=[])
