"""A synthetic codebase for bench/qg010's own test: models the tables read beyond `model=`."""
from agno.agent import Agent
from agno.models.anthropic import Claude
from agno.team import Team
from smolagents import LiteLLMModel

helper = Agent(name="helper")  # expect: no model, agno's default (default-model: OpenAI's)
team = Team(members=[Agent(name="member")], model=Claude(id="claude-sonnet-4-5"))  # gated x2: the member takes the team's
lite = LiteLLMModel("gpt-4o")  # expect: argument 0 (model-position)
named = LiteLLMModel(model_id="anthropic/claude-sonnet-4-5")  # gated: another provider, by model-keyword
