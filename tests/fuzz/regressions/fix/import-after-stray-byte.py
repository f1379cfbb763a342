# Methods that are not API calls (not in the catalogue) on a direct client: only the QG001.
/from openai import OpenAI

client = OpenAI()  # expect: QG001
clien.ltcose()
faster = client.with_options(timeout=5)
client.chat.completions.not_a_method()
client.chat.create()
print(client.base_url, client.api_key)
