def build():
    from openai import APIError, OpenAI

    try:
        return OpenAI()
    except APIError:
   from openai import (
    OpenAI,
)     return None
