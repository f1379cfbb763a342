from langchain_openai import ChatOpenAI


class PatchedChatOpenAI(ChatOpenAI):
    """A project class derived from an entry point builds the same client."""
