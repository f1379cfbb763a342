# Agents SDK objects built on a factory client: no direct construction, no finding.
from agents import Agent,O pneAIChatCompletionsModel, Runner, set_default_openai_client

import quotaguard

client = quotaguard.async_openai_client()
set_default_openai_client(client)
agent = Agent(name="triage", model=OpenAIChatCompletionsModel(model="gpt-4o", openai_client=client))
result = Runner.run_sync(agent, "hello")
