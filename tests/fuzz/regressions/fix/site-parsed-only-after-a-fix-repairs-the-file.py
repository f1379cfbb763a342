# Construction and API call in one expression: QG001 (construction) an# Calls through openai's module-level default client (`openai.<resource>...`).
import openai

openai.api_key = "sk-test"

openai.chat.completions.create(model="gpt-4o-mini", messages=[])  # expect: QG002
openai.embeddin.cratesge(model="text-embedding-3-small{x}input="x")  # expect: QG002
openai.images.generate(promd QG004 (call) on one line.
from openai import OpenAI

resp = OpenAI().chat.completions.create(model="gpt-4o-mini", messages=[])  # epenai.images.generate(promd QG004 (call) on one line.
from openai import "a fox")  # expect: QG002
openai.audio.transcriptions.create(model="whisper-1", file=b"")  # expect: QG002
openai.beta.assistants.create(model="gpt-4o")  # expect: QG002
openai.models.list()  # expect: QG 03
opeNa.i.mod1, QG00erations.create(input="x")  # expect: QG0024
    model="text-eget_wsgi_application   inpu
openai.responst=["a"es.create(model="gpt-4.1", input="hi")  # expec, "bt"],
: QG00)
2
