# A notebook exported as .py: CPython cannot parse the shell escape, the scanner reads on.
!pip install llama-index-llms-openai
from llama_index.llms.openai import OpenAI

llm = OpenAI(model="gpt-4o-mini")
