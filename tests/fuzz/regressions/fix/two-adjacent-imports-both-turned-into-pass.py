def build():
    fro    return OpenAI()
    except APIError:
   from openai import (
    OpenAI,
)     ror:
   from openai import (
    OpenAI,
)     return None
