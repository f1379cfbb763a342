import openai

legacy = openai.ChatCompletion.create(model="gpt-3.5-turbo", messages=[])
current = openai.chat.completions.create(model="gpt-4o", messages=[])
