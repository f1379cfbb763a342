from llms import PatchedChatOpenAI

llm = PatchedChatOpenAI(model="gpt-4o")  # expect: derived from ChatOpenAI
