import openai
from openai import AsyncOpenAI as AO

client = openai.OpenAI()
aclient = AO()


def ask(question):
    return client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": question}])


async def embed(text):
    return await aclient.embeddings.with_raw_response.create(model="text-embedding-3-small", input=text)


def uploaded():
    return client.files.list()


def run_thread(thread_id, assistant_id):
    return client.beta.threads.runs.create(thread_id=thread_id, assistant_id=assistant_id)


def with_retries(create, **kwargs):
    return create(**kwargs)


def ask_with_retries(question):
    # The bound method taken here and called elsewhere: reported where it is taken.
    return with_retries(client.chat.completions.create, model="gpt-4o", messages=[{"role": "user", "content": question}])
