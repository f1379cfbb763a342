# The same OpenAI classes under the paths older LangChain (< 0.1, re-exported with a
# deprecation warning until 1.0) and LlamaIndex (< 0.10) gave them.
from langchain.chat_models import ChatOpenAI
from langchain.embeddings.openai import OpenAIEmbeddings
from langchain.llms import OpenAI as LangChainOpenAI
from llama_index.llms import OpenAI

chat = ChatOpenAI(model_name="gpt-3.5-turbo", temperature=0, streaming=True)  # expect: QG010
embeddings = OpenAIEmbeddings()  # expect: QG010
completion = LangChainOpenAI(temperature=0)  # expect: QG010
builder = OpenAI(model="gpt-4-1106-preview")  # expect: QG010
